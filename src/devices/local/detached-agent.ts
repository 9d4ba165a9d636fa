import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RemoteDevice } from '../fleet';
import { AgentStartError, type AgentCommand } from './local-agents';
import { processAlive } from './process-alive';

/** What is kept about a detached agent so a later process finds it: readable by this user only. */
export interface DetachedAgentState {
  readonly id: string;
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

export interface DetachedAgentOptions {
  readonly command: AgentCommand;
  readonly id: string;
  readonly concurrency: number;
  /** Directory for the state file (mode 0600), the announcement and the agent's log. */
  readonly dir: string;
  /** How long the agent keeps the tasks of an orchestrator that went away, and stays up idle. */
  readonly keepMs: number;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly startTimeoutMs?: number | undefined;
}

const STATE = 'local-device.json';
const ANNOUNCE = 'local-device.announce.json';
const LOG = 'local-device.log';
/** A log longer than this is moved aside (one old copy kept) when a new agent starts. */
const MAX_LOG_BYTES = 1024 * 1024;

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isState(v: unknown): v is DetachedAgentState {
  const s = v as Partial<DetachedAgentState> | undefined;
  return typeof s?.id === 'string' && typeof s.url === 'string' && /^ws:\/\/127\.0\.0\.1:\d+$/.test(s.url) && typeof s.token === 'string' && typeof s.pid === 'number' && Number.isInteger(s.pid) && s.pid > 0;
}

/**
 * A device agent that outlives the process that started it (the editor's local device): started
 * detached in its own process group, it keeps what it runs when the editor goes away, and exits
 * by itself after `keepMs` with nobody attached and nothing held. Its URL and token are kept in a
 * file only this user can read, so the next process of the same workspace finds it again.
 */
export class DetachedAgent {
  private constructor(
    readonly state: DetachedAgentState,
    private readonly options: DetachedAgentOptions,
  ) {}

  /** The agent an earlier process left, if its process is still there. */
  static find(options: DetachedAgentOptions): DetachedAgent | undefined {
    const state = readJson(path.join(options.dir, STATE));
    if (!isState(state) || state.id !== options.id || !processAlive(state.pid)) return undefined;
    return new DetachedAgent(state, options);
  }

  /** Starts a new agent; `again` reuses a port and token (an agent that died, started where it was). */
  static async start(options: DetachedAgentOptions, again?: { port: number; token: string }): Promise<DetachedAgent> {
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const announce = path.join(options.dir, ANNOUNCE);
    fs.rmSync(announce, { force: true });
    const logFile = path.join(options.dir, LOG);
    try {
      if (fs.statSync(logFile).size > MAX_LOG_BYTES) fs.renameSync(logFile, `${logFile}.1`);
    } catch {
      // no log yet
    }
    const log = fs.openSync(logFile, 'a', 0o600);
    const token = again?.token ?? randomBytes(24).toString('base64url');
    const keep = String(options.keepMs);
    const args = [options.command.script, 'device', '--id', options.id, '--port', String(again?.port ?? 0), '--token-stdin', '--executor', 'auto', '--concurrency', String(options.concurrency), '--keep-results', keep, '--idle-exit', keep, '--announce', announce];
    const child = spawn(options.command.execPath, args, { detached: true, stdio: ['pipe', log, log], env: { ...process.env, ...options.env } });
    fs.closeSync(log);
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(`${token}\n`);
    const limit = options.startTimeoutMs ?? 15_000;
    const url = await new Promise<string>((resolve, reject) => {
      let exited: string | undefined;
      child.once('exit', (code, signal) => (exited = signal ?? `code ${String(code)}`));
      child.once('error', (e) => (exited = e.message));
      const until = Date.now() + limit;
      const poll = setInterval(() => {
        const a = readJson(announce) as { url?: unknown; pid?: unknown } | undefined;
        if (typeof a?.url === 'string' && a.pid === child.pid) {
          clearInterval(poll);
          resolve(a.url);
        } else if (exited !== undefined || Date.now() > until) {
          clearInterval(poll);
          if (exited === undefined) child.kill('SIGKILL');
          const tail = readTail(logFile);
          reject(new AgentStartError(`local device '${options.id}' ${exited !== undefined ? `exited with ${exited}` : `did not start within ${limit} ms`} (log ${logFile})${tail ? `: ${tail}` : ''}`));
        }
      }, 25);
    });
    child.unref();
    const state: DetachedAgentState = { id: options.id, url, token, pid: child.pid! };
    const file = path.join(options.dir, STATE);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    fs.renameSync(tmp, file);
    return new DetachedAgent(state, options);
  }

  get device(): RemoteDevice {
    return { id: this.state.id, url: this.state.url, token: this.state.token };
  }

  get pid(): number {
    return this.state.pid;
  }

  get logFile(): string {
    return path.join(this.options.dir, LOG);
  }

  /** Kills the agent at once (SIGKILL), as a crash would; resolves when its process is gone. */
  async kill(): Promise<void> {
    try {
      process.kill(this.state.pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 500 && processAlive(this.state.pid); i++) await new Promise((r) => setTimeout(r, 10));
  }

  /** Starts the agent again on the same port with the same token (after it died). */
  restart(): Promise<DetachedAgent> {
    return DetachedAgent.start(this.options, { port: Number(new URL(this.state.url).port), token: this.state.token });
  }

  /** Stops the agent now (its running tasks are cancelled) and forgets it. */
  stop(): void {
    try {
      process.kill(this.state.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    this.forget();
  }

  /**
   * Forgets the agent without signalling it (it did not answer: its process id may belong to
   * another program by now); the next call starts a new one.
   */
  forget(): void {
    const file = path.join(this.options.dir, STATE);
    const kept = readJson(file);
    if (isState(kept) && kept.pid === this.state.pid) fs.rmSync(file, { force: true });
  }
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
