// A collector not wired to Nagios: actions are refused with what to configure, the audit log is
// empty and its query is checked; nothing needs Nagios here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  getJson,
  postJson,
  startCollector,
  type RunningCollector,
} from '../../support/collector.js';
import { StreamClient } from '../../support/stream-client.js';

describe('a collector without nagios.command_file', () => {
  let collector: RunningCollector;

  beforeAll(async () => {
    collector = await startCollector();
    await postJson(`${collector.url}/api/v1/heartbeats`, { slave: 's1' });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
  });

  test('refuses an action with 503, saying what to set', async () => {
    const res = await postJson(`${collector.url}/api/v1/actions`, {
      kind: 'recheck',
      targets: ['s1'],
    });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe(
      'this collector is not wired to Nagios or Icinga 2: set nagios.command_file (or icinga2:) in corral.yaml',
    );
  });

  test('without reboot methods, refuses a reboot with 503, saying what to set', async () => {
    const res = await postJson(`${collector.url}/api/v1/actions`, {
      kind: 'reboot',
      targets: ['s1'],
    });
    expect(res).toEqual({
      status: 503,
      body: {
        error:
          'no reboot methods are configured: add reboot.methods to corral.yaml (see corral.sample.yaml)',
        field: 'kind',
      },
    });
  });

  test('tells consoles in the hello that it is not wired to Nagios and has no reboot methods', async () => {
    const client = new StreamClient(collector.wsUrl);
    try {
      // `actions` is `nagios` under its older name, for older consoles.
      expect(await client.next('hello')).toMatchObject({
        nagios: false,
        actions: false,
        reboot: null,
      });
    } finally {
      client.close();
    }
  });

  test('lists no actions, checks limit, and 404s an unknown action', async () => {
    const list = await getJson<{ actions: unknown[] }>(`${collector.url}/api/v1/actions`);
    expect(list).toMatchObject({ status: 200, body: { actions: [] } });
    const bad = await getJson(`${collector.url}/api/v1/actions?limit=0`);
    expect(bad).toMatchObject({ status: 400, body: { field: 'limit' } });
    const missing = await getJson(`${collector.url}/api/v1/actions/99`);
    expect(missing.status).toBe(404);
  });

  test('a malformed body is a 400, not a crash', async () => {
    const res = await postJson(`${collector.url}/api/v1/actions`, '{"kind": ');
    expect(res.status).toBe(400);
  });
});
