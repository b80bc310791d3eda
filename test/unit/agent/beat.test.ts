// beat() against throwaway real HTTP and TCP servers: replay order, refusals, the time budget.
import { mkdir, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { beat, itemIndex, warningsOf } from '../../../src/agent/beat.js';
import { Spool } from '../../../src/agent/spool.js';
import { neverAnswers, type SilentServer } from '../../support/never-answers.js';

type Handler = (batch: Array<Record<string, unknown>>) => { status: number; body: unknown };

let dir: string;
let spool: Spool;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'corral-beat-'));
  spool = new Spool(dir);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await rm(dir, { recursive: true, force: true });
});

/** A real HTTP server that records every batch and answers as the handler says. */
async function server(handler: Handler) {
  const batches: Array<Array<Record<string, unknown>>> = [];
  const headers: IncomingMessage['headers'][] = [];
  const srv: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const batch = JSON.parse(body) as Array<Record<string, unknown>>;
      batches.push(batch);
      headers.push(req.headers);
      const answer = handler(batch);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => srv.close(() => resolve())));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, batches, headers };
}

async function closedPort(): Promise<number> {
  const tcp = createTcpServer();
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as { port: number }).port;
  await new Promise((resolve) => tcp.close(resolve));
  return port;
}

/** A loaded machine's timers run late; the beat itself ends by its deadline. */
const SLACK_MS = 200;

/** A server that never answers, closed after the test. */
async function silent(): Promise<SilentServer> {
  const server = await neverAnswers();
  closers.push(server.close);
  return server;
}

