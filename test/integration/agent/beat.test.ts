// `corral beat` as a slave runs it, against the real collector and against real misbehaving servers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_MARGIN_MS } from '../../../src/cli/beat.js';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import { getJson, startCollector, type RunningCollector } from '../../support/collector.js';
import { freePort, runCorral } from './run-cli.js';
import { neverAnswers, type SilentServer } from '../../support/never-answers.js';

let spoolDir: string;
const cleanups: Array<() => Promise<void> | void> = [];
beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(tmpdir(), 'corral-beat-it-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(spoolDir, { recursive: true, force: true });
});

async function collector(
  opts: Parameters<typeof startCollector>[0] = {},
): Promise<RunningCollector> {
  const c = await startCollector(opts);
  cleanups.push(async () => {
    await c.stop();
    c.cleanup();
  });
  return c;
}

const beat = (url: string, ...args: string[]) =>
  runCorral(['beat', ...args, '--collector', url, '--spool-dir', spoolDir]);

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/** A collector that never answers, closed after the test. */
async function silent(): Promise<SilentServer> {
  const server = await neverAnswers();
  cleanups.push(server.close);
  return server;
}

let holder: ChildProcess | null = null;

/** Another live process takes the spool lock (a fresh one: not stale) and keeps it. */
async function holdLock(): Promise<void> {
  const lock = path.join(spoolDir, 'heartbeats.lock');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs'); fs.mkdirSync(${JSON.stringify(lock)});
       process.on('SIGTERM', () => { fs.rmdirSync(${JSON.stringify(lock)}); process.exit(0); });
       console.log('locked'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  holder = child;
  cleanups.push(releaseLock);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
}

async function releaseLock(): Promise<void> {
  const child = holder;
  holder = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function spooled(): Promise<Array<Record<string, string>>> {
  const text = await readFile(path.join(spoolDir, 'heartbeats.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
}

async function detail(c: RunningCollector, slave: string): Promise<SlaveDetail> {
  const res = await getJson<{ slave: SlaveDetail }>(`${c.url}/api/v1/slaves/${slave}`);
  expect(res.status).toBe(200);
  return res.body.slave;
}

describe('corral beat', { timeout: 60_000 }, () => {
  it('spools while the collector is down and replays in order, with original times, when it is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = await beat(url, 'talos-r3-fed-001', '--master', 'bm01', '--pool', 'talos-r3-fed');
    expect(first.code).toBe(0);
    expect(first.stderr.trim().split('\n')).toHaveLength(1);
    expect(first.stderr).toMatch(/^corral: warning: .*refused the connection.*spooled/);
    const second = await beat(
      url,
      'talos-r3-fed-001',
      '--critical',
      'cannot connect to master bm01:9010 for 10m',
    );
    expect(second.code).toBe(0);
    const waiting = await spooled();
    expect(waiting.map((h) => h.kind)).toEqual(['start', 'critical']);

    const c = await collector({ args: ['--listen', `127.0.0.1:${port}`] });
    const third = await beat(url, 'talos-r3-fed-001', '--master', 'bm01', '--verbose');
    expect(third).toMatchObject({ code: 0, stderr: '' });
    expect(third.stdout).toBe(
      'corral: heartbeat for talos-r3-fed-001 delivered; 2 spooled heartbeats replayed, 0 waiting\n',
    );
    expect(await spooled()).toEqual([]);

    const slave = await detail(c, 'talos-r3-fed-001');
    const starts = slave.starts.map((s) => s.at);
    expect(starts).toHaveLength(2);
    // Newest first: the live start stamped by the collector, then the spooled one at its own time.
    expect(starts[1]).toBe(waiting[0]!.at);
    expect(Date.parse(starts[0]!)).toBeGreaterThan(Date.parse(waiting[1]!.at!));
    expect(slave.messages.map((m) => [m.at, m.message])).toContainEqual([
      waiting[1]!.at,
      'cannot connect to master bm01:9010 for 10m',
    ]);
    expect(slave).toMatchObject({ state: 'ok', pool: 'talos-r3-fed', master: 'bm01' });
  });

  it('keeps to --timeout with a collector that accepts connections but never answers', async () => {
    const { url, sockets } = await silent();
    const run = await beat(url, 'talos-r3-fed-002', '--timeout', '2s');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/did not answer in time; the heartbeat is spooled/);
    expect(sockets.length).toBeGreaterThan(0);
    // The budget counts from the process's start, Node's own start included; the collector
    // gets it less the spool's reserve (0.5 s).
    expect(run.ms).toBeGreaterThanOrEqual(1400);
    expect(run.ms).toBeLessThan(2000 + EXIT_MARGIN_MS);
    expect(await spooled()).toHaveLength(1);
  });

  it('keeps to --timeout in all with the spool lock held by a live process and a collector that never answers, and loses nothing', async () => {
    const { url } = await silent();
    const before = [
      { slave: 'talos-r3-fed-008', kind: 'start', at: daysAgo(8) },
      { slave: 'talos-r3-fed-008', kind: 'critical', message: 'spooled before', at: daysAgo(1) },
    ];
    await writeFile(
      path.join(spoolDir, 'heartbeats.jsonl'),
      before.map((l) => JSON.stringify(l) + '\n').join(''),
    );
    await holdLock();
    const budget = 2000;
    const run = await beat(url, 'talos-r3-fed-008', '--master', 'bm01', '--timeout', '2s');
    expect(run.ms).toBeLessThan(budget + EXIT_MARGIN_MS);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/did not answer in time; the heartbeat is spooled/);
    expect(run.stderr).toMatch(/spool lock .* was held by another process .*appended without it/);
    const strict = await beat(url, 'talos-r3-fed-008', '--timeout', '2s', '--strict');
    expect(strict.ms).toBeLessThan(budget + EXIT_MARGIN_MS);
    expect(strict.code).toBe(75);

    // Nothing is lost: what was spooled stays, both new heartbeats are in, and once the lock
    // is let go, a flush delivers them all with their own times.
    const waiting = await spooled();
    expect(waiting.slice(0, 2)).toEqual(before);
    expect(waiting.slice(2)).toMatchObject([
      { slave: 'talos-r3-fed-008', kind: 'start', master: 'bm01' },
      { slave: 'talos-r3-fed-008', kind: 'start' },
    ]);
    await releaseLock();
    const c = await collector();
    const flush = await beat(c.url, '--flush');
    expect(flush.code).toBe(0);
    expect(flush.stderr).toMatch(/gave up 1 spooled heartbeats .*too old to replay/);
    expect(await spooled()).toEqual([]);
    const slave = await detail(c, 'talos-r3-fed-008');
    expect(slave.starts.map((s) => s.at).sort()).toEqual([waiting[2]!.at, waiting[3]!.at].sort());
    expect(slave.messages.map((m) => [m.at, m.message])).toContainEqual([
      before[1]!.at,
      'spooled before',
    ]);
  });

  it('ends at --timeout plus the margin even when the spool itself hangs (a FIFO)', async () => {
    const { url } = await silent();
    execFileSync('mkfifo', [path.join(spoolDir, 'heartbeats.jsonl')]);
    const run = await beat(url, 'talos-r3-fed-009', '--timeout', '2s');
    // Node cannot exit while a file operation hangs on its thread pool: the beat kills itself.
    // Allow for starting the process and reaping it.
    expect(run.ms).toBeLessThan(2000 + EXIT_MARGIN_MS + 400);
    expect(run.ms).toBeGreaterThanOrEqual(2000 + EXIT_MARGIN_MS - 100);
    expect(run.stderr).toMatch(
      /the heartbeat was not delivered and the spool .* could not be written within 2\.0s \(\+0\.5s\): the heartbeat may be lost/,
    );
    expect(run.stderr).toMatch(
      /a file operation still hangs after 2\.5s; ending corral beat with SIGKILL/,
    );
  });

  it('spools on 503, and --strict makes that exit 75', async () => {
    const http = createHttpServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"the database is busy; nothing was stored, send it again"}');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(() => resolve())));
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const run = await beat(url, 'talos-r3-fed-003');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/answered 503: the database is busy/);
    const strict = await beat(url, 'talos-r3-fed-003', '--strict');
    expect(strict.code).toBe(75);
    expect(await spooled()).toHaveLength(2);
  });

  it('a refusal (bad token, wrong role) is a configuration error: exit 1, nothing spooled', async () => {
    const c = await collector({
      config: [
        'tokens:',
        '  - {name: slaves, role: heartbeat, token: "heartbeat-token-0123456789"}',
        '  - {name: wall, role: viewer, token: "viewer-token-0123456789"}',
      ].join('\n'),
    });
    const bad = await beat(c.url, 'talos-r3-fed-004', '--token', 'not-a-real-token-000000');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/refused the heartbeat \(401: .*\): check --token .*not spooled/);
    const viewer = await beat(c.url, 'talos-r3-fed-004', '--token', 'viewer-token-0123456789');
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/\(403: /);
    expect(await spooled()).toEqual([]);
    const good = await beat(c.url, 'talos-r3-fed-004', '--token', 'heartbeat-token-0123456789');
    expect(good).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a bad slave name or flag before sending anything', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    for (const args of [
      ['bad;name'],
      ['.leading-dot'],
      ['talos-1', '--master', 'bm01;reboot'],
      ['talos-1', '--critical', 'x'.repeat(2000)],
      ['talos-1', '--timeout', 'soon'],
    ]) {
      const run = await beat(url, ...args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(await spooled()).toEqual([]);
  });

  it('bounds the spool, dropping the oldest with a warning', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (let i = 0; i < 3; i++) {
      const run = await beat(url, 'talos-r3-fed-005', '--spool-max', '2', '--critical', `try ${i}`);
      expect(run.code).toBe(0);
      if (i < 2) expect(run.stderr).not.toMatch(/full/);
      else expect(run.stderr).toMatch(/the spool .* is full: dropped the 1 oldest heartbeats/);
    }
    expect((await spooled()).map((h) => h.message)).toEqual(['try 1', 'try 2']);
  });

  it("the collector's `at` bounds: replayed heartbeats too old or too far ahead are given up, the rest delivered", async () => {
    const c = await collector({ config: 'limits: {at_max_past: 1h, at_max_ahead: 5m}' });
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const lines = [
      { slave: 'talos-r3-fed-006', kind: 'start', at: at(-120) },
      { slave: 'talos-r3-fed-006', kind: 'start', at: at(-30) },
      { slave: 'talos-r3-fed-006', kind: 'start', at: at(+10) },
    ];
    await writeFile(
      path.join(spoolDir, 'heartbeats.jsonl'),
      lines.map((l) => JSON.stringify(l) + '\n').join(''),
    );
    const run = await beat(c.url, 'talos-r3-fed-006');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /gave up 2 spooled heartbeats the collector will not take \(first, at .*older than 1h/,
    );
    expect(await spooled()).toEqual([]);
    const starts = (await detail(c, 'talos-r3-fed-006')).starts.map((s) => s.at);
    expect(starts).toHaveLength(2);
    expect(starts[1]).toBe(lines[1]!.at);
  });

  it('many beats at once while the collector is down lose nothing, and are all replayed', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => beat(url, `talos-r3-fed-1${i}`, '--timeout', '10s')),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
    expect((await spooled()).map((h) => h.slave).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `talos-r3-fed-1${i}`),
    );
    const c = await collector({ args: ['--listen', `127.0.0.1:${port}`] });
    const flushes = await Promise.all([beat(url, '--flush'), beat(url, '--flush')]);
    expect(flushes.map((r) => r.code)).toEqual([0, 0]);
    expect(await spooled()).toEqual([]);
    for (let i = 0; i < 8; i++)
      expect((await detail(c, `talos-r3-fed-1${i}`)).starts).toHaveLength(1);
  });

  it('--flush sends only what is spooled', async () => {
    const c = await collector();
    const line = {
      slave: 'talos-r3-fed-007',
      kind: 'start',
      at: new Date(Date.now() - 60_000).toISOString(),
    };
    await writeFile(path.join(spoolDir, 'heartbeats.jsonl'), JSON.stringify(line) + '\n');
    const run = await beat(c.url, '--flush');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((await detail(c, 'talos-r3-fed-007')).starts.map((s) => s.at)).toEqual([line.at]);
    expect(await spooled()).toEqual([]);
    const again = await beat(c.url, '--flush', '--strict');
    expect(again.code).toBe(0);
  });
});
