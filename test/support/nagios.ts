// A private Nagios Core 4 for tests: its own temp dir, the objects given (from `corral nagios-config`),
// intervals in seconds, and helpers that read Nagios's own files (status.dat, nagios.log).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { available } from './requires.js';
import { CommandFileWriter } from '../../src/nagios/command-file.js';
import { generateNagiosConfig } from '../../src/nagios/config-generator.js';
import { DEFAULT_MAPPING } from '../../src/nagios/mapping.js';
import { CORRAL_BIN } from './collector.js';
import {
  parseStatus,
  IncompleteStatusError,
  type NagiosStatus,
} from '../../src/nagios/status-file.js';

export const NAGIOS_BIN = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
export const PLUGIN_DIR = '/usr/lib/nagios/plugins';
/** Whether the real-Nagios suites run: a skip with a warning on a developer's machine, a failure under CI. */
export const hasNagios = available(
  NAGIOS_BIN,
  existsSync(NAGIOS_BIN),
  'apt-get install nagios4-core monitoring-plugins-basic',
);

/** Objects for a private Nagios: each slave a host with corral's passive service, default thresholds. */
export function passiveObjects(slaves: readonly string[]): string {
  return generateNagiosConfig({
    slaves: slaves.map((name) => ({ name, pool: null, master: null, attributes: {} })),
    thresholds: { default: { warningSeconds: 21600, criticalSeconds: 25200 }, pools: {} },
    mapping: DEFAULT_MAPPING,
    corral: [process.execPath, CORRAL_BIN],
    collectorUrl: 'http://127.0.0.1:1',
    pluginDir: PLUGIN_DIR,
  });
}

