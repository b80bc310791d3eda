// A private Nagios Core 4 in a temp dir of its own (the demo's, the tests'): every path inside that
// dir, intervals in seconds, run as whoever we are; stopped and its dir removed on every way out.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStatus } from './status-file.js';

/** Debian's nagios4-core; NAGIOS_BIN names another. */
export const NAGIOS_BIN = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
/** Debian's monitoring-plugins-basic (check_http, check_dummy). */
export const PLUGIN_DIR = '/usr/lib/nagios/plugins';
/** What to install when NAGIOS_BIN is missing. */
export const NAGIOS_PACKAGES = 'apt-get install nagios4-core monitoring-plugins-basic';

const START_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 10_000;

export function nagiosInstalled(): boolean {
  return existsSync(NAGIOS_BIN);
}

export interface PrivateNagiosOptions {
  /** Object definitions (hosts, services, commands). */
  objects: string;
  /** Extra or replaced main-config keys. */
  main?: Record<string, string | number>;
  /** The temp dir's prefix, under the system's temp dir. */
  prefix?: string;
}

export interface PrivateNagios {
  dir: string;
  commandFile: string;
  statusFile: string;
  logFile: string;
  objectCacheFile: string;
  /** The running process's id; null while stopped. */
  pid(): number | null;
  /** SIGTERM, then wait for the process to exit (SIGKILL after a bound). */
  stop(): Promise<void>;
  /** Starts the stopped Nagios again with the same files; resolves once its FIFO is there and status.dat is whole. */
  restart(): Promise<void>;
  /** Stops Nagios and removes the temp dir. */
  cleanup(): Promise<void>;
}

/** nagios.cfg for a private instance in `dir`: the keys that matter, then `extra`. */
export function privateMainConfig(dir: string, extra: Record<string, string | number>): string {
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

/** Lays out a temp dir (objects, nagios.cfg, its subdirs) for a private instance; its path. */
export async function layOutNagios(
  objects: string,
  main: Record<string, string | number>,
  prefix = 'corral-nagios-',
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await Promise.all(['rw', 'tmp', 'checkresults'].map((d) => mkdir(path.join(dir, d))));
  await writeFile(path.join(dir, 'objects.cfg'), objects);
  await writeFile(path.join(dir, 'nagios.cfg'), privateMainConfig(dir, main));
  return dir;
}

export async function startPrivateNagios(opts: PrivateNagiosOptions): Promise<PrivateNagios> {
  const dir = await layOutNagios(opts.objects, opts.main ?? {}, opts.prefix);
  const cfg = path.join(dir, 'nagios.cfg');
  const commandFile = path.join(dir, 'rw', 'nagios.cmd');
  const statusFile = path.join(dir, 'status.dat');
  let output = '';
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  // Should this process end without cleaning up (a crash, process.exit), its Nagios and dir go too.
  const lastResort = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', lastResort);

  const launch = () => {
    // Its own process group: a terminal's Ctrl-C or hangup is ours to handle, not Nagios's
    // (it takes SIGHUP as "reload" and would outlive us).
    const proc = spawn(NAGIOS_BIN, [cfg], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = proc;
    proc.stdout!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
    proc.stderr!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-4000)));
    exited = new Promise<void>((resolve) => {
      proc.once('error', (err) => {
        output += err.message;
        resolve();
      });
      proc.once('exit', () => resolve());
    });
    void exited.then(() => {
      if (child === proc) child = null;
    });
  };

  const stop = async () => {
    const proc = child;
    if (proc === null) return;
    const family = childrenOf(proc.pid);
    proc.kill('SIGTERM');
    const done = await Promise.race([
      exited.then(() => true),
      // Unref'd: a bound, not a reason for the process to stay 10 s after Nagios is gone.
      sleep(STOP_WITHIN_MS, false, { ref: false }),
    ]);
    if (!done) {
      proc.kill('SIGKILL');
      await exited;
    }
    await ended(family);
  };
  const cleanup = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
    process.off('exit', lastResort);
  };

  const started = async () => {
    const deadline = Date.now() + START_WITHIN_MS;
    while (Date.now() < deadline) {
      if (child === null) {
        throw new Error(`Nagios exited: ${output.trim().split('\n').slice(-5).join(' | ')}`);
      }
      if ((await isFifo(commandFile)) && (await wholeStatus(statusFile))) return;
      await sleep(100);
    }
    throw new Error(`Nagios did not come up within ${START_WITHIN_MS} ms`);
  };

  launch();
  try {
    await started();
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    dir,
    commandFile,
    statusFile,
    logFile: path.join(dir, 'nagios.log'),
    objectCacheFile: path.join(dir, 'objects.cache'),
    pid: () => child?.pid ?? null,
    stop,
    async restart() {
      if (child !== null) throw new Error('restart() is for a stopped Nagios');
      launch();
      await started();
    },
    cleanup,
  };
}

async function isFifo(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFIFO(),
    () => false,
  );
}

async function wholeStatus(file: string): Promise<boolean> {
  try {
    parseStatus(await readFile(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * A stopped Nagios's children: its workers (each in its own process group) keep the command FIFO's
 * read end, and while one lives a writer is not told that Nagios is gone. Linux's /proc.
 */
function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked: not a child any more.
    }
  }
  return children;
}

/** Kills what is left of them and waits until they are gone (within the stop bound). */
async function ended(pids: readonly number[]): Promise<void> {
  const alive = (pid: number, sig: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false; // ESRCH: gone
    }
  };
  let left = pids.filter((pid) => alive(pid, 'SIGKILL'));
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (left.length > 0 && Date.now() < deadline) {
    // Ref'd: on the way out this wait may be all that keeps the process alive until its exit code is set.
    await sleep(20);
    left = left.filter((pid) => alive(pid, 0));
  }
}
