import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileProblem } from './errors';

/** A stream the CLI writes to; a TTY has `isTTY` and a size. */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

/** Where the CLI talks to: the process's streams and environment, injectable for tests. */
export interface CliIo {
  readonly out: OutStream;
  readonly err: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * Reads a text file (relative to `cwd`); a missing or unreadable file is invalid input with a
 * readable message naming the file as the user wrote it.
 */
export function readTextFile(file: string, cwd = process.cwd(), shownAs = file): string {
  try {
    return fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileProblem(shownAs, 'file_not_found', 'no such file');
    if (code === 'EISDIR') throw fileProblem(shownAs, 'not_a_file', 'is a directory, not a file');
    if (code === 'EACCES') throw fileProblem(shownAs, 'unreadable', 'permission denied');
    throw fileProblem(shownAs, 'unreadable', err instanceof Error ? err.message : String(err));
  }
}

/** Writes `text` to `file`, or to stdout when no file is given. */
export function writeOutput(io: CliIo, text: string, file: string | undefined): void {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (file === undefined || file === '-') {
    io.out.write(body);
    return;
  }
  try {
    fs.mkdirSync(path.dirname(path.resolve(io.cwd, file)), { recursive: true });
    fs.writeFileSync(path.resolve(io.cwd, file), body);
  } catch (err) {
    throw fileProblem(file, 'unwritable', err instanceof Error ? err.message : String(err));
  }
}

/** The package's version, from the package.json next to `dist/` (or above the compiled file). */
export function packageVersion(): string {
  const candidates = [path.join(__dirname, '..', 'package.json')];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, 'package.json'));
  for (const file of candidates) {
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'constellation' && typeof pkg.version === 'string') return pkg.version;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return 'unknown';
}
