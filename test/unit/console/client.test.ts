// The ws client against a stand-in WebSocket server (named as such): it produces what the real
// collector never does on demand, a sequence gap and a burst of deltas. The real collector is
// exercised end to end in test/e2e/console.test.ts.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { backoffDelay, connectClient, type Client } from '../../../src/console/client.js';
import { createConsoleStore } from '../../../src/console/store.js';
import { T0, delta, hello, snapshot, view } from './fixtures.js';

let server: WebSocketServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  if (server) {
    for (const ws of server.clients) ws.terminate();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
});

async function standInCollector(): Promise<{ url: string; next: () => Promise<WebSocket> }> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const s = server;
  return {
    url: `ws://127.0.0.1:${port}/api/v1/stream`,
    next: async () => ((await once(s, 'connection')) as [WebSocket])[0],
  };
}

const send = (ws: WebSocket, msg: unknown) => ws.send(JSON.stringify(msg));
async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A client that has had the hello and a snapshot of one slave (seq 1) from a stand-in. */
async function connectedAtSnapshot() {
  const c = await standInCollector();
  const store = createConsoleStore('ws://test');
  client = connectClient({ store, url: c.url, batchMs: 20 });
  const ws = await c.next();
  send(ws, hello());
  send(ws, snapshot(1, [view('a')]));
  await until(() => store.getState().seq === 1, 'the snapshot');
  return { store, ws };
}

