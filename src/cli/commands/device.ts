import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimExecutor } from '../../core/executors/sim-executor';
import { ID_PATTERN } from '../../core/model/schema';
import { AutoExecutor } from '../../devices/agent/auto-executor';
import { AipDevice } from '../../devices/agent/aip-device';
import { DeviceAgent } from '../../devices/agent/device-agent';
import { isLoopback } from '../../devices/protocol/loopback';
import { ShellExecutor } from '../../devices/agent/shell-executor';
import { choiceOption, expectPositionals, intOption, parseArgs } from '../args';
import { EXIT, UsageError } from '../errors';
import type { CliIo } from '../io';
import { packageVersion, readTextFile } from '../io';
import { commandInfo } from '../usage';

const EXECUTORS = ['auto', 'shell', 'sim'] as const;
const DIALECTS = ['native', 'aip'] as const;

/**
 * `constellation device`: a device agent that serves one machine's tasks over WebSocket until
 * interrupted (or, with `--exit-with-parent`, until its standard input closes).
 */
export async function deviceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, commandInfo('device')!.options, 'device');
  expectPositionals(args, [], 'device');
  const id = args.values.get('id');
  if (id === undefined) throw new UsageError('--id is required', 'name the device, e.g. --id build-box', '--id');
  if (!ID_PATTERN.test(id)) throw new UsageError(`--id '${id}' is not a valid device id`, "letters, digits, '_', '.', ':' or '-'", '--id');
  const host = args.values.get('host') ?? '127.0.0.1';
  const port = intOption(args, 'port', 0, 65_535) ?? 0;
  const workdir = path.resolve(io.cwd, args.values.get('workdir') ?? '.');
  const kind = choiceOption(args, 'executor', EXECUTORS) ?? 'auto';
  const token = args.flags.has('token-stdin') ? await tokenFromStdin() : readToken(args.values.get('token'), args.values.get('token-file'), io);
  const sim = new SimExecutor();
  const shell = new ShellExecutor(workdir);
  const executor = kind === 'sim' ? sim : kind === 'shell' ? shell : new AutoExecutor(sim, shell);
  const capabilities = (args.values.get('capabilities') ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  const concurrency = intOption(args, 'concurrency', 1, 1024) ?? 1;
  const logger = {
    debug: () => undefined,
    info: (m: string) => io.err.write(`device ${id}: ${m}\n`),
    warn: (m: string) => io.err.write(`device ${id}: warning: ${m}\n`),
    error: (m: string, e?: unknown) => io.err.write(`device ${id}: ${m}${e instanceof Error ? `: ${e.message}` : ''}\n`),
  };
  const dialect = choiceOption(args, 'dialect', DIALECTS) ?? 'native';
  const helloTimeoutMs = intOption(args, 'hello-timeout', 1, 600_000) ?? 5_000;
  // The reference's orchestrator (UFO Galaxy) speaks AIP; Constellation's speaks the native protocol.
  const agent =
    dialect === 'aip'
      ? new AipDevice({ id, host, port, token: token.value, executor, capabilities, concurrency, shareHostInfo: args.flags.has('share-host-info'), registerTimeoutMs: helloTimeoutMs, logger })
      : new DeviceAgent({
          id,
          host,
          port,
          token: token.value,
          executor,
          capabilities,
          concurrency,
          version: packageVersion(),
          keepResultsMs: intOption(args, 'keep-results', 0, 86_400_000) ?? 600_000,
          helloTimeoutMs,
          logger,
        });
  let url: string;
  try {
    url = await agent.listen();
  } catch (err) {
    io.err.write(`constellation device: cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.runFailed;
  }
  if (!isLoopback(host)) io.err.write(`device ${id}: warning: listening on ${host}, reachable from other machines; keep the token secret\n`);
  if (token.generated) io.err.write(`device ${id}: token ${token.value}\n`);
  const announce = args.values.get('announce');
  if (announce !== undefined) writeAnnouncement(path.resolve(io.cwd, announce), { id, url, pid: process.pid });
  io.out.write(`constellation device ${id} listening on ${url} (${dialect === 'aip' ? 'AIP, for UFO Galaxy; executor' : 'executor'} ${kind}, workdir ${workdir})\n`);

  const idleExitMs = intOption(args, 'idle-exit', 1_000, 86_400_000);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (args.flags.has('exit-with-parent')) {
      process.stdin.on('end', stop).on('close', stop).resume();
    }
    if (idleExitMs !== undefined) {
      // A device that outlives the program that started it (the editor's local device) goes away
      // by itself once nobody has used it for a while and it keeps nothing for anyone.
      let idleSince = Date.now();
      setInterval(() => {
        if (!agent.isIdle) idleSince = Date.now();
        else if (Date.now() - idleSince >= idleExitMs) {
          io.err.write(`device ${id}: idle for ${Math.round(idleExitMs / 1000)} s; exiting\n`);
          resolve();
        }
      }, Math.min(1_000, idleExitMs)).unref();
    }
  });
  await agent.close();
  // A watched stdin keeps the process alive after a signal: let go of it.
  if (args.flags.has('exit-with-parent')) process.stdin.destroy();
  return EXIT.ok;
}

function readToken(inline: string | undefined, file: string | undefined, io: CliIo): { value: string; generated: boolean } {
  if (inline !== undefined && file !== undefined) throw new UsageError('give --token or --token-file, not both', 'a token file keeps the secret out of the process list', '--token');
  const value = inline ?? (file !== undefined ? readTextFile(file, io.cwd).trim() : undefined);
  if (value === undefined) return { value: randomBytes(24).toString('base64url'), generated: true };
  if (value.length < 16) throw new UsageError('the token is shorter than 16 characters', 'use a long random token, e.g. from `openssl rand -hex 24`', file !== undefined ? '--token-file' : '--token');
  return { value, generated: false };
}

/**
 * The token as the first line of standard input (`--token-stdin`): how a parent process hands
 * a child agent its secret without a file that would outlive a crash, or the process list.
 */
async function tokenFromStdin(): Promise<{ value: string; generated: boolean }> {
  const value = await new Promise<string>((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      process.stdin.off('data', onData).off('end', onEnd);
      process.stdin.pause();
      if (err) reject(err);
      else resolve(text.split('\n', 1)[0]!.trim());
    };
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      if (text.includes('\n')) done();
      else if (text.length > 4096) done(new UsageError('--token-stdin: no line break in the first 4096 characters of standard input', 'send the token followed by a newline', '--token-stdin'));
    };
    const onEnd = () => done();
    process.stdin.on('data', onData).on('end', onEnd).resume();
  });
  if (value.length < 16) throw new UsageError('the token read from standard input is shorter than 16 characters', 'send a long random token followed by a newline', '--token-stdin');
  return { value, generated: false };
}

/** Where a device that runs on its own says where it listens (read by the program that started it). */
function writeAnnouncement(file: string, facts: { id: string; url: string; pid: number }): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify(facts), { mode: 0o600 });
  fs.renameSync(tmp, file);
}