const accept: Handler = (batch) => ({ status: 202, body: { accepted: batch.length } });
const hb = { slave: 'talos-r3-fed-001', kind: 'start' as const, master: 'bm01' };
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('beat', () => {
  it('delivers a start without `at` (the collector stamps it) and with the token', async () => {
    const s = await server(accept);
    const r = await beat({
      target: { url: s.url, token: 'secret-token-123456' },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({
      heartbeat: 'delivered',
      waiting: 0,
      retryReason: null,
      refusal: null,
    });
    expect(s.batches).toEqual([[hb]]);
    expect(s.headers[0]!.authorization).toBe('Bearer secret-token-123456');
    expect(warningsOf(r)).toEqual([]);
  });

  it('spools on 5xx, then replays in order with the original times before the new one', async () => {
    let down = true;
    const s = await server((b) =>
      down ? { status: 503, body: { error: 'database is locked' } } : accept(b),
    );
    const first = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(first).toMatchObject({ heartbeat: 'spooled', waiting: 1 });
    expect(warningsOf(first)[0]).toMatch(
      /answered 503: database is locked; the heartbeat is spooled/,
    );
    const second = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: { ...hb, kind: 'critical', message: 'x' },
      timeoutMs: 5000,
    });
    expect(second.heartbeat).toBe('spooled');
    down = false;
    const third = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(third).toMatchObject({ heartbeat: 'delivered', replayed: 2, waiting: 0 });
    const replay = s.batches.at(-1)!;
    expect(replay.map((h) => h.kind)).toEqual(['start', 'critical', 'start']);
    expect(Date.parse(replay[0]!.at as string)).toBeLessThanOrEqual(
      Date.parse(replay[1]!.at as string),
    );
    expect(replay[2]!.at).toBeUndefined();
  });

  it('gives up a spooled heartbeat the collector refuses (400 [i].at) instead of wedging', async () => {
    await spool.append({ ...hb, at: minutesAgo(30) });
    await spool.append({ ...hb, at: minutesAgo(20) });
    await spool.append({ ...hb, at: minutesAgo(10) });
    const refusedAt = (await spool.read()).entries[1]!.heartbeat.at;
    const s = await server((batch) => {
      const i = batch.findIndex((h) => h.at === refusedAt);
      return i >= 0
        ? { status: 400, body: { error: 'at is too old', field: `[${i}].at` } }
        : accept(batch);
    });
    const r = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ heartbeat: 'delivered', replayed: 2, waiting: 0, refusal: null });
    expect(r.givenUp).toEqual([{ at: refusedAt, error: 'at is too old' }]);
    expect(s.batches).toHaveLength(2);
    expect(s.batches[1]).toHaveLength(3);
    expect(warningsOf(r)).toEqual([
      expect.stringMatching(/gave up 1 spooled heartbeats .*at is too old/),
    ]);
  });

  it('gives up spooled heartbeats older than the replay window without sending them', async () => {
    await spool.append({ ...hb, at: new Date(Date.now() - 8 * 86_400_000).toISOString() });
    const s = await server(accept);
    const r = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ heartbeat: 'delivered', replayed: 0, waiting: 0 });
    expect(r.givenUp).toHaveLength(1);
    expect(s.batches).toEqual([[hb]]);
  });

  it('a refused new heartbeat is not spooled, and the spooled ones still go', async () => {
    await spool.append({ ...hb, at: minutesAgo(5) });
    const s = await server((batch) => {
      const i = batch.findIndex((h) => h.at === undefined);
      return i >= 0
        ? { status: 400, body: { error: 'unknown pool', field: `[${i}].pool` } }
        : accept(batch);
    });
    const r = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({
      heartbeat: 'refused',
      replayed: 1,
      waiting: 0,
      refusal: { status: 400, error: 'unknown pool' },
    });
  });

  it('a bad token (401) refuses everything: nothing new spooled, the spool kept', async () => {
    await spool.append({ ...hb, at: minutesAgo(5) });
    const s = await server(() => ({ status: 401, body: { error: 'unknown token' } }));
    const r = await beat({
      target: { url: s.url, token: 'wrong' },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ heartbeat: 'refused', waiting: 1, refusal: { status: 401 } });
    expect(s.batches).toHaveLength(1);
  });

  it('sends a big spool in chunks, in order', async () => {
    const base = Date.now() - 3600_000;
    const lines = Array.from({ length: 1100 }, (_, i) =>
      JSON.stringify({ ...hb, at: new Date(base + i * 1000).toISOString() }),
    );
    const { writeFile } = await import('node:fs/promises');
    await writeFile(spool.file, lines.join('\n') + '\n');
    const s = await server(accept);
    const r = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 10_000,
    });
    expect(r).toMatchObject({ heartbeat: 'delivered', replayed: 1100, waiting: 0 });
    expect(s.batches.map((b) => b.length)).toEqual([500, 500, 101]);
    const ats = s.batches
      .flat()
      .map((h) => h.at)
      .filter(Boolean) as string[];
    expect(ats).toEqual([...ats].sort());
  });

  it("halves the batch when it is over the collector's limits, keeping the order", async () => {
    for (let i = 0; i < 5; i++) await spool.append({ ...hb, at: minutesAgo(10 - i) });
    const s = await server((batch) =>
      batch.length > 2
        ? {
            status: 400,
            body: { error: 'a batch has at most 2 heartbeats (got 6): split it', field: '' },
          }
        : accept(batch),
    );
    const r = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ heartbeat: 'delivered', replayed: 5, waiting: 0, refusal: null });
    expect(s.batches.map((b) => b.length)).toEqual([6, 3, 2, 2, 2]);
  });

  it('a heartbeat that cannot be spooled either is reported lost, not thrown', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'not-a-dir'), '');
    const blocked = new Spool(path.join(dir, 'not-a-dir', 'spool'));
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await beat({
      target: { url, token: undefined },
      spool: blocked,
      heartbeat: hb,
      timeoutMs: 2000,
    });
    expect(r.heartbeat).toBe('lost');
    expect(warningsOf(r).join('\n')).toMatch(
      /cannot write the spool .*\n.*could not be spooled: it is lost/,
    );
  });

  it('keeps to its time budget with a server that accepts and never answers', async () => {
    const { url, sockets } = await silent();
    const started = Date.now();
    const r = await beat({
      target: { url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 1000,
    });
    const elapsed = Date.now() - started;
    expect(r).toMatchObject({ heartbeat: 'spooled', waiting: 1, lockHeld: false });
    expect(r.retryReason).toMatch(/did not answer in time/);
    // The collector gets the budget less the spool's reserve (a quarter of 1 s here).
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1000 + SLACK_MS);
    expect(sockets.length).toBeGreaterThan(0);
  });

  it('keeps to its budget in all when the spool lock is held too, and loses nothing', async () => {
    const { url } = await silent();
    await spool.append({ ...hb, at: new Date(Date.now() - 8 * 86_400_000).toISOString() });
    await spool.append({ ...hb, kind: 'critical', message: 'spooled before', at: minutesAgo(5) });
    const before = (await readFile(spool.file, 'utf8')).split('\n').filter(Boolean);
    // This process holds the lock, and stays alive: the lock is not stale.
    await mkdir(spool.lockDir);
    const started = performance.now();
    const r = await beat({
      target: { url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 1000,
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000 + SLACK_MS);
    expect(r).toMatchObject({ heartbeat: 'spooled', lockHeld: true, waiting: 3 });
    // The lines it could not remove stay (the too old one is given up again next time), and the
    // new heartbeat was appended without the lock.
    const after = (await readFile(spool.file, 'utf8')).split('\n').filter(Boolean);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after).toHaveLength(3);
    expect(JSON.parse(after[2]!)).toMatchObject({ ...hb, at: expect.any(String) });
    expect(warningsOf(r)).toContainEqual(
      expect.stringMatching(/spool lock .*heartbeats\.lock was held .*appended without it/),
    );
  });

  it('a held lock costs a delivered beat a second at most: replayed lines stay, to be sent again', async () => {
    await spool.append({ ...hb, at: minutesAgo(5) });
    const s = await server(accept);
    await mkdir(spool.lockDir);
    const started = performance.now();
    const r = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 5000,
    });
    expect(performance.now() - started).toBeLessThan(1000 + SLACK_MS);
    expect(r).toMatchObject({ heartbeat: 'delivered', replayed: 1, lockHeld: true, waiting: 1 });
    expect(warningsOf(r)).toEqual([
      expect.stringMatching(/held .*: the lines sent or given up stay in the spool/),
    ]);
    await rmdir(spool.lockDir);
    const again = await beat({
      target: { url: s.url, token: undefined },
      spool,
      heartbeat: null,
      timeoutMs: 1000,
    });
    expect(again).toMatchObject({ replayed: 1, waiting: 0, lockHeld: false });
  });

  it('spools when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await beat({
      target: { url, token: undefined },
      spool,
      heartbeat: hb,
      timeoutMs: 2000,
    });
    expect(r.heartbeat).toBe('spooled');
    expect(r.retryReason).toMatch(/refused the connection/);
  });
});

describe('itemIndex', () => {
  it('reads the batch index of a field', () => {
    expect(itemIndex('[3].at')).toBe(3);
    expect(itemIndex('[12]')).toBe(12);
    expect(itemIndex('at')).toBeNull();
    expect(itemIndex(null)).toBeNull();
  });
});
