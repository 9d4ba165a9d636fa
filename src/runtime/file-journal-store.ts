import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JournalPart, JournalStore, OutputPiece, RunJournalFiles } from '../core/persistence/store';
import { OutputFiles, readOutputFiles } from './output-files';
import { lockRun, runHolder } from './run-lock';

const FILES: Readonly<Record<JournalPart, string>> = { events: 'events.jsonl', snapshot: 'snapshot.json', meta: 'run.json' };

/** Files of one run under a journal root: `<root>/<runId>/{events.jsonl, snapshot.json, run.json}`. */
export function runPaths(root: string, runId: string) {
  const dir = path.join(root, runId);
  return { dir, events: path.join(dir, FILES.events), snapshot: path.join(dir, FILES.snapshot), meta: path.join(dir, FILES.meta) };
}

/** Writes through a temporary file and a rename, so a crash leaves the old or the new file, never half of one. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Journals as files under a root directory, one directory per run. */
export class FileJournalStore implements JournalStore {
  constructor(readonly root: string) {}

  open(runId: string, meta?: Record<string, unknown>): RunJournalFiles {
    const paths = runPaths(this.root, runId);
    fs.mkdirSync(paths.dir, { recursive: true });
    // One process at a time runs a run: a second one (another window, a resume elsewhere) is refused.
    const release = lockRun(paths.dir, runId);
    let fd: number;
    try {
      if (meta && !fs.existsSync(paths.meta)) writeAtomic(paths.meta, JSON.stringify({ runId, ...meta }, null, 2));
      fd = fs.openSync(paths.events, 'a');
    } catch (err) {
      release();
      throw err;
    }
    const output = new OutputFiles(paths.dir);
    let open = true;
    return {
      appendEvents: (text) => void fs.writeSync(fd, text),
      cutEvents: (bytes) => fs.ftruncateSync(fd, bytes),
      writeSnapshot: (text) => writeAtomic(paths.snapshot, text),
      appendOutput: (taskId, attempt, stream, data) => output.append(taskId, attempt, stream, data),
      endOutput: (taskId) => output.end(taskId),
      close: () => {
        // Once: a second release could drop a lock this process has taken again since.
        if (!open) return;
        open = false;
        fs.closeSync(fd);
        output.close();
        release();
      },
    };
  }

  read(runId: string, part: JournalPart): string | undefined {
    try {
      return fs.readFileSync(path.join(this.root, runId, FILES[part]), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  runIds(): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs
      .readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(this.root, d.name, FILES.snapshot)))
      .map((d) => d.name);
  }

  location(runId: string): string {
    return path.join(this.root, runId);
  }

  holder(runId: string): number | undefined {
    return runHolder(path.join(this.root, runId));
  }

  readOutput(runId: string, taskId: string, attempt: number): OutputPiece[] | undefined {
    return readOutputFiles(path.join(this.root, runId), taskId, attempt);
  }
}
