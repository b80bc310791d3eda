// The `corral` command line: one subcommand a file, registered here.
import { Command, CommanderError } from 'commander';
import { register as ack } from './ack.js';
import { register as backup } from './backup.js';
import { register as beat } from './beat.js';
import { register as collector } from './collector.js';
import { CHECK_DESCRIPTION, runCheck } from './check.js';
import { register as consoleCommand } from './console.js';
import { register as demo } from './demo.js';
import { register as doctor } from './doctor.js';
import { register as downtime } from './downtime.js';
import { CliError } from './errors.js';
import { register as hygiene } from './hygiene.js';
import { register as ls } from './ls.js';
import { printErr } from './output.js';
import { register as nagiosConfig } from './nagios-config.js';
import { register as icinga2Config } from './icinga2-config.js';
import { register as nagiosRelay } from './nagios-relay.js';
import { register as park } from './park.js';
import { register as unpark } from './unpark.js';
import { register as reboot } from './reboot.js';
import { register as recheck } from './recheck.js';
import { register as simulate } from './simulate.js';
import { register as undo } from './undo.js';
import { register as watchdog } from './watchdog.js';

/**
 * Each command file registers itself. They stay light: heavy modules (Ink, SQLite) are
 * imported inside the command's action, so `corral beat` starts fast on a slave.
 */
// In the order `corral --help` lists them: the server, what operators run, what slaves run, then tools.
const commands: Array<(program: Command) => void> = [
  collector,
  doctor,
  consoleCommand,
  ls,
  hygiene,
  downtime,
  ack,
  recheck,
  reboot,
  park,
  unpark,
  undo,
  beat,
  watchdog,
  check,
  nagiosConfig,
  icinga2Config,
  nagiosRelay,
  backup,
  simulate,
  demo,
];

/**
 * bin/corral.js runs `corral check` without this file (Nagios runs it often: see check.ts); it is
 * listed here for `corral --help` and for callers of `main`, with the plugin's own parsing.
 */
function check(program: Command): void {
  program
    .command('check')
    .description(CHECK_DESCRIPTION)
    .argument('[slave]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_slave: string | undefined, _opts: unknown, command: Command) => {
      process.exitCode = await runCheck(command.args);
    });
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('corral')
    .description("Keep a build farm's slaves cycling: collector, console and Nagios bridge.")
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    // The root command has options of its own (`corral --config`): without this it would take
    // a subcommand's `--config` too (`corral collector --config x` would run on defaults).
    .enablePositionalOptions();
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      printErr(`corral: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}
