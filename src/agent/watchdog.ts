// The watchdog's loop on the slave: observe (master TCP connect, activity file, uptime, marker), decide, act, log why.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { HeartbeatInput } from '../domain/heartbeat.js';
import type { BeatResult } from './beat.js';
import {
  decide,
  INITIAL_STATE,
  type Decision,
  type Observation,
  type WatchdogRules,
  type WatchState,
} from './watchdog-rules.js';

export interface MasterAddress {
  host: string;
  port: number;
}

export interface WatchdogSetup {
  slave: string;
  rules: WatchdogRules;
  masterAddress: MasterAddress | null;
  intervalMs: number;
  activityFile: string | null;
  markerFile: string;
  rebootArgv: string[];
  /** Run before the reboot of an idle restart (e.g. stop buildbot cleanly); null: none. */
  gracefulArgv: string[] | null;
  gracefulTimeoutMs: number;
  dryRun: boolean;
  /** Sends a heartbeat (spooling it if the collector is away); null only replays the spool. */
  send: (heartbeat: HeartbeatInput | null) => Promise<BeatResult>;
  /** Replays the spool this often, so a critical heartbeat spooled in an outage does not wait for the next boot. */
  flushEveryMs?: number;
  log: Logger;
}

const DEFAULT_FLUSH_MS = 5 * 60_000;

/** The default reboot for the platform, as an argv (never a shell string). */
export function defaultRebootArgv(platform: NodeJS.Platform = process.platform): string[] {
  return platform === 'win32' ? ['shutdown', '/r', '/t', '0'] : ['sudo', '/sbin/reboot'];
}

/** Checks every interval until the signal aborts. */
export async function runWatchdog(setup: WatchdogSetup, signal: AbortSignal): Promise<void> {
  const { log } = setup;
  log.info(
    {
      slave: setup.slave,
      master: setup.rules.master,
      after: setup.rules.afterMs / 1000,
      reboot: setup.rules.reboot ? setup.rebootArgv : false,
      idleReboot: setup.rules.idleMs === null ? false : setup.rules.idleMs / 1000,
      activity: setup.activityFile,
      graceful: setup.gracefulArgv,
      marker: setup.markerFile,
      dryRun: setup.dryRun,
    },
    'watchdog started',
  );
  let state: WatchState = INITIAL_STATE;
  let lastFlush = Date.now();
  while (!signal.aborted) {
    const started = Date.now();
    try {
      state = await check(setup, state);
      if (!setup.dryRun && started - lastFlush >= (setup.flushEveryMs ?? DEFAULT_FLUSH_MS)) {
        lastFlush = started;
        await flush(setup);
      }
    } catch (err) {
      log.error({ error: (err as Error).message }, 'check failed; trying again next interval');
    }
    // At CORRAL_LOG_LEVEL=debug: shows the loop is alive between decisions (tests count rounds).
    log.debug('checked');
    const wait = Math.max(0, setup.intervalMs - (Date.now() - started));
    await sleep(wait, signal);
  }
  log.info('watchdog stopped');
}

async function flush(setup: WatchdogSetup): Promise<void> {
  const result = await setup.send(null);
  if (result.replayed > 0 || result.givenUp.length > 0) {
    setup.log.info(
      { replayed: result.replayed, givenUp: result.givenUp.length, waiting: result.waiting },
      'replayed spooled heartbeats',
    );
  }
}

/** One round: observe, decide, act. Exported for tests and `--once`. */
export async function check(setup: WatchdogSetup, state: WatchState): Promise<WatchState> {
  const obs = await observe(setup);
  const result = decide(state, obs, setup.rules);
  for (const decision of result.decisions) await act(setup, decision);
  return result.state;
}

