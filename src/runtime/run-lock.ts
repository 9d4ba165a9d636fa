import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConstellationError } from '../core/model/errors';
import { processAlive } from '../devices/local/process-alive';

/** The file in a run's journal directory that says which process runs it now. */
export const LOCK_FILE = 'owner.json';

/** A run that another live process is running (a second window, a `constellation resume` elsewhere). */
export class RunInUseError extends ConstellationError {
  constructor(
    readonly runId: string,
    readonly pid: number,
  ) {
    super('run_in_use', `run ${runId} is being run by process ${pid} on this machine; stop that process (or let it finish) first`);
  }
}

interface Owner {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
}


function readOwner(file: string): Owner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.hostname === 'string' ? (o as Owner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process that holds a run's journal open, if it is alive: another process on this machine
 * (one on another machine sharing the folder cannot be checked, and counts as holding it).
 */
export function runHolder(runDir: string): number | undefined {
  const owner = readOwner(path.join(runDir, LOCK_FILE));
  if (!owner || owner.pid === process.pid) return undefined;
  if (owner.hostname !== os.hostname()) return owner.pid;
  return processAlive(owner.pid) ? owner.pid : undefined;
}

/**
 * Claims a run for this process (a lock file beside its journal); a claim left by a process that
 * is gone (a crash, a kill) is taken over. Returns the release.
 */
export function lockRun(runDir: string, runId: string): () => void {
  const file = path.join(runDir, LOCK_FILE);
  const holder = runHolder(runDir);
  if (holder !== undefined) throw new RunInUseError(runId, holder);
  const text = JSON.stringify({ pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() } satisfies Owner);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return () => {
    if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
}
