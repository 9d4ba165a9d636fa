import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';

/** `tasks[3].inputs["a b"]` → `['tasks', 3, 'inputs', 'a b']`; undefined for non-paths. */
export function pathSegments(path: string): (string | number)[] | undefined {
  if (path === '(root)') return [];
  const out: (string | number)[] = [];
  const re = /(?:^|\.)([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < path.length && (m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
    at = re.lastIndex;
  }
  return at === path.length ? out : undefined;
}

/** Offset and length of the value at a problem's path (or of the nearest ancestor found). */
export function locate(text: string, path: string | undefined): { offset: number; length: number } | undefined {
  if (path === undefined) return undefined;
  const lc = /^line (\d+), column (\d+)$/.exec(path);
  if (lc) {
    const lines = text.split('\n');
    const line = Number(lc[1]) - 1;
    let offset = 0;
    for (let i = 0; i < line && i < lines.length; i++) offset += lines[i]!.length + 1;
    return { offset: offset + Number(lc[2]) - 1, length: 1 };
  }
  const segments = pathSegments(path);
  const tree = parseTree(text);
  if (!segments || !tree) return undefined;
  for (let n = segments.length; n >= 0; n--) {
    const node: Node | undefined = findNodeAtLocation(tree, segments.slice(0, n));
    if (node) {
      // A property's value is shown with its key, so the squiggle covers `"device": "x"`.
      const target = node.parent?.type === 'property' ? node.parent : node;
      return { offset: target.offset, length: target.length };
    }
  }
  return undefined;
}
