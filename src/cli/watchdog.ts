// `corral watchdog`: runs beside buildbot on a slave; reports an unreachable master, reboots stuck or idle slaves.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import { slaveNameProblem } from '../domain/names.js';
import { addCollectorOptions, collectorTarget, type CollectorFlags } from './collector-options.js';
import { CliError } from './errors.js';

interface WatchdogOptions extends CollectorFlags {
  slave?: string;
  master?: string;
  after: string;
  interval: string;
  reboot?: boolean;
  rebootCommand?: string;
  rebootGuard: string;
  idleReboot?: string;
  activity?: string;
  gracefulCommand?: string;
  gracefulTimeout: string;
  marker?: string;
  dryRun?: boolean;
  timeout: string;
  spoolDir?: string;
  flushEvery: string;
}

export function register(program: Command): void {
  const command = program
    .command('watchdog')
    .description(
      'Run beside buildbot on a slave (as a service): send a critical heartbeat when the master has been ' +
        'unreachable for --after, optionally reboot; reboot idle slaves so they keep cycling. Logs every decision (JSON lines).',
    )
    .option('--slave <name>', "this slave's name (default: the host name up to the first dot)")
    .option(
      '--master <host:port>',
      'the buildbot master to watch with a TCP connect, e.g. bm01:9010',
    )
    .option(
      '--after <duration>',
      'how long the master may be unreachable before the critical heartbeat',
      '10m',
    )
    .option('--interval <duration>', 'time between checks (e.g. 30s, or 500ms)', '30s')
    .option('--reboot', 'after the critical heartbeat, run the reboot command (once)')
    .option(
      '--reboot-command <json>',
      'the reboot command as a JSON argv array, never a shell string (default: ["sudo","/sbin/reboot"]; Windows: ["shutdown","/r","/t","0"])',
    )
    .option(
      '--reboot-guard <duration>',
      'no reboot within this long of the last one this watchdog made',
      '1h',
    )
    .option(
      '--idle-reboot <duration>',
      'restart when --activity has not changed for this long and the host has been up as long, e.g. 6h',
    )
    .option('--activity <file>', 'a file buildbot writes while it works (its twistd.log)')
    .option(
      '--graceful-command <json>',
      'run before an idle reboot, as a JSON argv array, e.g. ["buildslave","stop","/builds/slave"]',
    )
    .option('--graceful-timeout <duration>', 'how long the graceful command may take', '10m')
    .option(
      '--marker <file>',
      'remembers the last reboot across boots (default: watchdog-reboot.json in the spool dir)',
    )
    .option('--dry-run', 'log what would be done and do nothing');
  addCollectorOptions(command)
    .option('--timeout <duration>', 'time budget for sending a heartbeat', '5s')
    .option('--spool-dir <dir>', 'where undelivered heartbeats wait (as for corral beat)')
    .option('--flush-every <duration>', 'replay spooled heartbeats this often', '5m')
    .addHelpText(
      'after',
      `
Example (systemd ExecStart=, or launchd ProgramArguments):
  corral watchdog --master bm01:9010 --after 10m --reboot \\
    --idle-reboot 6h --activity /builds/slave/twistd.log \\
    --graceful-command '["/usr/bin/buildslave","stop","/builds/slave"]'`,
    )
    .action(async (opts: WatchdogOptions) => {
      await runWatchdogCommand(opts);
    });
}

async function runWatchdogCommand(opts: WatchdogOptions): Promise<void> {
  const slave = opts.slave ?? os.hostname().split('.')[0]!;
  const nameProblem = slaveNameProblem(slave);
  if (nameProblem) throw new CliError(`--slave: ${nameProblem}`);
  const masterAddress = opts.master === undefined ? null : parseMaster(opts.master);
  const idleMs = opts.idleReboot === undefined ? null : millis('--idle-reboot', opts.idleReboot);
  if (idleMs !== null && opts.activity === undefined) {
    throw new CliError(
      "--idle-reboot needs --activity FILE (e.g. buildbot's twistd.log) to tell whether the slave is idle",
    );
  }
  if (masterAddress === null && idleMs === null) {
    throw new CliError(
      'nothing to watch: give --master host:port, or --idle-reboot with --activity, or both',
    );
  }
  const target = collectorTarget(opts);
  const timeoutMs = millis('--timeout', opts.timeout);
  const { Spool, defaultSpoolDir } = await import('../agent/spool.js');
  const { beat } = await import('../agent/beat.js');
  const { runWatchdog, defaultRebootArgv } = await import('../agent/watchdog.js');
  const { pino } = await import('pino');
  const spoolDir = opts.spoolDir ?? defaultSpoolDir();
  const spool = new Spool(spoolDir);
  const log = pino(
    { base: undefined, level: process.env.CORRAL_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: 1, sync: true }),
  );

  const controller = new AbortController();
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    controller.abort();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await runWatchdog(
    {
      slave,
      rules: {
        master: opts.master ?? null,
        afterMs: millis('--after', opts.after),
        reboot: opts.reboot === true,
        idleMs,
        guardMs: millis('--reboot-guard', opts.rebootGuard),
      },
      masterAddress,
      intervalMs: millis('--interval', opts.interval),
      activityFile: opts.activity === undefined ? null : path.resolve(opts.activity),
      markerFile: path.resolve(opts.marker ?? path.join(spoolDir, 'watchdog-reboot.json')),
      rebootArgv:
        opts.rebootCommand === undefined
          ? defaultRebootArgv()
          : argvOf('--reboot-command', opts.rebootCommand),
      gracefulArgv:
        opts.gracefulCommand === undefined
          ? null
          : argvOf('--graceful-command', opts.gracefulCommand),
      gracefulTimeoutMs: millis('--graceful-timeout', opts.gracefulTimeout),
      dryRun: opts.dryRun === true,
      send: (heartbeat) => beat({ target, spool, heartbeat, timeoutMs }),
      flushEveryMs: millis('--flush-every', opts.flushEvery),
      log,
    },
    controller.signal,
  );
}

/** A duration flag in milliseconds: `500ms`, or anything parseDuration takes (`30s`, `10m`, `6h`). */
function millis(flag: string, text: string): number {
  const ms = /^(\d+)ms$/.exec(text.trim());
  if (ms && Number(ms[1]) > 0) return Number(ms[1]);
  const seconds = parseDuration(text);
  if (seconds === null)
    throw new CliError(`${flag} "${text}" is not a duration: write e.g. 30s, 10m or 6h`);
  return seconds * 1000;
}

const HOST_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

function parseMaster(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !HOST_PATTERN.test(match[1]!) || port < 1 || port > 65535) {
    throw new CliError(
      `--master "${text}" is not host:port: write e.g. bm01.build.example.com:9010`,
    );
  }
  return { host: match[1]!, port };
}

/** A command as a JSON array of strings: run with execFile, so no shell ever sees it. */
function argvOf(flag: string, json: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = null;
  }
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v) => typeof v === 'string' && v !== '')
  ) {
    throw new CliError(`${flag} must be a JSON array of strings, e.g. '["sudo","/sbin/reboot"]'`);
  }
  return value as string[];
}
