import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ConstellationError } from '../../core/model/errors';
import type { RemoteDevice } from '../fleet';

/** How to start `constellation device …`: the node binary and the CLI script. */
export interface AgentCommand {
  readonly execPath: string;
  readonly script: string;
}

export interface LocalAgentOptions {
  readonly command: AgentCommand;
  /** Device ids (default `local-1..local-N`). */
  readonly ids: readonly string[];
  readonly executor?: 'auto' | 'shell' | 'sim' | undefined;
  readonly concurrency?: number | undefined;
  readonly capabilities?: readonly string[] | undefined;
  readonly workdir?: string | undefined;
  /** Give up on an agent that has not printed its URL within this (default 15 s). */
  readonly startTimeoutMs?: number | undefined;
  /** Extra arguments for every agent (tests: `--keep-results`, `--hello-timeout`). */
  readonly extraArgs?: readonly string[] | undefined;
  /** Extra environment (the extension sets `ELECTRON_RUN_AS_NODE` to start Node from Electron). */
  readonly env?: Readonly<Record<string, string>> | undefined;
}

interface Agent {
  readonly id: string;
  port: number;
  child: ChildProcess | undefined;
  url: string;
}

/** Thrown when a local device agent does not start. */
export class AgentStartError extends ConstellationError {
  constructor(message: string) {
    super('agent_start', message);
  }
}

/**
 * Device agents as child processes on random loopback ports, each with its own random token,
 * passed on its standard input (never on the command line, and in no file that a crash of this
 * process would leave behind). They exit with this process (their stdin closes), and can be
 * killed and restarted on the same port, as the demo and chaos tests do.
 */
export class LocalAgents {
  private readonly agents = new Map<string, Agent>();
  private readonly tokens = new Map<string, string>();
  private stopped = false;
  /** Agents that did not start, and why (the others run without them). */
  readonly failures: { readonly id: string; readonly reason: string }[] = [];

  private constructor(private readonly options: LocalAgentOptions) {}

  /**
   * Starts every agent. One that fails to start is recorded in {@link LocalAgents.failures} and
   * the others go on; if none starts, that is an error.
   */
  static async start(options: LocalAgentOptions): Promise<LocalAgents> {
    const set = new LocalAgents(options);
    const results = await Promise.allSettled(options.ids.map((id) => set.launch(id, 0)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') set.failures.push({ id: options.ids[i]!, reason: r.reason instanceof Error ? r.reason.message : String(r.reason) });
    });
    if (set.agents.size === 0) {
      await set.stop();
      throw new AgentStartError(set.failures.map((f) => f.reason).join('; '));
    }
    return set;
  }

  /** The agents that started, in the order their ids were given (not the order they came up). */
  get devices(): RemoteDevice[] {
    return this.options.ids.flatMap((id) => {
      const a = this.agents.get(id);
      return a ? [{ id: a.id, url: a.url, token: this.tokens.get(a.id)! }] : [];
    });
  }

  /** The process id of a running agent. */
  pid(id: string): number | undefined {
    return this.agents.get(id)?.child?.pid;
  }

  /** Kills an agent at once (SIGKILL): a device that vanishes mid-task. */
  kill(id: string): Promise<void> {
    const a = this.agents.get(id);
    const child = a?.child;
    if (!a || !child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    a.child = undefined;
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Starts a killed agent again, on the same port with the same token (not once stopped). */
  async restart(id: string): Promise<void> {
    const a = this.agents.get(id);
    if (!a) throw new RangeError(`no local agent '${id}'`);
    if (a.child || this.stopped) return;
    await this.launch(id, a.port);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.agents.keys()].map((id) => this.kill(id)));
  }

  private launch(id: string, port: number): Promise<void> {
    let token = this.tokens.get(id);
    if (!token) {
      token = randomBytes(24).toString('base64url');
      this.tokens.set(id, token);
    }
    const o = this.options;
    const args = [o.command.script, 'device', '--id', id, '--port', String(port), '--token-stdin', '--executor', o.executor ?? 'auto', '--exit-with-parent'];
    if (o.concurrency !== undefined) args.push('--concurrency', String(o.concurrency));
    if (o.capabilities?.length) args.push('--capabilities', o.capabilities.join(','));
    if (o.workdir !== undefined) args.push('--workdir', o.workdir);
    args.push(...(o.extraArgs ?? []));
    const child = spawn(o.command.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    child.stdin.on('error', () => undefined); // an agent that died at once; its exit says why
    child.stdin.write(`${token}\n`);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      let settled = false;
      const limit = o.startTimeoutMs ?? 15_000;
      const timer = setTimeout(() => fail(`did not report its URL within ${limit} ms`), limit);
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new AgentStartError(`local device '${id}' ${why}${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
      };
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (err.length < 10_000) err += d;
      });
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (settled) return;
        out += d;
        const m = /listening on (ws:\/\/\S+)/.exec(out);
        if (!m) return;
        settled = true;
        clearTimeout(timer);
        const url = m[1]!;
        this.agents.set(id, { id, port: Number(new URL(url).port), child, url });
        resolve();
      });
      child.once('error', (e) => fail(`could not start: ${e.message}`));
      // 'close' comes after the pipes are drained, so what the agent said on stderr is in the message.
      child.once('close', (code, signal) => {
        const a = this.agents.get(id);
        if (a?.child === child) a.child = undefined;
        fail(`exited with ${signal ?? `code ${String(code)}`} before listening`);
      });
    });
  }
}
