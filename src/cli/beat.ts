// `corral beat SLAVE`: the buildbot start hook; never holds the start up, spools when the collector is away.
import type { Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import { heartbeatSchema, type HeartbeatInput } from '../domain/heartbeat.js';
import { slaveNameProblem } from '../domain/names.js';
import { addCollectorOptions, collectorTarget } from './collector-options.js';
import { CliError } from './errors.js';

/** sysexits EX_TEMPFAIL: with --strict, "spooled, not delivered" is a temporary failure. */
export const EXIT_SPOOLED = 75;

interface BeatOptions {
  master?: string;
  pool?: string;
  critical?: string;
  collector?: string;
  token?: string;
  timeout: string;
  spoolDir?: string;
  spoolMax: string;
  strict?: boolean;
  flush?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('beat')
    .argument('[slave]', 'this slave\'s name, e.g. "talos-r3-fed-001" (not needed with --flush)')
    .description(
      'Send a start heartbeat (the buildbot start hook). Never holds the start up: one attempt within --timeout; ' +
        'if the collector is away the heartbeat is spooled and the next beat replays it.',
    )
    .option('--master <master>', 'the buildbot master this slave uses, e.g. bm01 or bm01:9010')
    .option('--pool <pool>', "the slave's pool, e.g. talos-r3-fed")
    .option(
      '--critical <message>',
      'send a critical heartbeat with this message instead of a start',
    );
  addCollectorOptions(command)
    .option('--timeout <duration>', 'time budget for the whole beat, spool replay included', '5s')
    .option(
      '--spool-dir <dir>',
      'where undelivered heartbeats wait (default: $CORRAL_SPOOL_DIR, else /var/spool/corral or ~/.corral/spool)',
    )
    .option(
      '--spool-max <n>',
      'at most this many spooled heartbeats; the oldest are dropped first',
      '1000',
    )
    .option('--flush', 'only send what is spooled')
    .option('--strict', `exit ${EXIT_SPOOLED} when the heartbeat was spooled rather than delivered`)
    .option('-v, --verbose', 'say what was delivered')
    .addHelpText(
      'after',
      `
Exit status: 0 delivered or spooled; 1 refused by the collector (bad token, bad name) or bad
arguments, nothing spooled; ${EXIT_SPOOLED} spooled (only with --strict).

Example (in the slave's startup script, right before buildbot starts):
  corral beat "$(hostname -s)" --master bm01 --collector http://collector:8474`,
    )
    .action(async (slave: string | undefined, opts: BeatOptions) => {
      process.exitCode = await runBeat(slave, opts);
      // Belt and braces: a socket or DNS lookup left behind must not keep a slave's start waiting.
      setTimeout(() => process.exit(), 1000).unref();
    });
}

async function runBeat(slave: string | undefined, opts: BeatOptions): Promise<number> {
  const heartbeat = opts.flush && slave === undefined ? null : heartbeatFrom(slave, opts);
  const timeoutSeconds = parseDuration(opts.timeout);
  if (timeoutSeconds === null) {
    throw new CliError(`--timeout "${opts.timeout}" is not a duration: write e.g. 5s`);
  }
  const spoolMax = Number(opts.spoolMax);
  if (!Number.isInteger(spoolMax) || spoolMax < 1) {
    throw new CliError(
      `--spool-max "${opts.spoolMax}" must be a whole number of heartbeats, e.g. 1000`,
    );
  }
  const target = collectorTarget(opts);
  const { beat, warningsOf, refusalMessage } = await import('../agent/beat.js');
  const { Spool, defaultSpoolDir } = await import('../agent/spool.js');
  const spool = new Spool(opts.spoolDir ?? defaultSpoolDir(), spoolMax);
  const result = await beat({ target, spool, heartbeat, timeoutMs: timeoutSeconds * 1000 });

  for (const line of warningsOf(result)) console.error(`corral: warning: ${line}`);
  const refusal = refusalMessage(result, target.url);
  if (refusal) throw new CliError(refusal);
  if (opts.verbose) {
    const what = heartbeat === null ? 'flush' : `heartbeat for ${slave} ${result.heartbeat}`;
    console.log(
      `corral: ${what}; ${result.replayed} spooled heartbeats replayed, ${result.waiting} waiting`,
    );
  }
  const pending =
    result.heartbeat === 'spooled' ||
    result.heartbeat === 'lost' ||
    (heartbeat === null && result.waiting > 0);
  return opts.strict && pending ? EXIT_SPOOLED : 0;
}

/** Checks the heartbeat before anything is sent or spooled: a bad one is a usage error. */
function heartbeatFrom(slave: string | undefined, opts: BeatOptions): HeartbeatInput {
  if (slave === undefined) {
    throw new CliError(
      'which slave? give its name, e.g. corral beat "$(hostname -s)", or use --flush',
    );
  }
  const nameProblem = slaveNameProblem(slave);
  if (nameProblem) throw new CliError(nameProblem);
  const input: HeartbeatInput = { slave, kind: opts.critical === undefined ? 'start' : 'critical' };
  if (opts.master !== undefined) input.master = opts.master;
  if (opts.pool !== undefined) input.pool = opts.pool;
  if (opts.critical !== undefined) input.message = opts.critical;
  const parsed = heartbeatSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = issue.path[0] === 'message' ? 'critical' : String(issue.path[0]);
    throw new CliError(`--${flag}: ${issue.message}`);
  }
  return input;
}
