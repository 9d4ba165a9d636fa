import type { OptionSpec } from './args';
import { DEFAULT_DEVICES, syntaxHelp } from './device-spec';

export const DEFAULT_JOURNAL_ROOT = '.constellation/runs';

const json: OptionSpec = { name: 'json', kind: 'flag', description: 'print the result as JSON on stdout (errors too, as [{code, message, path}]); progress goes to stderr' };
const help: OptionSpec = { name: 'help', short: 'h', kind: 'flag', description: 'show this help' };
const devices: OptionSpec = {
  name: 'devices',
  kind: 'value',
  valueName: 'SPEC',
  description: `devices to run on (default ${DEFAULT_DEVICES}): ${syntaxHelp()}`,
};

/** Options shared by `run` and `resume` (on `resume` they override what the run was started with). */
const runOptions: readonly OptionSpec[] = [
  devices,
  { name: 'strategy', kind: 'value', valueName: 'NAME', description: 'placement of tasks without a device: round_robin, capability_match (default) or load_balance' },
  { name: 'journal', kind: 'value', valueName: 'DIR', description: 'write the run to DIR/<runId>/ (events.jsonl, snapshot.json, run.json) so it can be resumed' },
  { name: 'edits', kind: 'value', valueName: 'FILE', description: 'scripted edits: {"rounds": [{"after": "<taskId>", "delayMs"?, "status"?, "operations": [...]}]}' },
  { name: 'lock-scope', kind: 'value', valueName: 'SCOPE', description: 'while an edit is pending, hold all dispatch (all, default) or only tasks downstream of it (downstream)' },
  { name: 'edit-timeout', kind: 'value', valueName: 'MS', description: 'drop an edit round that takes longer than MS (default 600000)' },
  { name: 'max-concurrent', kind: 'value', valueName: 'N', description: 'run at most N tasks at once over all devices' },
  json,
  { name: 'quiet', short: 'q', kind: 'flag', description: 'no progress output; only the final summary (or report)' },
  help,
];

export interface CommandInfo {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  readonly details?: readonly string[];
  readonly examples: readonly string[];
}

