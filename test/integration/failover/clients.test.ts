// Clients given several collectors (`--collector A,B`, `CORRAL_URL=A,B`) against real collectors
// on real sockets: `corral ls`, `corral beat` and bin/corral-beat.sh go on to the next collector
// when one is down, hangs or answers 503, and never after a definite answer or an action that may
// have arrived.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import { FailoverError, requestFailover } from '../../../src/net/failover.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { neverAnswers, type SilentServer } from '../../support/never-answers.js';
import { freePort, runCorral, type CliRun } from '../agent/run-cli.js';

const SCRIPT = path.resolve(import.meta.dirname, '../../../bin/corral-beat.sh');

/** The second collector of every list: the one that is up. */
let b: RunningCollector;
/** A collector that takes only replays up to an hour old: its 400 is a definite answer. */
let strict: RunningCollector;
/** A collector whose one connection is taken: it answers 503 to everyone else. */
let crowded: RunningCollector;
let held: Socket;
let down: string;
let spoolDir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  [b, strict, crowded] = await Promise.all([
    startCollector(),
    startCollector({ config: 'limits: {at_max_past: 1h}\n' }),
    startCollector({ config: 'http: {max_connections: 1, idle_timeout: 120s}\n' }),
  ]);
  held = connect(crowded.port, '127.0.0.1');
  await waitFor(async () => (await fetch(`${crowded.url}/healthz`)).status === 503, 10_000, '503');
  down = `http://127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  held.destroy();
  for (const c of [b, strict, crowded]) {
    await c.stop();
    c.cleanup();
  }
});
beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(tmpdir(), 'corral-failover-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(spoolDir, { recursive: true, force: true });
});

async function silent(): Promise<SilentServer> {
  const server = await neverAnswers();
  cleanups.push(server.close);
  return server;
}

const beat = (collectors: string, ...args: string[]) =>
  runCorral(['beat', ...args, '--collector', collectors, '--spool-dir', spoolDir]);

function sh(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      [SCRIPT, ...args],
      {
        env: { PATH: process.env.PATH ?? '', HOME: spoolDir, CORRAL_SPOOL_DIR: spoolDir, ...env },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

async function detail(c: RunningCollector, slave: string): Promise<SlaveDetail | null> {
  const res = await getJson<{ slave: SlaveDetail }>(`${c.url}/api/v1/slaves/${slave}`);
  return res.status === 200 ? res.body.slave : null;
}

async function spooled(): Promise<Array<Record<string, string>>> {
  const text = await readFile(path.join(spoolDir, 'heartbeats.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
}

describe('corral ls with several collectors', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    expect((await postJson(`${b.url}/api/v1/heartbeats`, { slave: 'ls-slave-b' })).status).toBe(
      202,
    );
  });

  it('reaches the second when nothing listens at the first (--collector and CORRAL_URL)', async () => {
    const flag = await runCorral(['ls', '--json', '--collector', `${down},${b.url}`]);
    expect(flag.stderr).toBe('');
    expect(flag.code).toBe(0);
    expect(JSON.parse(flag.stdout).slaves.map((s: SlaveDetail) => s.name)).toContain('ls-slave-b');
    const env = await runCorral(['ls'], { CORRAL_URL: `${down}, ${b.url}` });
    expect(env).toMatchObject({ code: 0, stderr: '' });
    expect(env.stdout).toMatch(/ls-slave-b/);
  });

  it('skips a collector that answers 503', async () => {
    const run = await runCorral(['ls', '--collector', `${crowded.url},${b.url}`]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/ls-slave-b/);
  });

  it('goes on to the next when the first takes the connection and never answers', async () => {
    const hung = await silent();
    const run = await runCorral(['ls', '--collector', `${hung.url},${b.url}`]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/ls-slave-b/);
    expect(hung.sockets.length).toBe(1);
  });

  it('names every collector it could not reach, in one line', async () => {
    const other = `http://127.0.0.1:${await freePort()}`;
    const run = await runCorral(['ls', '--collector', `${down},${other}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `corral: cannot reach any collector (${down}: connection refused (is it running?); ${other}: connection refused (is it running?))\n`,
    );
  });

  it('refuses a bad list with one line, before sending anything', async () => {
    for (const [list, problem] of [
      [`${b.url},,${down}`, `--collector: address 2 of "${b.url},,${down}" is empty`],
      [`${b.url},${b.url}/`, `"${b.url}/" is address 1 again: give each collector once`],
      [`${b.url},ftp://x`, '"ftp://x" is not a collector address'],
      ['', '--collector is empty'],
    ] as const) {
      const run = await runCorral(['ls', '--collector', list]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(problem);
      expect(run.stderr.split('\n')).toHaveLength(2);
    }
    const env = await runCorral(['ls'], { CORRAL_URL: `${b.url},` });
    expect(env.stderr).toMatch(/^corral: CORRAL_URL: address 2 of .* is empty/);
  });
});