async function observe(setup: WatchdogSetup): Promise<Observation> {
  const masterReachable = setup.masterAddress
    ? await canConnect(setup.masterAddress, Math.min(setup.intervalMs, 10_000))
    : null;
  const obs: Observation = {
    now: Date.now(),
    monotonic: performance.now(),
    masterReachable,
    uptimeMs: os.uptime() * 1000,
    lastRebootAt: await readMarker(setup.markerFile),
  };
  if (setup.activityFile !== null) obs.activityMtime = await mtime(setup.activityFile);
  return obs;
}

async function act(setup: WatchdogSetup, decision: Decision): Promise<void> {
  const fields = { decision: decision.kind, reason: decision.reason, dryRun: setup.dryRun };
  if (decision.kind === 'note') setup.log.info(fields, decision.reason);
  else if (decision.kind === 'critical') await sendCritical(setup, decision.message, fields);
  else await reboot(setup, decision.reason, decision.kind === 'idle-restart', fields);
}

type LogFields = Record<string, unknown>;

async function sendCritical(setup: WatchdogSetup, message: string, fields: LogFields) {
  if (setup.dryRun) return setup.log.warn(fields, 'would send a critical heartbeat (dry run)');
  const heartbeat: HeartbeatInput = { slave: setup.slave, kind: 'critical', message };
  if (setup.rules.master) heartbeat.master = setup.rules.master;
  const result = await setup.send(heartbeat);
  setup.log.warn(
    { ...fields, heartbeat: result.heartbeat, retry: result.retryReason, refusal: result.refusal },
    `critical heartbeat ${result.heartbeat}`,
  );
}

/** The marker, then the graceful stop (idle restart only), then the reboot command: each once. */
async function reboot(setup: WatchdogSetup, reason: string, idle: boolean, fields: LogFields) {
  const { log } = setup;
  const graceful = idle ? setup.gracefulArgv : null;
  if (setup.dryRun) {
    return log.warn(
      { ...fields, graceful, reboot: setup.rebootArgv },
      'would reboot the host (dry run)',
    );
  }
  // The marker first: if the reboot takes us down mid-way, the next boot still knows.
  try {
    await writeMarker(setup.markerFile, reason);
  } catch (err) {
    // Without the marker nothing stops a reboot loop: better not reboot at all.
    log.error(
      { ...fields, marker: setup.markerFile, error: (err as Error).message },
      'cannot write the marker file; not rebooting',
    );
    return;
  }
  if (graceful) {
    log.warn({ ...fields, argv: graceful }, 'stopping gracefully before the reboot');
    const outcome = await run(graceful, setup.gracefulTimeoutMs);
    log[outcome.ok ? 'info' : 'error'](
      { ...fields, argv: graceful, ...outcome },
      'graceful stop finished',
    );
  }
  log.warn({ ...fields, argv: setup.rebootArgv }, 'rebooting the host');
  const outcome = await run(setup.rebootArgv, 120_000);
  // Not retried: a reboot command that fails needs a human, not a loop.
  log[outcome.ok ? 'info' : 'error'](
    { ...fields, argv: setup.rebootArgv, ...outcome },
    outcome.ok ? 'reboot command ran' : 'reboot command failed; not trying again',
  );
}

/** A TCP connect to the master within the timeout: the same test a buildbot slave's connection needs. */
export function canConnect(address: MasterAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function run(
  argv: string[],
  timeoutMs: number,
): Promise<{ ok: boolean; code: number | string | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: timeoutMs, windowsHide: true },
      (err, _stdout, stderr) => {
        const code = err ? ((err as { code?: number | string }).code ?? null) : 0;
        resolve({ ok: !err, code, stderr: stderr.toString().trim().slice(0, 500) });
      },
    );
  });
}

async function mtime(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

/** The marker holds when this watchdog last rebooted the host: JSON `{at, reason}`. */
export async function readMarker(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const at = Date.parse((JSON.parse(text) as { at?: string }).at ?? '');
    if (Number.isFinite(at)) return at;
  } catch {
    // a torn marker: its mtime is the time
  }
  return mtime(file);
}

async function writeMarker(file: string, reason: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify({ at: new Date().toISOString(), reason })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