export const COMMANDS: readonly CommandInfo[] = [
  {
    name: 'run',
    summary: 'run a plan on devices, with live progress and a final summary',
    usage: 'constellation run <plan.constellation.json> [options]',
    options: runOptions,
    details: [
      'Exit status: 0 if every task completed; 1 if the run failed, partially failed, stalled or was',
      'cancelled; 2 for invalid input; 3 if it was detached. Ctrl+C (SIGINT) cancels the run cleanly and',
      'still prints the summary; a second Ctrl+C exits at once with status 130. SIGTERM and SIGHUP detach',
      'a journaled run instead: running tasks go on on their devices, which keep their results, and',
      "'constellation resume <runId>' collects them and goes on.",
    ],
    examples: [
      'constellation run examples/demo.constellation.json --devices sim:linux-1,linux-2,windows-1',
      'constellation run plan.constellation.json --devices sim:8 --json > report.json',
      'constellation run plan.constellation.json --journal .constellation/runs --edits edits.json',
    ],
  },
  {
    name: 'resume',
    summary: 'continue a journaled run after a crash or a detach; finished tasks are kept, tasks a device still holds are taken over',
    usage: 'constellation resume <runId> [options]',
    options: [{ ...runOptions.find((o) => o.name === 'journal')!, description: `journal root the run was written to (default ${DEFAULT_JOURNAL_ROOT})` }, ...runOptions.filter((o) => o.name !== 'journal')],
    details: ['Devices, strategy, edits and lock scope default to what the run was started with.'],
    examples: ['constellation resume 20250101-120000-ab12 --journal .constellation/runs'],
  },
  {
    name: 'runs',
    summary: 'list the runs of a journal, newest first: plan, start, duration, how each ended',
    usage: 'constellation runs [--journal DIR] [--json]',
    options: [{ ...runOptions.find((o) => o.name === 'journal')!, description: `journal root (default ${DEFAULT_JOURNAL_ROOT})` }, json, help],
    details: ['A run shows as detached when a process let go of it (SIGTERM, a closed window) and interrupted when its process died: both can be resumed.'],
    examples: ['constellation runs --journal .constellation/runs'],
  },
  {
    name: 'rerun',
    summary: "run an earlier run's plan again, or only what failed and what depends on it",
    usage: 'constellation rerun <runId> [--from-failure] [options]',
    options: [
      { name: 'from-failure', kind: 'flag', description: 'run again only the failed, cancelled, skipped or unfinished tasks and their dependants; the completed results are reused' },
      { ...runOptions.find((o) => o.name === 'journal')!, description: `journal root the run was written to, and the new run is (default ${DEFAULT_JOURNAL_ROOT})` },
      ...runOptions.filter((o) => ['devices', 'strategy', 'max-concurrent', 'json', 'quiet', 'help'].includes(o.name)),
    ],
    details: ['The plan is the earlier run\'s as it stood at its end (edits included); the new run records which run it continues.'],
    examples: ['constellation rerun 20250101-120000-ab12 --from-failure'],
  },
  {
    name: 'device',
    summary: 'serve this machine as a device: run the tasks an orchestrator sends over WebSocket',
    usage: 'constellation device --id ID [options]',
    options: [
      { name: 'id', kind: 'value', valueName: 'ID', description: 'the device id plans refer to (required)' },
      { name: 'host', kind: 'value', valueName: 'HOST', description: 'address to listen on (default 127.0.0.1; anything else is reachable from other machines)' },
      { name: 'port', kind: 'value', valueName: 'N', description: 'port to listen on (default 0: any free port; the URL is printed)' },
      { name: 'token', kind: 'value', valueName: 'T', description: 'the secret orchestrators must present (at least 16 characters); prefer --token-file' },
      { name: 'token-file', kind: 'value', valueName: 'FILE', description: 'read the token from FILE (default: a random token, printed on stderr)' },
      { name: 'token-stdin', kind: 'flag', description: 'read the token from the first line of standard input (how a parent process passes it; no file to leak)' },
      { name: 'executor', kind: 'value', valueName: 'KIND', description: 'shell (inputs.command), sim (inputs.sim), or auto (sim when inputs.sim is given, else shell; default)' },
      { name: 'capabilities', kind: 'value', valueName: 'A,B', description: 'capabilities announced to orchestrators' },
      { name: 'concurrency', kind: 'value', valueName: 'N', description: 'tasks run at once (default 1)' },
      { name: 'workdir', kind: 'value', valueName: 'DIR', description: 'working directory of shell tasks (default: the current one)' },
      { name: 'keep-results', kind: 'value', valueName: 'MS', description: 'keep results, output and running tasks of an orchestrator that went away (a detached run) this long (default 600000: 10 minutes)' },
      { name: 'hello-timeout', kind: 'value', valueName: 'MS', description: 'close connections that do not say hello (aip: register) within MS (default 5000)' },
      { name: 'dialect', kind: 'value', valueName: 'D', description: "native (Constellation's protocol; default) or aip: serve UFO Galaxy's protocol at /ws?token=T, so Galaxy's orchestrator can drive this device" },
      { name: 'share-host-info', kind: 'flag', description: "aip: tell Galaxy this machine's hostname and IP address (Galaxy puts them in its language model's prompt; off by default)" },
      { name: 'exit-with-parent', kind: 'flag', description: 'exit when standard input closes (used for local devices the CLI spawns)' },
      { name: 'idle-exit', kind: 'value', valueName: 'MS', description: 'exit once no orchestrator has been connected and no task held for MS (a device that outlives the editor that started it)' },
      { name: 'announce', kind: 'value', valueName: 'FILE', description: 'write {id, url, pid} to FILE (mode 0600) once listening' },
      help,
    ],
    details: ['Prints "constellation device ID listening on ws://HOST:PORT" once ready. Ctrl+C stops it, cancelling running tasks.'],
    examples: [
      'constellation device --id build-box --port 7801 --token-file ~/.constellation/build-box.token --capabilities linux,docker',
      'constellation device --id dev1 --dialect aip --port 5000 --token-file ~/.constellation/galaxy.token',
    ],
  },
  {
    name: 'validate',
    summary: 'check a plan: schema, ids, dependencies, cycles, conditions, references',
    usage: 'constellation validate <plan.constellation.json> [options]',
    options: [{ ...devices, description: 'also check that every task device is one of these (same forms as for run)' }, json, help],
    details: ['Prints "ok: N tasks, M dependencies", or every problem as "file: path: message [code]" (exit 2).'],
    examples: ['constellation validate examples/demo.constellation.json --devices sim:linux-1,linux-2,windows-1'],
  },
  {
    name: 'import',
    summary: 'convert a reference (UFO Galaxy) constellation JSON into a native plan',
    usage: 'constellation import <reference.json> [-o out.constellation.json]',
    options: [{ name: 'output', short: 'o', kind: 'value', valueName: 'FILE', description: 'write here instead of stdout' }, json, help],
    examples: ['constellation import examples/reference/example.json -o example.constellation.json'],
  },
  {
    name: 'export',
    summary: 'convert a native plan into the reference (UFO Galaxy) constellation JSON',
    usage: 'constellation export <plan.constellation.json> [-o out.json] [--aip-inputs]',
    options: [
      { name: 'output', short: 'o', kind: 'value', valueName: 'FILE', description: 'write here instead of stdout' },
      { name: 'aip-inputs', kind: 'flag', description: "also write each task's inputs as a 'constellation-inputs: {json}' tip, so the reference's orchestrator can run the plan on Constellation's AIP devices" },
      json,
      help,
    ],
    examples: ['constellation export examples/demo.constellation.json -o demo.reference.json', 'constellation export examples/demo.constellation.json --aip-inputs -o demo.galaxy.json'],
  },
];

export function commandInfo(name: string): CommandInfo | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function mainHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `constellation ${version}: run a DAG of tasks over devices, as fast as dependencies allow`,
    '',
    'Usage: constellation <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: constellation <command> --help)',
    '  -V, --version  show the version',
    '',
    'Example:',
    '  constellation run examples/demo.constellation.json --devices sim:linux-1,linux-2,windows-1',
    '',
  ].join('\n');
}

export function commandHelp(info: CommandInfo): string {
  const flag = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.kind === 'value' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
  const width = Math.max(...info.options.map((o) => flag(o).length));
  return [
    `Usage: ${info.usage}`,
    '',
    `${info.summary[0]!.toUpperCase()}${info.summary.slice(1)}.`,
    ...(info.details ? ['', ...info.details] : []),
    '',
    'Options:',
    ...info.options.map((o) => `  ${flag(o).padEnd(width)}  ${o.description}`),
    '',
    'Examples:',
    ...info.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
