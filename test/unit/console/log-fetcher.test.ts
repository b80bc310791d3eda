// The action log fetcher against a stand-in HTTP server (named as such): it answers
// GET /api/v1/actions as the collector does; the real one is used in test/e2e/console-actions.test.ts.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLogFetcher } from '../../../src/console/log-fetcher.js';
import { createConsoleStore } from '../../../src/console/store.js';
import { T0, actionView, hello, snapshot, view } from './fixtures.js';

let server: Server | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

async function standIn(answer: (req: IncomingMessage) => { status: number; body: unknown }) {
  const requests: IncomingMessage[] = [];
  server = createServer((req, res) => {
    requests.push(req);
    const { status, body } = answer(req);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { http: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function fedStore() {
  const store = createConsoleStore('ws://test', T0);
  store.getState().applyMessages([hello(), snapshot(1, [view('a')])], T0);
  return store;
}

describe('action log fetcher', () => {
  it('fetches the audit log once each time the pane opens, with the token, merged with what was streamed', async () => {
    const { http, requests } = await standIn(() => ({
      status: 200,
      body: { actions: [actionView({ id: 3 }), actionView({ id: 1 })] },
    }));
    const store = fedStore();
    store.getState().setLog({ status: 'idle', actions: [actionView({ id: 5 })] });
    stop = startLogFetcher({ store, http, token: 'tok' });
    // A fetch starts by saying it is loading: none may while the pane is closed.
    let fetchedClosed = false;
    const unsubscribe = store.subscribe((s) => {
      fetchedClosed ||= s.mode !== 'log' && s.logStatus === 'loading';
    });
    store.getState().setMode('table');
    expect(fetchedClosed).toBe(false);
    store.getState().setMode('log');
    await until(() => store.getState().logStatus === 'ready', 'the log');
    expect(store.getState().log.map((a) => a.id)).toEqual([5, 3, 1]);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('/api/v1/actions?limit=50');
    expect(requests[0]!.headers.authorization).toBe('Bearer tok');
    store.getState().moveLogCursor(1);
    store.getState().setMode('table');
    store.getState().setMode('log');
    await until(
      () => requests.length === 2 && store.getState().logStatus === 'ready',
      'the second fetch',
    );
    unsubscribe();
    expect(fetchedClosed).toBe(false);
    expect(requests).toHaveLength(2);
  });

  it('says why when the collector cannot answer', async () => {
    const { http } = await standIn(() => ({ status: 503, body: { error: 'down' } }));
    const store = fedStore();
    stop = startLogFetcher({ store, http });
    store.getState().setMode('log');
    await until(() => store.getState().logStatus === 'error', 'the error');
    expect(store.getState().logError).toBe('the collector answered 503');
  });
});
