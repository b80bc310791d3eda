// simulate() over real HTTP (to a stand-in collector that accepts everything) for many ticks: its
// abort signal does not gather a listener per tick (the demo runs for hours; before, 4 listeners a
// second piled up and Node warned on the console's terminal).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { simulate } from '../../../src/simulator/simulate.js';

let server: Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('after a dozen ticks the signal holds at most the current tick’s listener', async () => {
  const stop = new AbortController();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  // Fast enough that beats fall due on most 250 ms ticks: each request is a tick that went by.
  const run = simulate({
    url,
    slaves: 200,
    speed: 5000,
    seed: 1,
    signal: stop.signal,
    say: () => {},
  });
  try {
    const deadline = Date.now() + 20_000;
    while (requests < 14 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(requests).toBeGreaterThanOrEqual(14);
    expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(1);
    expect(warnings.filter((w) => w.includes('abort listeners'))).toEqual([]);
  } finally {
    stop.abort();
    await run;
    process.off('warning', onWarning);
  }
});