export interface NagiosInstance {
  dir: string;
  commandFile: string;
  statusFile: string;
  logFile: string;
  objectCacheFile: string;
  writer: CommandFileWriter;
  /** status.dat as it is now (retries a half-written file). */
  status(): Promise<NagiosStatus>;
  /** Polls status.dat until the predicate holds; throws with the last status's summary on timeout. */
  waitForStatus(
    predicate: (s: NagiosStatus) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<NagiosStatus>;
  /** The commands Nagios says it executed: the text after `EXTERNAL COMMAND: ` in nagios.log. */
  externalCommands(): Promise<string[]>;
  logText(): Promise<string>;
  /** SIGTERM, then wait for the process to exit (SIGKILL after a bound). */
  stop(): Promise<void>;
  /** Starts the stopped Nagios again with the same files; resolves once its FIFO is there and status.dat is whole. */
  restart(): Promise<void>;
  /** Stops Nagios and removes the temp dir. */
  cleanup(): Promise<void>;
}

export interface NagiosOptions {
  /** Object definitions (hosts, services, commands). */
  objects: string;
  /** Extra or replaced main-config keys. */
  main?: Record<string, string | number>;
}

function mainConfig(dir: string, extra: Record<string, string | number>): string {
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || 'root';
  const keys: Record<string, string | number> = {
    log_file: path.join(dir, 'nagios.log'),
    cfg_file: path.join(dir, 'objects.cfg'),
    object_cache_file: path.join(dir, 'objects.cache'),
    precached_object_file: path.join(dir, 'objects.precache'),
    status_file: path.join(dir, 'status.dat'),
    status_update_interval: 1,
    nagios_user: userInfo().username,
    nagios_group: group,
    check_external_commands: 1,
    command_file: path.join(dir, 'rw', 'nagios.cmd'),
    lock_file: path.join(dir, 'nagios.lock'),
    temp_file: path.join(dir, 'nagios.tmp'),
    temp_path: path.join(dir, 'tmp'),
    retain_state_information: 0,
    state_retention_file: path.join(dir, 'retention.dat'),
    check_result_path: path.join(dir, 'checkresults'),
    query_socket: path.join(dir, 'rw', 'nagios.qh'),
    interval_length: 1,
    enable_notifications: 0,
    check_service_freshness: 1,
    service_freshness_check_interval: 1,
    additional_freshness_latency: 1,
    log_external_commands: 1,
    log_passive_checks: 1,
    use_syslog: 0,
    check_for_updates: 0,
    illegal_macro_output_chars: '`~$&|\'"<>',
    ...extra,
  };
  return Object.entries(keys)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')
    .concat('\n');
}

export async function startNagios(opts: NagiosOptions): Promise<NagiosInstance> {
  const dir = await mkdtemp(path.join(tmpdir(), 'corral-nagios-'));
  await Promise.all(['rw', 'tmp', 'checkresults'].map((d) => mkdir(path.join(dir, d))));
  const cfg = path.join(dir, 'nagios.cfg');
  await writeFile(path.join(dir, 'objects.cfg'), opts.objects);
  await writeFile(cfg, mainConfig(dir, opts.main ?? {}));

  const commandFile = path.join(dir, 'rw', 'nagios.cmd');
  const statusFile = path.join(dir, 'status.dat');
  const logFile = path.join(dir, 'nagios.log');
  let output = '';
  let running = false;
  let exited: Promise<void> = Promise.resolve();
  let child: ChildProcess | null = null;
  // The same Nagios (config, log, retention file) in a new process: a restart after an outage.
  const launch = () => {
    const proc = spawn(NAGIOS_BIN, [cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running = true;
    proc.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    // Should the test process die first, it takes its Nagios with it.
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    void exited.then(() => {
      running = false;
      process.off('exit', killOnExit);
    });
  };

  const stop = async () => {
    if (!running || child === null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const cleanup = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };

  const readStatus = async (): Promise<NagiosStatus> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return parseStatus(await readFile(statusFile, 'utf8'));
      } catch (err) {
        if (!(err instanceof IncompleteStatusError || isMissing(err)) || attempt > 50) throw err;
        await sleep(100);
      }
    }
  };

  const started = () =>
    waitFor(
      async () =>
        (await isFifo(commandFile)) &&
        (await readStatus().then(
          () => true,
          () => false,
        )),
      30_000,
      () => (running ? '' : `Nagios exited: ${output.trim().split('\n').slice(-5).join(' | ')}`),
    );
  const restart = async () => {
    if (running) throw new Error('restart() is for a stopped Nagios');
    launch();
    await started();
  };

  const instance: NagiosInstance = {
    dir,
    commandFile,
    statusFile,
    logFile,
    objectCacheFile: path.join(dir, 'objects.cache'),
    writer: new CommandFileWriter(commandFile),
    status: readStatus,
    async waitForStatus(predicate, timeoutMs = 20_000, what = 'the expected state') {
      const deadline = Date.now() + timeoutMs;
      let last: NagiosStatus | null = null;
      while (Date.now() < deadline) {
        last = await readStatus();
        if (predicate(last)) return last;
        await sleep(100);
      }
      throw new Error(
        `status.dat did not show ${what} within ${timeoutMs} ms (services: ${last?.services.size}, downtimes: ${last?.downtimes.length}, comments: ${last?.comments.length})`,
      );
    },
    async externalCommands() {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return [...text.matchAll(/EXTERNAL COMMAND: (.*)$/gm)].map((m) => m[1]!);
    },
    logText: () => readFile(logFile, 'utf8').catch(() => ''),
    stop,
    restart,
    cleanup,
  };

  launch();
  try {
    await started();
  } catch (err) {
    await cleanup();
    throw err;
  }
  return instance;
}

async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  failure: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = failure();
    if (why) throw new Error(why);
    if (await condition()) return;
    await sleep(100);
  }
  throw new Error(`Nagios did not come up within ${timeoutMs} ms`);
}

async function isFifo(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFIFO(),
    () => false,
  );
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** `nagios4 -v` on a main config that includes `objects`: the verifier's output and whether it passed. */
export async function verifyObjects(objects: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'corral-nagios-verify-'));
  try {
    await Promise.all(['rw', 'tmp', 'checkresults'].map((d) => mkdir(path.join(dir, d))));
    await writeFile(path.join(dir, 'objects.cfg'), objects);
    await writeFile(path.join(dir, 'nagios.cfg'), mainConfig(dir, {}));
    const r = spawnSync(NAGIOS_BIN, ['-v', path.join(dir, 'nagios.cfg')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = `${r.stdout}${r.stderr}`;
    return { ok: r.status === 0 && /Total Errors:\s+0/.test(output), output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
