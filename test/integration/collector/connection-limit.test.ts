// Connections are bounded in all and per address, refused with a 503 that says which limit, and a
// connection that sends nothing is closed: on the real collector, with real sockets from several
// loopback addresses (127.0.0.2, .3, ... are this machine too).
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startCollector, waitFor, type RunningCollector } from '../../support/collector.js';

let c: RunningCollector;
const sockets: Socket[] = [];

beforeAll(async () => {
  c = await startCollector({
    config: 'http: {max_connections: 4, max_connections_per_address: 2, idle_timeout: 1s}\n',
  });
});
// Closed politely and waited for, so the next test starts with the collector's count back down.
afterEach(async () => {
  await Promise.all(
    sockets.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          if (s.closed) return resolve(null);
          s.once('close', resolve);
          s.end();
        }),
    ),
  );
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});

/** A connection from `from`, its answers as text, and whether the collector closed it. */
async function open(from: string) {
  const socket = connect({ port: c.port, host: '127.0.0.1', localAddress: from });
  sockets.push(socket);
  const state = { text: '', closed: false };
  socket.on('data', (d: Buffer) => (state.text += d.toString()));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return {
    socket,
    state,
    /** Sends a GET and waits for its whole answer (the connection is kept alive). */
    async get(path: string): Promise<string> {
      const before = state.text.length;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      await waitFor(() => /\r\n\r\n\{.*\}$/s.test(state.text.slice(before)) || state.closed);
      return state.text.slice(before);
    },
  };
}

describe('connection limits', () => {
  it('refuses a connection past the limit per address with 503, and serves others', async () => {
    const held = [await open('127.0.0.2'), await open('127.0.0.2')];
    for (const h of held) expect(await h.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    const third = await (await open('127.0.0.2')).get('/healthz');
    expect(third).toMatch(/^HTTP\/1\.1 503/);
    expect(third).toMatch(/retry-after: 5/i);
    expect(third).toContain(
      '{"error":"127.0.0.2 has 2 connections open to the collector, its limit per address (http.max_connections_per_address in corral.yaml): close idle ones or try again shortly"}',
    );
    expect(await (await open('127.0.0.3')).get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    // One held connection closes: its place is free again.
    held[0]!.socket.destroy();
    await waitFor(
      async () => /^HTTP\/1\.1 200/.test(await (await open('127.0.0.2')).get('/healthz')),
      10_000,
      'a connection from 127.0.0.2 to be served again',
    );
  });

  it('refuses every address past the total, on HTTP and the WebSocket upgrade', async () => {
    const held = [
      await open('127.0.0.4'),
      await open('127.0.0.4'),
      await open('127.0.0.5'),
      await open('127.0.0.5'),
    ];
    for (const h of held) expect(await h.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    const fifth = await (await open('127.0.0.6')).get('/api/v1/slaves');
    expect(fifth).toMatch(/^HTTP\/1\.1 503/);
    expect(fifth).toContain(
      '"the collector has 4 connections open, its limit (http.max_connections in corral.yaml): try again shortly"',
    );
    const ws = new WebSocket(c.wsUrl);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(503);
    held.forEach((h) => h.socket.destroy());
    const metrics = await waitFor(async () => {
      const res = await fetch(`${c.url}/metrics`).catch(() => null);
      return res?.status === 200 ? res.text() : null;
    });
    // At least the two above and the one of the first test (a retry while a close is on its way adds).
    expect(metrics).toMatch(/^corral_connections_refused_total\{limit="total"\} ([2-9]|\d\d+)$/m);
    expect(metrics).toMatch(/^corral_connections_refused_total\{limit="per_address"\} [1-9]\d*$/m);
    expect(
      c.logs.filter((l) => l.msg === 'connections refused: a connection limit is reached'),
    ).toHaveLength(1);
  });
});

describe('idle connections', () => {
  it('closes one that sends no request; a served one and a console stay', async () => {
    const console = new WebSocket(c.wsUrl);
    const hello = new Promise((resolve) => console.once('message', resolve));
    await hello;
    const served = await open('127.0.0.7');
    expect(await served.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    const idle = await open('127.0.0.8');
    await waitFor(() => idle.state.closed, 10_000, 'the idle connection to be closed');
    expect(idle.state.text).toBe('');
    // Both were open before the idle one and past its timeout: each still answers.
    expect(await served.get('/healthz')).toMatch(/^HTTP\/1\.1 200/);
    const snapshot = new Promise<string>((resolve) =>
      console.on('message', (d: Buffer) => {
        const text = d.toString();
        if (text.startsWith('{"type":"snapshot"')) resolve(text);
      }),
    );
    console.send(JSON.stringify({ type: 'resync' }));
    expect(await snapshot).toMatch(/"type":"snapshot"/);
    console.close();
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/^corral_connections_idle_closed_total [1-9]/m);
  });
});

describe('the open-file limit', () => {
  it('warns at start when http.max_connections leaves too few files for the rest', async () => {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const openFiles = Number(/^Max open files\s+\d+\s+(\d+)/m.exec(limits)![1]);
    const tight = await startCollector({ config: `http: {max_connections: ${openFiles - 100}}\n` });
    try {
      const warning = tight.logs.find((l) =>
        /^http\.max_connections leaves under/.test(String(l.msg)),
      );
      expect(warning).toMatchObject({ level: 40, maxConnections: openFiles - 100, openFiles });
      expect(c.logs.some((l) => /^http\.max_connections leaves/.test(String(l.msg)))).toBe(false);
    } finally {
      await tight.stop();
      tight.cleanup();
    }
  });
});
