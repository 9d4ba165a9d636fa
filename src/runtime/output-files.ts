import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutputStream } from '../core/events/event-map';
import type { OutputPiece } from '../core/persistence/store';

/**
 * Each attempt's output as files beside the journal: `output/<taskId>.<attempt>.log` holds every
 * byte the task wrote, in order, and `<…>.streams` (JSON lines `{at, stream}`) says where the
 * stream changed, so stderr can be told from stdout again. Task ids are encoded for file names.
 */
export function outputPaths(runDir: string, taskId: string, attempt: number): { log: string; streams: string } {
  const base = path.join(runDir, 'output', `${encodeURIComponent(taskId)}.${attempt}`);
  return { log: `${base}.log`, streams: `${base}.streams` };
}

interface OpenOutput {
  readonly attempt: number;
  readonly log: number;
  readonly streams: number;
  bytes: number;
  stream: OutputStream | undefined;
}

/** Writers of a run's output files, one pair of files open per running attempt. */
export class OutputFiles {
  private readonly open = new Map<string, OpenOutput>();

  constructor(private readonly runDir: string) {}

  append(taskId: string, attempt: number, stream: OutputStream, data: string): void {
    let o = this.open.get(taskId);
    if (o && o.attempt !== attempt) this.end(taskId);
    o = this.open.get(taskId);
    if (!o) {
      const p = outputPaths(this.runDir, taskId, attempt);
      fs.mkdirSync(path.dirname(p.log), { recursive: true });
      o = { attempt, log: fs.openSync(p.log, 'a'), streams: fs.openSync(p.streams, 'a'), bytes: fs.statSync(p.log).size, stream: undefined };
      this.open.set(taskId, o);
    }
    if (o.stream !== stream) {
      fs.writeSync(o.streams, `${JSON.stringify({ at: o.bytes, stream })}\n`);
      o.stream = stream;
    }
    o.bytes += fs.writeSync(o.log, data);
  }

  end(taskId: string): void {
    const o = this.open.get(taskId);
    if (!o) return;
    this.open.delete(taskId);
    fs.closeSync(o.log);
    fs.closeSync(o.streams);
  }

  close(): void {
    for (const id of [...this.open.keys()]) this.end(id);
  }
}

/** The whole output of an attempt, as stretches of one stream each, or undefined if it has none. */
export function readOutputFiles(runDir: string, taskId: string, attempt: number): OutputPiece[] | undefined {
  const p = outputPaths(runDir, taskId, attempt);
  if (!fs.existsSync(p.log)) return undefined;
  const bytes = fs.readFileSync(p.log);
  const marks = fs.existsSync(p.streams)
    ? fs
        .readFileSync(p.streams, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { at: number; stream: OutputStream })
    : [{ at: 0, stream: 'stdout' as const }];
  return marks.map((m, i) => ({ stream: m.stream, data: bytes.subarray(m.at, marks[i + 1]?.at ?? bytes.length).toString('utf8') }));
}

/**
 * The end of an attempt's output, at most `maxBytes` of it (a terminal replaying a task that
 * wrote gigabytes shows the last part), and how many bytes before it were left out.
 */
export function readOutputTail(runDir: string, taskId: string, attempt: number, maxBytes: number): { pieces: OutputPiece[]; skipped: number } | undefined {
  const p = outputPaths(runDir, taskId, attempt);
  let fd: number;
  try {
    fd = fs.openSync(p.log, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let start = Math.max(0, size - maxBytes);
    const bytes = Buffer.alloc(size - start);
    fs.readSync(fd, bytes, 0, bytes.length, start);
    // Start on a whole character.
    let cut = 0;
    while (start > 0 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80) cut++;
    start += cut;
    const marks = readMarks(p.streams);
    const pieces: OutputPiece[] = [];
    marks.forEach((m, i) => {
      const from = Math.max(m.at, start);
      const to = marks[i + 1]?.at ?? size;
      if (to > from) pieces.push({ stream: m.stream, data: bytes.subarray(from - start + cut, to - start + cut).toString('utf8') });
    });
    return { pieces, skipped: start };
  } finally {
    fs.closeSync(fd);
  }
}

/** Where the stream changed in an output file; a torn last line (a crash mid-write) is left out. */
function readMarks(file: string): { at: number; stream: OutputStream }[] {
  const marks = fs.existsSync(file) ? parseMarks(fs.readFileSync(file, 'utf8')) : [];
  return marks.length > 0 ? marks : [{ at: 0, stream: 'stdout' }];
}

function parseMarks(text: string): { at: number; stream: OutputStream }[] {
  return text
    .split('\n')
    .flatMap((l) => {
      try {
        const m = JSON.parse(l) as { at?: unknown; stream?: unknown };
        return typeof m.at === 'number' && (m.stream === 'stdout' || m.stream === 'stderr' || m.stream === 'log') ? [{ at: m.at, stream: m.stream }] : [];
      } catch {
        return [];
      }
    });
}