describe('console client', () => {
  it('sends the token, and applies a burst of deltas in a few store updates', async () => {
    const c = await standInCollector();
    const store = createConsoleStore('ws://test');
    const headers = once(server!, 'connection').then(
      ([, req]) => (req as { headers: Record<string, string> }).headers,
    );
    client = connectClient({ store, url: c.url, token: 'tok-123', batchMs: 100 });
    const ws = await c.next();
    expect((await headers).authorization).toBe('Bearer tok-123');
    send(ws, hello());
    send(ws, snapshot(1, [view('a')]));
    await client.ready;
    await until(() => store.getState().seq === 1, 'the snapshot');
    let updates = 0;
    const unsubscribe = store.subscribe(() => updates++);
    for (let i = 0; i < 500; i++) send(ws, delta(2 + i, [view(`s-${i}`)]));
    await until(() => store.getState().seq === 501, 'the burst');
    unsubscribe();
    expect(store.getState().slaves.size).toBe(501);
    // 500 messages sent at once arrive within a batch or a few, not one update each.
    expect(updates).toBeLessThanOrEqual(5);
  });

  it('gives the store a sender: requests go over the open socket, and nothing is sent once closed', async () => {
    const c = await standInCollector();
    const store = createConsoleStore('ws://test');
    client = connectClient({ store, url: c.url, batchMs: 20 });
    const ws = await c.next();
    const received: unknown[] = [];
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString())));
    send(ws, hello());
    await client.ready;
    const request = {
      type: 'action' as const,
      requestId: 'r-1',
      kind: 'recheck' as const,
      targets: ['a'],
    };
    expect(store.getState().send(request)).toBe(true);
    await until(() => received.length === 1, 'the request');
    expect(received[0]).toEqual(request);
    client.close();
    expect(store.getState().send(request)).toBe(false);
  });

  it('asks for a resync on a sequence gap', async () => {
    const { store, ws } = await connectedAtSnapshot();
    const requests: unknown[] = [];
    ws.on('message', (data: Buffer) => requests.push(JSON.parse(data.toString())));
    send(ws, delta(3, [view('gap')]));
    await until(() => requests.length === 1, 'the resync request');
    expect(requests[0]).toEqual({ type: 'resync' });
    // More deltas before the snapshot: dropped (never in the store), and no second request.
    let applied = false;
    const unsubscribe = store.subscribe((s) => {
      applied ||= ['gap', 'gap-2', 'gap-3'].some((name) => s.slaves.has(name));
    });
    // Each waited for, so each comes in a batch of its own: its server time moves the clock.
    const offset = store.getState().offsetMs;
    const DAY = 86_400_000;
    send(ws, delta(4, [view('gap-2')], [], T0 + DAY));
    await until(() => store.getState().offsetMs > offset + DAY / 2, 'the delta after the gap');
    send(ws, delta(5, [view('gap-3')], [], T0 + 2 * DAY));
    await until(() => store.getState().offsetMs > offset + 1.5 * DAY, 'the next delta');
    send(ws, snapshot(7, [view('a'), view('b')]));
    await until(() => store.getState().seq === 7, 'the fresh snapshot');
    unsubscribe();
    expect(applied).toBe(false);
    // A later gap asks again: the socket keeps order, so a second request for the first gap
    // would have come before this one.
    send(ws, delta(9, [view('c')]));
    await until(() => requests.length >= 2, 'the resync request for the later gap');
    expect(requests).toEqual([{ type: 'resync' }, { type: 'resync' }]);
  });

  it('skips frames it cannot read, says so once with the first, and keeps applying the feed', async () => {
    const { store, ws } = await connectedAtSnapshot();
    expect(store.getState().serverError).toBeNull();
    ws.send('{"type": "delta", "seq": 2');
    for (const bad of [null, 42, 'delta', [], { seq: 2 }]) send(ws, bad);
    send(ws, delta(2, [view('b')]));
    await until(() => store.getState().seq === 2, 'the delta after them');
    expect(store.getState().slaves.has('b')).toBe(true);
    expect(store.getState().serverError).toBe(
      'sent a frame this console cannot read, skipped ("{\\"type\\": \\"delta\\", \\"seq\\": 2"): run the same corral version on both sides, and check that nothing between them alters the stream',
    );
  });

  it('reconnects after the collector drops it, and resyncs from the new snapshot', async () => {
    const c = await standInCollector();
    const store = createConsoleStore('ws://test');
    client = connectClient({ store, url: c.url, batchMs: 20, backoffMinMs: 50, backoffMaxMs: 200 });
    let ws = await c.next();
    send(ws, hello());
    send(ws, snapshot(1, [view('a'), view('b')]));
    await until(() => store.getState().seq === 1, 'the snapshot');
    store.getState().moveTo(0);
    store.getState().toggleMark();
    const reconnected = c.next();
    ws.terminate();
    await until(() => store.getState().connection.status === 'disconnected', 'the disconnect');
    expect(store.getState().connection.retryAt).not.toBeNull();
    ws = await reconnected;
    send(ws, hello());
    send(ws, snapshot(1, [view('a'), view('b'), view('c')]));
    await until(() => store.getState().slaves.size === 3, 'the resync');
    expect(store.getState().connection.status).toBe('connected');
    expect(store.getState().marks.size).toBe(1);
  });

  it('drops a connection that has gone silent and reconnects', async () => {
    const c = await standInCollector();
    const store = createConsoleStore('ws://test');
    client = connectClient({ store, url: c.url, batchMs: 20, silenceMs: 600, backoffMinMs: 50 });
    const ws = await c.next();
    send(ws, hello());
    send(ws, snapshot(1, [view('a')]));
    await until(() => store.getState().seq === 1, 'the snapshot');
    // The stand-in neither pings nor sends: a half-open connection.
    const again = c.next();
    await until(
      () => store.getState().connection.status === 'disconnected',
      'the silence detected',
    );
    expect(store.getState().connection.error).toMatch(/no word from the collector/);
    await again;
  });

  it('gives up on a server that accepts the socket but never says hello', async () => {
    const c = await standInCollector();
    client = connectClient({
      store: createConsoleStore('ws://test'),
      url: c.url,
      helloTimeoutMs: 300,
    });
    await c.next();
    await expect(client.ready).rejects.toThrow(
      /^no hello from ws:.* in 0.3s: is this a corral collector\?$/,
    );
  });

  it('refuses a collector that speaks another protocol version', async () => {
    const c = await standInCollector();
    client = connectClient({ store: createConsoleStore('ws://test'), url: c.url });
    send(await c.next(), { ...hello(), protocol: 2 });
    await expect(client.ready).rejects.toThrow(/speaks protocol 2, this console 1/);
  });

  it('fails in one line when the first connection is refused', async () => {
    const c = await standInCollector();
    await new Promise((r) => server!.close(r));
    server = undefined;
    client = connectClient({ store: createConsoleStore('ws://test'), url: c.url });
    await expect(client.ready).rejects.toThrow(
      /^cannot reach the collector at ws:.*: connection refused \(is it running\?\)$/,
    );
  });

  it('backs off exponentially with jitter, up to a ceiling', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, () => 0)).toBe(15_000);
  });
});
