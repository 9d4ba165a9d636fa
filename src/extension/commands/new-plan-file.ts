import * as vscode from 'vscode';

/** Writes `<base>.constellation.json` in the first workspace folder, never over a file. */
export async function writeNewPlan(base: string, text: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: text });
    return doc.uri;
  }
  const safe = base.replace(/[^A-Za-z0-9_.-]/g, '-') || 'plan';
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(folder, i === 1 ? `${safe}.constellation.json` : `${safe}-${i}.constellation.json`);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      return uri;
    }
  }
}

/** A file name's stem from a plan's name: `Nightly build & test` → `nightly-build-test`. */
export function slugOf(name: string, fallback = 'plan'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || fallback;
}