describe('corral beat with several collectors', { timeout: 60_000 }, () => {
  it('delivers to the second when nothing listens at the first', async () => {
    const run = await beat(`${down},${b.url}`, 'beat-slave-01');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await detail(b, 'beat-slave-01')).toMatchObject({ state: 'ok' });
    expect(await spooled()).toEqual([]);
  });

  it('skips a collector that answers 503', async () => {
    const run = await beat(`${crowded.url},${b.url}`, 'beat-slave-02');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await detail(b, 'beat-slave-02')).toMatchObject({ state: 'ok' });
  });

  it('leaves a collector that hangs the time to reach the next within 5 s', async () => {
    const hung = await silent();
    const run = await beat(`${hung.url},${b.url}`, 'beat-slave-03');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.ms).toBeLessThan(5000 + 1000);
    expect(await detail(b, 'beat-slave-03')).toMatchObject({ state: 'ok' });
  });

  it('does not send elsewhere what a collector refused with a 400', async () => {
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    await writeFile(
      path.join(spoolDir, 'heartbeats.jsonl'),
      `${JSON.stringify({ slave: 'beat-slave-04', kind: 'start', at: old })}\n`,
    );
    const run = await beat(`${strict.url},${b.url}`, 'beat-slave-05');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/gave up 1 spooled heartbeats .*too old to replay/);
    expect(await detail(strict, 'beat-slave-05')).toMatchObject({ state: 'ok' });
    expect(await detail(b, 'beat-slave-04')).toBeNull();
    expect(await detail(b, 'beat-slave-05')).toBeNull();
    expect(await spooled()).toEqual([]);
  });

  it('spools within 5 s when every collector is away, and replays into the one that is back', async () => {
    const hung = await silent();
    const run = await beat(`${down},${hung.url}`, 'beat-slave-06');
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(5000 + 1000);
    expect(run.stderr).toMatch(
      /^corral: warning: no collector took it \(.*refused the connection.*; .*did not answer in time\); the heartbeat is spooled/,
    );
    const [waiting] = await spooled();
    expect(waiting).toMatchObject({ slave: 'beat-slave-06', kind: 'start' });

    const replay = await beat(`${down},${b.url}`, '--flush', '-v');
    expect(replay).toMatchObject({ code: 0, stderr: '' });
    expect(replay.stdout).toMatch(/1 spooled heartbeats replayed, 0 waiting/);
    const slave = await detail(b, 'beat-slave-06');
    expect(Date.parse(slave!.starts[0]!.at)).toBe(Date.parse(waiting!.at!));
  });
});

describe('bin/corral-beat.sh with CORRAL_URL=A,B', { timeout: 60_000 }, () => {
  it('delivers to the second when nothing listens at the first', async () => {
    const run = await sh(['sh-failover-01'], { CORRAL_URL: `${down},${b.url}` });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await detail(b, 'sh-failover-01')).toMatchObject({ state: 'ok' });
    expect(await spooled()).toEqual([]);
  });

  it('skips a collector that answers 503', async () => {
    const run = await sh(['sh-failover-02', '--collector', `${crowded.url},${b.url}`]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await detail(b, 'sh-failover-02')).toMatchObject({ state: 'ok' });
  });

  it('leaves a collector that hangs the time to reach the next within 5 s', async () => {
    const hung = await silent();
    const run = await sh(['sh-failover-03', '--collector', `${hung.url},${b.url}`]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.ms).toBeLessThan(5000 + 1000);
    expect(await detail(b, 'sh-failover-03')).toMatchObject({ state: 'ok' });
  });

  it('does not send elsewhere what a collector refused with a 400', async () => {
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    await writeFile(
      path.join(spoolDir, 'heartbeats.jsonl'),
      `${JSON.stringify({ slave: 'sh-failover-04', kind: 'start', at: old })}\n`,
    );
    const run = await sh(['sh-failover-05', '--collector', `${strict.url},${b.url}`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/gave up 1 spooled heartbeats .*too old to replay/);
    expect(await detail(strict, 'sh-failover-05')).toMatchObject({ state: 'ok' });
    expect(await detail(b, 'sh-failover-04')).toBeNull();
    expect(await detail(b, 'sh-failover-05')).toBeNull();
  });

  it('spools within 5 s when every collector is away', async () => {
    const hung = await silent();
    const run = await sh(['sh-failover-06', '--collector', `${down},${hung.url}`]);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(5000 + 1000);
    expect(run.stderr).toMatch(/warning: no collector took it \(.*\); the heartbeat is spooled/);
    expect(await spooled()).toMatchObject([{ slave: 'sh-failover-06' }]);
  });

  it('refuses a bad list with one line', async () => {
    const run = await sh(['sh-failover-07', '--collector', `${b.url},,${down}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `corral-beat.sh: collector address 2 of "${b.url},,${down}": it is empty: separate collector addresses with single commas, e.g. http://collector-a:8474,http://collector-b:8474\n`,
    );
  });
});

describe('an action that may have arrived', { timeout: 30_000 }, () => {
  it('is not sent to the next collector; a read is', async () => {
    const hung = await silent();
    const body = JSON.stringify({ kind: 'recheck', slaves: ['ls-slave-b'] });
    const post = requestFailover([hung.url, b.url], '/api/v1/actions', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(1500),
      timeoutMs: 1500,
      resendable: false,
    });
    const err = await post.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailoverError);
    expect((err as FailoverError).mayHaveArrivedAt).toBe(hung.url);
    expect((err as FailoverError).message).toMatch(
      /it is not sent to another collector, as it may have been accepted/,
    );
    const actions = await getJson<{ actions: unknown[] }>(`${b.url}/api/v1/actions`);
    expect(actions.body.actions).toEqual([]);

    const read = await requestFailover([hung.url, b.url], '/api/v1/actions', {
      signal: AbortSignal.timeout(1500),
      timeoutMs: 1500,
      resendable: true,
    });
    expect(read).toMatchObject({ base: b.url, status: 200 });
  });
});
