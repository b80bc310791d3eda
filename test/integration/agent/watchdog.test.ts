// `corral watchdog` as a service: a real TCP master closed and reopened, the real collector, a recording reboot script.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import {
  CORRAL_BIN,
  getJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { freePort } from './run-cli.js';

let c: RunningCollector;
let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  c = await startCollector();
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'corral-watchdog-'));
  // Stands in for the reboot and graceful stop commands: writes its argv, one line a run.
  await writeFile(
    path.join(dir, 'record.sh'),
    '#!/bin/sh\nprintf \'%s\\n\' "$*" >> "$(dirname "$0")/record.txt"\n',
  );
  await chmod(path.join(dir, 'record.sh'), 0o755);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

const recorded = async () =>
  (await readFile(path.join(dir, 'record.txt'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean);
const command = (...args: string[]) => JSON.stringify([path.join(dir, 'record.sh'), ...args]);

interface Watchdog {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

function watchdog(args: string[]): Watchdog {
  const child = spawn(
    process.execPath,
    [
      CORRAL_BIN,
      'watchdog',
      '--collector',
      c.url,
      '--spool-dir',
      path.join(dir, 'spool'),
      '--marker',
      path.join(dir, 'marker.json'),
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // Debug: a `checked` line after every round, so a test can wait for rounds, not for time.
      env: { ...process.env, CORRAL_URL: '', CORRAL_TOKEN: '', CORRAL_LOG_LEVEL: 'debug' },
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) =>
    logs.push(JSON.parse(line) as Record<string, unknown>),
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  cleanups.push(async () => {
    await stop();
  });
  return { child, logs, stop };
}

/** A stand-in buildbot master: a real TCP listener that can be closed and reopened on its port. */
async function master(port = 0) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const open = async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const close = async () => {
    for (const s of sockets) s.destroy();
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = null;
  };
  await open();
  cleanups.push(close);
  return { port: () => port, open, close };
}

async function detail(slave: string): Promise<SlaveDetail | null> {
  const res = await getJson<{ slave: SlaveDetail }>(`${c.url}/api/v1/slaves/${slave}`);
  return res.status === 200 ? res.body.slave : null;
}

const logged = (w: Watchdog, pattern: RegExp) =>
  w.logs.some((l) => pattern.test(String(l.msg)) || pattern.test(String(l.reason ?? '')));
/** Waits until the watchdog has run `n` more rounds of checks from now. */
async function rounds(w: Watchdog, n: number) {
  const checked = () => w.logs.filter((l) => l.msg === 'checked').length;
  const target = checked() + n;
  await waitFor(() => checked() >= target, 15_000, `${n} more rounds of checks`);
}

describe('corral watchdog', { timeout: 60_000 }, () => {
  it('master unreachable for --after: one critical heartbeat, one reboot; back again; a restarted watchdog holds the next reboot', async () => {
    const m = await master();
    const target = `127.0.0.1:${m.port()}`;
    const args = [
      '--slave',
      'wd-01',
      '--master',
      target,
      '--after',
      '2s',
      '--interval',
      '200ms',
      '--reboot',
      '--reboot-command',
      command('reboot', 'now'),
    ];
    const w = watchdog(args);
    await waitFor(() => logged(w, /watchdog started/), 15_000, 'the watchdog to start');
    await rounds(w, 3);
    expect(await detail('wd-01')).toBeNull();

    await m.close();
    await waitFor(
      () => logged(w, /cannot connect to master .*critical after 2s/),
      10_000,
      'the outage note',
    );
    const slave = await waitFor(
      async () => (await detail('wd-01'))?.lastCritical,
      15_000,
      'the critical heartbeat',
    );
    expect(slave.message).toBe(`cannot connect to master ${target} for 2s`);
    await waitFor(async () => (await recorded()).length > 0, 10_000, 'the reboot command');
    // Many rounds later, still once each.
    await rounds(w, 10);
    expect(await recorded()).toEqual(['reboot now']);
    expect((await detail('wd-01'))!.messages).toHaveLength(1);
    const marker = JSON.parse(await readFile(path.join(dir, 'marker.json'), 'utf8')) as {
      at: string;
      reason: string;
    };
    expect(marker.reason).toBe(`cannot connect to master ${target} for 2s`);

    await m.open();
    await waitFor(() => logged(w, /reachable again/), 10_000, 'the master to be back');
    expect(await w.stop()).toBe(0);
    expect(logged(w, /watchdog stopped/)).toBe(true);

    // As after the reboot: the master is still away, but the marker holds the next reboot.
    await m.close();
    const again = watchdog(args);
    await waitFor(
      async () => (await detail('wd-01'))!.messages.length === 2,
      15_000,
      'a second critical heartbeat',
    );
    await waitFor(
      () => logged(again, /a reboot is due \(master unreachable\) but held/),
      10_000,
      'the hold',
    );
    await rounds(again, 5);
    expect(await recorded()).toEqual(['reboot now']);
    expect(again.logs.filter((l) => /held/.test(String(l.msg)))).toHaveLength(1);
  }, 90_000);

  it('idle restart: the activity file still for --idle-reboot: graceful stop, then reboot, once', async () => {
    const activity = path.join(dir, 'twistd.log');
    await writeFile(activity, 'last build finished\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(activity, old, old);
    const w = watchdog([
      '--slave',
      'wd-02',
      '--idle-reboot',
      '3s',
      '--activity',
      activity,
      '--interval',
      '200ms',
      '--graceful-command',
      command('graceful', 'stop'),
      '--reboot-command',
      command('reboot'),
    ]);
    await waitFor(async () => (await recorded()).length >= 2, 15_000, 'graceful stop and reboot');
    await rounds(w, 8);
    expect(await recorded()).toEqual(['graceful stop', 'reboot']);
    expect(logged(w, /^no activity for 1m/)).toBe(true);
  });

  it('leaves an active slave alone', async () => {
    const activity = path.join(dir, 'twistd.log');
    await writeFile(activity, 'building\n');
    const w = watchdog([
      '--slave',
      'wd-04',
      '--idle-reboot',
      '4s',
      '--activity',
      activity,
      '--interval',
      '200ms',
      '--reboot-command',
      command('reboot'),
    ]);
    await waitFor(() => logged(w, /watchdog started/), 15_000, 'the watchdog to start');
    // Busy for well over --idle-reboot: a line of the build log every round.
    const until = Date.now() + 10_000;
    for (let i = 0; Date.now() < until; i++) {
      await rounds(w, 1);
      await writeFile(activity, `building ${i}\n`, { flag: 'a' });
    }
    await rounds(w, 3);
    expect(await recorded()).toEqual([]);
    expect(logged(w, /no activity/)).toBe(false);
  });

  it('--dry-run logs what it would do and does nothing', async () => {
    const activity = path.join(dir, 'twistd.log');
    await writeFile(activity, 'x\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(activity, old, old);
    const w = watchdog([
      '--slave',
      'wd-03',
      '--master',
      `127.0.0.1:${await freePort()}`,
      '--after',
      '1s',
      '--interval',
      '200ms',
      '--reboot',
      '--reboot-command',
      command('reboot'),
      '--idle-reboot',
      '2s',
      '--activity',
      activity,
      '--graceful-command',
      command('graceful'),
      '--dry-run',
    ]);
    await waitFor(
      () => logged(w, /would send a critical heartbeat \(dry run\)/),
      15_000,
      'the dry-run critical',
    );
    await waitFor(
      () => logged(w, /would reboot the host \(dry run\)/),
      10_000,
      'the dry-run reboot',
    );
    await rounds(w, 8);
    expect(w.logs.filter((l) => /would reboot/.test(String(l.msg)))).toHaveLength(1);
    expect(await recorded()).toEqual([]);
    expect(await detail('wd-03')).toBeNull();
    await expect(readFile(path.join(dir, 'marker.json'))).rejects.toThrow();
  });

  it('replays the spool every --flush-every, so a spooled critical heartbeat does not wait for the next boot', async () => {
    const m = await master();
    const spooled = {
      slave: 'wd-05',
      kind: 'critical',
      message: 'spooled in an outage',
      at: new Date(Date.now() - 60_000).toISOString(),
    };
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'spool'));
    await writeFile(path.join(dir, 'spool', 'heartbeats.jsonl'), JSON.stringify(spooled) + '\n');
    const w = watchdog([
      '--slave',
      'wd-05',
      '--master',
      `127.0.0.1:${m.port()}`,
      '--interval',
      '200ms',
      '--flush-every',
      '1s',
    ]);
    const critical = await waitFor(
      async () => (await detail('wd-05'))?.lastCritical,
      15_000,
      'the replayed heartbeat',
    );
    expect(critical).toEqual({ at: spooled.at, message: 'spooled in an outage' });
    await waitFor(() => logged(w, /replayed spooled heartbeats/), 10_000, 'the replay log line');
    expect(await readFile(path.join(dir, 'spool', 'heartbeats.jsonl'), 'utf8')).toBe('');
  });

  it('refuses a reboot command given as a shell string', async () => {
    const w = watchdog([
      '--master',
      '127.0.0.1:9010',
      '--reboot',
      '--reboot-command',
      'sudo reboot',
    ]);
    expect(await new Promise((resolve) => w.child.once('exit', resolve))).toBe(1);
  });
});
