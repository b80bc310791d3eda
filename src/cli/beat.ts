// `corral beat SLAVE`: the buildbot start hook; never holds the start up, spools when the collector is away.
import type { Command } from 'commander';
import type { BeatProgress } from '../agent/beat.js';
import { parseDuration } from '../domain/duration.js';
import { heartbeatSchema, type HeartbeatInput } from '../domain/heartbeat.js';
import { slaveNameProblem } from '../domain/names.js';
import { addCollectorOptions, collectorTarget, type CollectorFlags } from './collector-options.js';
import { CliError } from './errors.js';
import { printErr } from './output.js';

/** sysexits EX_TEMPFAIL: with --strict, "spooled, not delivered" is a temporary failure. */
export const EXIT_SPOOLED = 75;

interface BeatOptions extends CollectorFlags {
  master?: string;
  pool?: string;
  critical?: string;
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
    .option(
      '--timeout <duration>',
      'time budget for the whole beat from its start, spool replay and writes included',
      '5s',
    )
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
arguments, nothing spooled; ${EXIT_SPOOLED} spooled (only with --strict). It ends by --timeout
(counted from its start) plus ${EXIT_MARGIN_MS / 1000} s at the most; if a DNS lookup or the file
system hangs past that, it ends itself with SIGKILL (137).

Example (in the slave's startup script, right before buildbot starts):
  corral beat "$(hostname -s)" --master bm01 --collector http://collector:8474`,
    )
    .action(async (slave: string | undefined, opts: BeatOptions) => {
      const budgetMs = budgetOf(opts.timeout);
      const state: BeatState = { progress: { stage: 'reading', heartbeat: null }, spoolFile: null };
      const guard = guardDeadline(budgetMs, opts.strict === true, state);
      try {
        process.exitCode = await runBeat(slave, opts, budgetMs, state);
      } finally {
        guard.finish();
      }
    });
}

/** How long past its budget `corral beat` may take to end, at the most, when something hangs. */
export const EXIT_MARGIN_MS = 500;

interface BeatState {
  progress: BeatProgress;
  spoolFile: string | null;
}

function budgetOf(timeout: string): number {
  const seconds = parseDuration(timeout);
  if (seconds === null)
    throw new CliError(`--timeout "${timeout}" is not a duration: write e.g. 5s`);
  return seconds * 1000;
}

/**
 * The budget counts from the process's start (`performance.now()` is the time since then, on a
 * monotonic clock), so Node's own start is in it. The beat itself ends by the deadline; this
 * ends the process at the deadline plus EXIT_MARGIN_MS whatever still runs: a spool on a stalled
 * file system, a DNS lookup that outlives the aborted request, a lingering socket.
 */
function guardDeadline(budgetMs: number, strict: boolean, state: BeatState) {
  let finished = false;
  const end = budgetMs + EXIT_MARGIN_MS;
  const timer = setInterval(() => {
    const late = performance.now() >= end;
    // Finished, but something keeps the process: leave now, or at the end for work that
    // Node would wait for on exit.
    if (!late && (!finished || poolWork().length > 0)) return;
    clearInterval(timer);
    if (!finished) {
      console.error(`corral: warning: ${unfinishedMessage(budgetMs, state)}`);
      const { heartbeat } = state.progress;
      process.exitCode =
        heartbeat === 'refused' ? 1 : strict && heartbeat !== 'delivered' ? EXIT_SPOOLED : 0;
    }
    const stuck = poolWork();
    if (stuck.length > 0) {
      // process.exit would wait for these (Node joins its thread pool on exit); a signal does not.
      const what = stuck.some((r) => r.startsWith('Get')) ? 'a DNS lookup' : 'a file operation';
      console.error(
        `corral: warning: ${what} still hangs after ${seconds(end)}; ending corral beat with SIGKILL`,
      );
      process.kill(process.pid, 'SIGKILL');
    }
    process.exit();
  }, 20);
  timer.unref();
  return {
    finish() {
      finished = true;
    },
  };
}

/** Requests running on Node's thread pool (file system, DNS lookups): they cannot be cancelled. */
function poolWork(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => /^(FSReq|GetAddrInfo|GetNameInfo|CloseReq)/.test(r));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function unfinishedMessage(budgetMs: number, { progress, spoolFile }: BeatState): string {
  const spool = `the spool ${spoolFile ?? '(not opened)'}`;
  const late = `within ${seconds(budgetMs)} (+${seconds(EXIT_MARGIN_MS)})`;
  if (progress.heartbeat === 'delivered') {
    return `the heartbeat was delivered, but ${spool} could not be updated ${late}; spooled heartbeats may be sent again`;
  }
  if (progress.heartbeat === 'refused') {
    return `the collector refused the heartbeat (not spooled), and ${spool} could not be updated ${late}`;
  }
  if (progress.heartbeat === null) return `${spool} could not be flushed ${late}`;
  return `the heartbeat was not delivered and ${spool} could not be written ${late}: the heartbeat may be lost`;
}

async function runBeat(
  slave: string | undefined,
  opts: BeatOptions,
  budgetMs: number,
  state: BeatState,
): Promise<number> {
  const heartbeat = opts.flush && slave === undefined ? null : heartbeatFrom(slave, opts);
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
  state.spoolFile = spool.file;
  const result = await beat({
    target,
    spool,
    heartbeat,
    timeoutMs: budgetMs - performance.now(),
    progress: state.progress,
  });

  // Warnings carry the collector's words about spooled items: printed as text only.
  for (const line of warningsOf(result)) printErr(`corral: warning: ${line}`);
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
