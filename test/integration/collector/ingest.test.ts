// Heartbeat ingest over real HTTP into a real collector and its store (SQLite file or PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getJson,
  postJson,
  queryStore,
  startCollector,
  type RunningCollector,
} from '../../support/collector.js';

let c: RunningCollector;
const api = (p: string) => `${c.url}/api/v1${p}`;
const storedCount = async () =>
  (await queryStore<{ n: number }>(c, 'SELECT count(*) AS n FROM heartbeats'))[0]!.n;

beforeAll(async () => {
  c = await startCollector({ config: 'limits: {body_bytes: 4096, batch: 10}\n' });
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});

describe('POST /api/v1/heartbeats', () => {
  it('stores one heartbeat and answers 202 with the count', async () => {
    const res = await postJson(api('/heartbeats'), {
      slave: 'talos-r3-fed-001',
      master: 'bm01',
      pool: 'talos-r3-fed',
    });
    expect(res).toEqual({ status: 202, body: { accepted: 1 } });
    const { body } = await getJson<{ slave: Record<string, unknown> }>(
      api('/slaves/talos-r3-fed-001'),
    );
    expect(body.slave).toMatchObject({
      name: 'talos-r3-fed-001',
      state: 'ok',
      master: 'bm01',
      pool: 'talos-r3-fed',
    });
    expect(body.slave.ageSeconds).toBeLessThan(5);
  });

  it('stores a batch in one go', async () => {
    const batch = ['w764-ix-001', 'w764-ix-002', 'w764-ix-003'].map((slave) => ({
      slave,
      pool: 'w764-ix',
    }));
    expect(await postJson(api('/heartbeats'), batch)).toEqual({
      status: 202,
      body: { accepted: 3 },
    });
    const { body } = await getJson<{ slaves: Array<{ name: string }> }>(api('/slaves'));
    expect(body.slaves.map((s) => s.name)).toEqual(
      expect.arrayContaining(['w764-ix-001', 'w764-ix-003']),
    );
  });

  it('takes the curl one-liner: POST /slaves/{slave}/heartbeat with no body', async () => {
    const res = await fetch(api('/slaves/bld-linux64-ec2-042/heartbeat'), { method: 'POST' });
    expect(res.status).toBe(202);
    const critical = await postJson(api('/slaves/bld-linux64-ec2-042/heartbeat'), {
      kind: 'critical',
      message: 'cannot connect to master bm01:9010 for 10m',
    });
    expect(critical.status).toBe(202);
    const { body } = await getJson<{ slave: { state: string; lastCritical: { message: string } } }>(
      api('/slaves/bld-linux64-ec2-042'),
    );
    expect(body.slave.state).toBe('critical');
    expect(body.slave.lastCritical.message).toBe('cannot connect to master bm01:9010 for 10m');
  });

  it('keeps the history of starts with their intervals, and the messages', async () => {
    const t = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
    await postJson(api('/heartbeats'), [
      { slave: 'hist-1', at: t(5) },
      { slave: 'hist-1', at: t(3) },
      { slave: 'hist-1', at: t(1), message: 'rebooted by puppet' },
    ]);
    const { body } = await getJson<{
      slave: {
        starts: Array<{ intervalSeconds: number | null }>;
        messages: Array<{ message: string }>;
      };
    }>(api('/slaves/hist-1'));
    expect(body.slave.starts.map((s) => s.intervalSeconds)).toEqual([7200, 7200, null]);
    expect(body.slave.messages[0]?.message).toBe('rebooted by puppet');
  });

  it('lists slaves worst first and filters by state', async () => {
    const old = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
    await postJson(api('/heartbeats'), [
      { slave: 'late-1', at: old(6.5) },
      { slave: 'dead-1', at: old(9) },
      { slave: 'dead-2', at: old(8) },
    ]);
    const all = await getJson<{ slaves: Array<{ name: string; state: string }> }>(api('/slaves'));
    expect(all.body.slaves.slice(0, 5).map((s) => s.name)).toEqual([
      'bld-linux64-ec2-042',
      'dead-1',
      'dead-2',
      'late-1',
      // then ok slaves, oldest start first: hist-1 started 1h ago
      'hist-1',
    ]);
    const some = await getJson<{ slaves: Array<{ name: string }> }>(api('/slaves?state=late,dead'));
    expect(some.body.slaves.map((s) => s.name)).toEqual(['dead-1', 'dead-2', 'late-1']);
    const bad = await getJson<{ error: string }>(api('/slaves?state=late,zombie'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/unknown state "zombie"/);
  });

  it('answers 404 for an unknown slave and endpoint, 405 for a wrong method', async () => {
    expect((await getJson(api('/slaves/nobody-here'))).status).toBe(404);
    expect((await getJson(api('/nothing'))).status).toBe(404);
    const res = await fetch(api('/heartbeats'));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('bad input: one clear error, and nothing stored', () => {
  it.each([
    ['malformed JSON', '{"slave": "a",', 400, /not valid JSON/, undefined],
    ['an empty body', '', 400, /body is empty/, undefined],
    ['a wrong type', { slave: 7 }, 400, /slave/, 'slave'],
    ['a bad slave name', { slave: 'evil\nname' }, 400, /slave name/, 'slave'],
    ['an unknown kind', { slave: 'a', kind: 'stopped' }, 400, /kind must be/, 'kind'],
    ['an empty batch', [], 400, /empty batch/, ''],
    [
      'a batch over the limit',
      Array.from({ length: 11 }, () => ({ slave: 'a' })),
      400,
      /at most 10/,
      '',
    ],
    [
      'one bad item in a batch',
      [{ slave: 'ok-1' }, { slave: 'ok-2' }, { slave: 'x', at: 'soon' }],
      400,
      /heartbeat \[2\]/,
      '[2].at',
    ],
    ['a body over the limit', [{ slave: 'a', message: 'x'.repeat(5000) }], 413, /limit/, undefined],
  ])('%s', async (_what, body, status, message, field) => {
    const before = await storedCount();
    const res = await postJson(api('/heartbeats'), body);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
    expect(res.body.field).toBe(field);
    expect(await storedCount()).toBe(before);
  });

  it('refuses a body naming another slave than the URL', async () => {
    const res = await postJson(api('/slaves/a-1/heartbeat'), { slave: 'b-1' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/URL names "a-1"/);
    expect((await getJson(api('/slaves/b-1'))).status).toBe(404);
  });

  it('refuses a malformed %-escape in the path with 400 naming the slave, not a 500', async () => {
    const before = await storedCount();
    const res = await postJson(api('/slaves/bad%ZZname/heartbeat'), '');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: 'slave' });
    expect(res.body.error).toMatch(
      /"bad%ZZname" in the path is not a valid URL-encoded slave name/,
    );
    expect((await getJson(api('/slaves/%E0%A4%A'))).status).toBe(400);
    expect(await storedCount()).toBe(before);
  });

  it('counts what it refused in /metrics', async () => {
    const text = await (await fetch(`${c.url}/metrics`)).text();
    expect(text).toMatch(/corral_requests_rejected_total\{reason="bad_input"\} [1-9]/);
    expect(text).toMatch(/corral_heartbeats_received_total\{kind="start"\} [1-9]/);
    expect(text).toMatch(/corral_slaves\{state="dead"\} 2/);
    expect(text).toMatch(/corral_ingest_latency_seconds_bucket/);
  });
});

describe('health', () => {
  it('answers /healthz', async () => {
    const { status, body } = await getJson<{ status: string; slaves: number }>(`${c.url}/healthz`);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.slaves).toBeGreaterThan(5);
  });
});
