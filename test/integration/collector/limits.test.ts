// The collector's bounds against a careless or hostile client, on the real collector: an upload
// the client gives up on, and heartbeats that would create slaves without end.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

describe('an aborted upload', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector({ env: { CORRAL_LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await c.stop();
    c.cleanup();
  });

  it('is a debug line, not an internal error with a stack', async () => {
    const socket = connect(c.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write(
      'POST /api/v1/heartbeats HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n[{"slave": "half-',
    );
    // The head and half the body arrive before the close: the collector is reading the body.
    socket.destroy();
    const gone = await waitFor(
      () => c.logs.find((l) => l.msg === 'client went away before its request was read'),
      10_000,
      'the debug line',
    );
    expect(gone).toMatchObject({ level: 20, method: 'POST', url: '/api/v1/heartbeats' });
    expect(c.logs.filter((l) => Number(l.level) >= 50 || 'err' in l)).toEqual([]);
  });
});

describe('limits.unlisted_slaves', () => {
  let c: RunningCollector;
  const post = (names: string[]) =>
    postJson(
      `${c.url}/api/v1/heartbeats`,
      names.map((slave) => ({ slave })),
    );
  const known = async (name: string) =>
    (await getJson(`${c.url}/api/v1/slaves/${name}`)).status === 200;
  const metric = async (line: string) =>
    (await (await fetch(`${c.url}/metrics`)).text()).split('\n').find((l) => l.startsWith(line));
  const reachedLines = () =>
    c.logs.filter((l) => String(l.msg).startsWith('limits.unlisted_slaves reached'));

  beforeAll(async () => {
    c = await startCollector({
      config: 'inventory: inventory.yaml\nlimits: {unlisted_slaves: 3}\n',
      files: { 'inventory.yaml': '- inv-1\n- inv-2\n' },
    });
  });
  afterAll(async () => {
    await c.stop();
    c.cleanup();
  });

  it('refuses a batch that would pass it, whole, with 429 naming the setting', async () => {
    expect((await post(['a', 'b', 'a'])).status).toBe(202);
    const refused = await post(['inv-1', 'c', 'd']);
    expect(refused).toEqual({
      status: 429,
      body: {
        error:
          'this collector already has 2 slaves not in its inventory and the limit is 3 (limits.unlisted_slaves in corral.yaml); this would add 2 more: add them to the inventory or raise the limit',
      },
    });
    expect(await known('c')).toBe(false);
    const inv1 = await getJson<{ slave: { state: string } }>(`${c.url}/api/v1/slaves/inv-1`);
    expect(inv1.body.slave.state).toBe('never');
    expect(reachedLines()).toHaveLength(1);
    expect(reachedLines()[0]).toMatchObject({ level: 40, unlisted: 2, limit: 3 });
  });

  it('takes heartbeats of listed and known slaves, and new ones up to the limit exactly', async () => {
    expect((await post(['inv-1', 'a', 'inv-2'])).status).toBe(202);
    // One place left, two batches racing for it: one is taken, one refused.
    const racing = await Promise.all([post(['c']), post(['d'])]);
    expect(racing.map((r) => r.status).sort()).toEqual([202, 429]);
    expect((await post(['e'])).status).toBe(429);
    expect((await post(['a', 'b'])).status).toBe(202);
    expect(await metric('corral_unlisted_slaves ')).toBe('corral_unlisted_slaves 3');
    expect(await metric('corral_requests_rejected_total{reason="unlisted_slaves"}')).toMatch(/ 3$/);
    // One line when the limit is reached, not one per refused batch.
    expect(reachedLines()).toHaveLength(1);
  });
});
