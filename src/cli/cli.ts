import { closest } from './args';
import { exportCommand, importCommand } from './commands/convert';
import { deviceCommand } from './commands/device';
import { rerunCommand, runsCommand } from './commands/history';
import { resumeCommand } from './commands/resume';
import { runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import { EXIT, UsageError, reportError } from './errors';
import { packageVersion, type CliIo } from './io';
import { COMMANDS, commandHelp, commandInfo, mainHelp } from './usage';

type Handler = (argv: readonly string[], io: CliIo) => number | Promise<number>;

const HANDLERS: Readonly<Record<string, Handler>> = {
  run: runCommand,
  resume: resumeCommand,
  runs: runsCommand,
  rerun: rerunCommand,
  validate: validateCommand,
  import: importCommand,
  export: exportCommand,
  device: deviceCommand,
};

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Known before parsing, so that even a bad command line is reported as JSON when asked.
  const json = argv.includes('--json');
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.err.write(mainHelp(packageVersion()));
      return EXIT.invalidInput;
    }
    if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
      io.out.write(mainHelp(packageVersion()));
      return EXIT.ok;
    }
    if (first === '--version' || first === '-V' || first === 'version') {
      io.out.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (first === 'help') return showCommandHelp(rest[0]!, io);
    const handler = HANDLERS[first];
    if (!handler) {
      if (first.startsWith('-')) throw new UsageError(`unknown option '${first}'`, `options go after the command; see 'constellation --help'`, first);
      const near = closest(first, COMMANDS.map((c) => c.name));
      const hint = `${near !== undefined ? `did you mean '${near}'? ` : ''}Commands: ${COMMANDS.map((c) => c.name).join(', ')}; see 'constellation --help'`;
      throw new UsageError(`unknown command '${first}'`, hint, first);
    }
    if (rest.includes('--help') || rest.includes('-h')) return showCommandHelp(first, io);
    return await handler(rest, io);
  } catch (err) {
    return reportError(err, io, json);
  }
}

function showCommandHelp(name: string, io: CliIo): number {
  const info = commandInfo(name);
  if (!info) throw new UsageError(`no help for unknown command '${name}'`, `commands: ${COMMANDS.map((c) => c.name).join(', ')}`, name);
  io.out.write(commandHelp(info));
  return EXIT.ok;
}
