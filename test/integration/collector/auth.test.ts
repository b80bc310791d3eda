// Tokens by role over real HTTP and WebSocket upgrades.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { postJson, startCollector, type RunningCollector } from '../../support/collector.js';

const TOKENS = {
  operator: 'operator-token-jdoe-0001',
  viewer: 'viewer-token-night-0002',
  heartbeat: 'heartbeat-token-slaves-03',
};
let c: RunningCollector;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  c = await startCollector({
    config: `tokens:
  - {name: jdoe, role: operator, token: "${TOKENS.operator}"}
  - {name: night, role: viewer, token: "\${NIGHT_TOKEN}"}
  - {name: slaves, role: heartbeat, token: "${TOKENS.heartbeat}"}
`,
    env: { NIGHT_TOKEN: TOKENS.viewer },
  });
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});

const upgrade = (headers: Record<string, string>) =>
  new Promise<number | 'open'>((resolve) => {
    const ws = new WebSocket(c.wsUrl, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });

describe('tokens', () => {
  it('lets the heartbeat and operator roles send heartbeats, not the viewer', async () => {
    const post = (t?: string) =>
      postJson(`${c.url}/api/v1/heartbeats`, { slave: 's1' }, t ? bearer(t) : {});
    expect((await post(TOKENS.heartbeat)).status).toBe(202);
    expect((await post(TOKENS.operator)).status).toBe(202);
    const viewer = await post(TOKENS.viewer);
    expect(viewer.status).toBe(403);
    expect(viewer.body.error).toMatch(/token "night" has role viewer/);
  });

  it('answers 401 for a missing or unknown token', async () => {
    const missing = await postJson(`${c.url}/api/v1/heartbeats`, { slave: 's1' });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/Authorization: Bearer/);
    const unknown = await postJson(
      `${c.url}/api/v1/heartbeats`,
      { slave: 's1' },
      bearer('not-a-real-token-at-all'),
    );
    expect(unknown.status).toBe(401);
  });

  it('lets viewers and operators read, not the heartbeat role', async () => {
    const get = async (t: string) =>
      (await fetch(`${c.url}/api/v1/slaves`, { headers: bearer(t) })).status;
    expect(await get(TOKENS.viewer)).toBe(200);
    expect(await get(TOKENS.operator)).toBe(200);
    expect(await get(TOKENS.heartbeat)).toBe(403);
    expect((await fetch(`${c.url}/api/v1/slaves`)).status).toBe(401);
    expect((await fetch(`${c.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
  });

  it('checks the token on the WebSocket upgrade', async () => {
    expect(await upgrade(bearer(TOKENS.viewer))).toBe('open');
    expect(await upgrade(bearer(TOKENS.heartbeat))).toBe(403);
    expect(await upgrade({})).toBe(401);
  });

  it('says who the console is in hello', async () => {
    const ws = new WebSocket(c.wsUrl, { headers: bearer(TOKENS.operator) });
    const hello = await new Promise<Record<string, unknown>>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)),
    );
    ws.close();
    expect(hello).toMatchObject({
      type: 'hello',
      protocol: 1,
      you: { name: 'jdoe', role: 'operator' },
    });
  });
});

describe('without tokens', () => {
  it('serves loopback and says so at start', async () => {
    const open = await startCollector();
    try {
      expect((await postJson(`${open.url}/api/v1/heartbeats`, { slave: 's1' })).status).toBe(202);
      expect(
        open.logs.some((l) =>
          /no tokens configured: serving loopback clients only/.test(String(l.msg)),
        ),
      ).toBe(true);
    } finally {
      await open.stop();
      open.cleanup();
    }
  });

  // This machine's own non-loopback address: the traffic never leaves the host.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(external === undefined)('refuses clients that are not on loopback', async () => {
    const open = await startCollector({ args: ['--listen', '0.0.0.0:0'] });
    try {
      const url = `http://${external}:${open.port}/api/v1/heartbeats`;
      const res = await postJson(url, { slave: 's1' });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatch(/serves loopback clients only/);
      expect(
        open.logs.some((l) => /refusing every client that is not on loopback/.test(String(l.msg))),
      ).toBe(true);
    } finally {
      await open.stop();
      open.cleanup();
    }
  });
});
