import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from './stats';

/**
 * The benchmark graphs, inside the repository. W1, W2 and S1 are generated here byte for byte
 * as the reference was measured on them; W3's parents were drawn at random by whoever made it,
 * so it is committed as data (`test/bench/workloads/`); S2 is generated with a seeded generator
 * of our own (same shape as the reference's; the reference published no figure on it).
 */
export const WORKLOAD_NAMES = ['W1-chain-1000', 'W2-fanout-1000', 'W3-layered-2000', 'S1-fanout-100', 'S1-fanout-5000', 'S1-fanout-50000', 'S2-layered-100000'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** SHA-256 of the reference's own files: the graphs must stay exactly these. */
export const REFERENCE_SHA256: Readonly<Partial<Record<WorkloadName, string>>> = {
  'W1-chain-1000': '7022dcc8058c49a2bfdcfceb62e06185bcf9eb9fbffdb5a71b6c11ed222b1732',
  'W2-fanout-1000': '3e56a671a18fb2fe461551243a0e88753e723608a66320a5676c571c518d36cc',
  'W3-layered-2000': 'a2b50a8e15e283d632844d722c1af9b147f144a2032c8d5d3011635c7b0285b5',
  'S1-fanout-100': 'f68feb30814864a813240ce88b20370919d5839a0160b9a215a49c291f4a30e0',
  'S1-fanout-5000': 'f49ebed7366832db178ed34edb72ae5d5efbbd4790f6a4149453f1ef3e86a515',
  'S1-fanout-50000': '342ccf4c3f08f949aca291de5e3a281124b592ef9ed506322ef29da2370a4df6',
};

/** The repository root: the nearest folder above this file with the project's package.json. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'constellation') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no constellation package.json above ${from}`);
  }
}

/** Where committed workload data lives. */
export function workloadDataDir(): string {
  return path.join(repoRoot(), 'test', 'bench', 'workloads');
}

const pad5 = (i: number) => `t${String(i).padStart(5, '0')}`;

interface Graph {
  readonly tasks: string[];
  readonly deps: [string, string][];
}

function chain(n: number): Graph {
  const tasks = Array.from({ length: n }, (_, i) => pad5(i));
  return { tasks, deps: tasks.slice(1).map((t, i) => [tasks[i]!, t]) };
}

/** root → n independent tasks → sink; edges out of root first, then into sink. */
function fanout(n: number): Graph {
  const middle = Array.from({ length: n }, (_, i) => pad5(i));
  return { tasks: ['root', ...middle, 'sink'], deps: [...middle.map((t): [string, string] => ['root', t]), ...middle.map((t): [string, string] => [t, 'sink'])] };
}

/** `layers` layers of `width` tasks; every task after the first layer has 1–3 distinct parents in the layer before. */
function layered(layers: number, width: number, seed: number): Graph {
  // The same seeded generator as the edit benchmark: S2 is the same graph on every machine.
  const random = seededRandom(seed);
  const tasks = Array.from({ length: layers * width }, (_, i) => pad5(i));
  const deps: [string, string][] = [];
  for (let layer = 1; layer < layers; layer++) {
    for (let k = 0; k < width; k++) {
      const child = tasks[layer * width + k]!;
      const parents = new Set<number>();
      const want = 1 + Math.floor(random() * 3);
      while (parents.size < want) parents.add((layer - 1) * width + Math.floor(random() * width));
      for (const p of parents) deps.push([tasks[p]!, child]);
    }
  }
  return { tasks, deps };
}

/** The reference's neutral format, compact, as its files are written. */
function toText(name: string, g: Graph): string {
  return JSON.stringify({ name, tasks: g.tasks.map((id) => ({ id })), dependencies: g.deps.map(([from, to]) => ({ from, to })) });
}

const cache = new Map<WorkloadName, string>();

/** The JSON text of a workload: generated, or read from the committed data. */
export function workloadText(name: WorkloadName): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const m = /^(W1-chain|W2-fanout|S1-fanout|S2-layered)-(\d+)$/.exec(name);
  let text: string;
  if (name === 'W3-layered-2000') text = readFileSync(path.join(workloadDataDir(), `${name}.json`), 'utf8');
  else if (m?.[1] === 'W1-chain') text = toText(name, chain(Number(m[2])));
  else if (m?.[1] === 'S2-layered') text = toText(name, layered(100, Number(m[2]) / 100, 0x5eed));
  else text = toText(name, fanout(Number(m![2])));
  cache.set(name, text);
  return text;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name);
}
