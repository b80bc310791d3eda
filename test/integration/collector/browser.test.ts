// A web page in a browser on the collector's machine must not be able to act: the Origin, Host and
// Content-Type rules (docs/security.md), over real HTTP and WebSocket upgrades, as a browser sends them.
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { getJson, startCollector, type RunningCollector } from '../../support/collector.js';
import { rawRequest } from '../../support/raw-http.js';

const REBOOT = `reboot:
  methods:
    - {name: noop, argv: [/bin/true], timeout: 5s, wait: 10m}
    - {name: hands, hands: true, argv: []}
`;
const TOKEN = 'operator-token-jdoe-0001';

/** The upgrade's answer: 'open', or the HTTP status it was refused with. */
function upgrade(url: string, options: WebSocket.ClientOptions): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}

describe('without tokens (the default of corral and the demo)', () => {
  let c: RunningCollector;
  const url = (p: string) => `${c.url}${p}`;
  const audit = async () =>
    (await getJson<{ actions: unknown[] }>(url('/api/v1/actions'))).body.actions;

  beforeAll(async () => {
    c = await startCollector({ config: REBOOT });
    const res = await rawRequest(url('/api/v1/heartbeats'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"slave": "s1"}',
    });
    expect(res.status).toBe(202);
  });
  afterAll(async () => {
    await c.stop();
    c.cleanup();
  });

  it("refuses a cross-site page's reboot (text/plain, Origin: https://evil.example)", async () => {
    const res = await rawRequest(url('/api/v1/actions'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: '{"kind": "reboot", "targets": ["s1"]}',
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(
      /^requests from web pages are refused \(Origin: https:\/\/evil\.example\)/,
    );
    expect(await audit()).toEqual([]);
  });

  it('refuses an Origin of another port on the same machine, and "null"', async () => {
    for (const origin of ['http://127.0.0.1:1', 'http://localhost:3000', 'null']) {
      const res = await rawRequest(url('/api/v1/slaves/s2/heartbeat'), {
        method: 'POST',
        headers: { origin },
      });
      expect(res.status, origin).toBe(403);
    }
    expect((await rawRequest(url('/api/v1/slaves/s2'))).status).toBe(404);
  });

  it('refuses a JSON body not labelled application/json, even without an Origin', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await rawRequest(url('/api/v1/actions'), {
        method: 'POST',
        headers: type === undefined ? {} : { 'content-type': type },
        body: '{"kind": "reboot", "targets": ["s1"]}',
      });
      expect(res.status, String(type)).toBe(415);
      expect(res.body.error).toMatch(/send it with "Content-Type: application\/json"/);
    }
    const heartbeat = await rawRequest(url('/api/v1/heartbeats'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: '{"slave": "s3"}',
    });
    expect(heartbeat.status).toBe(415);
    expect((await rawRequest(url('/api/v1/slaves/s3'))).status).toBe(404);
    expect(await audit()).toEqual([]);
  });

  it('takes an empty heartbeat whatever its label (curl -X POST, wget --post-data=)', async () => {
    const wgetLike = await rawRequest(url('/api/v1/slaves/s4/heartbeat'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' },
    });
    expect(wgetLike.status).toBe(202);
    const json = await rawRequest(url('/api/v1/slaves/s4/heartbeat'), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"kind": "critical", "message": "cannot reach bm01"}',
    });
    expect(json.status).toBe(202);
  });

  it("takes README's one-line hooks, real curl and real wget", async () => {
    const hook = url('/api/v1/slaves/s7/heartbeat');
    await promisify(execFile)('curl', ['-fsS', '-m', '5', '-X', 'POST', hook]);
    await promisify(execFile)('wget', [
      '-q',
      '-T',
      '5',
      '-t',
      '1',
      '-O',
      '/dev/null',
      '--post-data=',
      hook,
    ]);
    const s7 = await getJson<{ slave: { starts: unknown[] } }>(url('/api/v1/slaves/s7'));
    expect(s7.body.slave.starts).toHaveLength(2);
  });

  it('refuses a Host that is not this collector (DNS rebinding), reads and writes alike', async () => {
    const rebound = { host: `attacker.example:${c.port}` };
    const read = await rawRequest(url('/api/v1/slaves'), { headers: rebound });
    expect(read.status).toBe(421);
    expect(read.body.error).toBe(
      `this collector is not "attacker.example:${c.port}": reach it by a loopback address, its listen address or a name in http.allowed_hosts of corral.yaml`,
    );
    const write = await rawRequest(url('/api/v1/slaves/s5/heartbeat'), {
      method: 'POST',
      headers: rebound,
    });
    expect(write.status).toBe(421);
    expect((await rawRequest(url('/api/v1/slaves/s5'))).status).toBe(404);
  });

  it('serves loopback names, addresses, this machine and its own origin', async () => {
    for (const host of [
      `localhost:${c.port}`,
      `LOCALHOST.:${c.port}`,
      `127.0.0.1:${c.port}`,
      `[::1]:${c.port}`,
      `${hostname()}:${c.port}`,
    ]) {
      expect((await rawRequest(url('/api/v1/slaves'), { headers: { host } })).status, host).toBe(
        200,
      );
    }
    const sameOrigin = await rawRequest(url('/api/v1/slaves/s6/heartbeat'), {
      method: 'POST',
      headers: { origin: `http://localhost:${c.port}`, host: `localhost:${c.port}` },
    });
    expect(sameOrigin.status).toBe(202);
  });

  it('checks Origin and Host on the WebSocket upgrade; the console (no Origin) connects', async () => {
    expect(await upgrade(c.wsUrl, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade(c.wsUrl, { headers: { host: `attacker.example:${c.port}` } })).toBe(421);
    expect(await upgrade(c.wsUrl, {})).toBe('open');
  });
});

describe('with tokens', () => {
  it('checks the Host only against http.allowed_hosts when it is set; Origin always', async () => {
    const tokens = `tokens: [{name: jdoe, role: operator, token: "${TOKEN}"}]\n`;
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const open = await startCollector({ config: tokens });
    const listed = await startCollector({
      config: `${tokens}http: {allowed_hosts: [corral.example.org]}\n`,
    });
    try {
      const get = (c: RunningCollector, headers: Record<string, string>) =>
        rawRequest(`${c.url}/api/v1/slaves`, { headers: { ...bearer, ...headers } });
      // A token is what a page cannot have: any name the farm uses works without a list.
      expect((await get(open, { host: `corral.farm:${open.port}` })).status).toBe(200);
      expect((await get(open, { origin: 'https://evil.example' })).status).toBe(403);
      expect((await get(listed, { host: `corral.example.org:${listed.port}` })).status).toBe(200);
      expect((await get(listed, { host: `CORRAL.example.org` })).status).toBe(200);
      expect((await get(listed, { host: `corral.farm:${listed.port}` })).status).toBe(421);
      expect((await get(listed, { host: `127.0.0.1:${listed.port}` })).status).toBe(200);
    } finally {
      await Promise.all([open.stop(), listed.stop()]);
      open.cleanup();
      listed.cleanup();
    }
  });
});
