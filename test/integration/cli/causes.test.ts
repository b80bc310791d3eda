// The causes against a real collector: `GET /api/v1/causes` and `corral ls --summary`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cause } from '../../../src/domain/causes.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  type RunningCollector,
} from '../../support/collector.js';

const run = promisify(execFile);
let c: RunningCollector;

const bm05 = Array.from({ length: 6 }, (_, i) => `bld-linux64-ec2-${100 + i}`);

beforeAll(async () => {
  c = await startCollector();
  const message = 'cannot connect to master bm05:9010';
  // Started a minute ago, critical now: a critical counts when it is newer than the start.
  const at = new Date(Date.now() - 60_000).toISOString();
  await postJson(`${c.url}/api/v1/heartbeats`, [
    ...bm05.map((slave) => ({ slave, pool: 'b-linux64', master: 'bm05', kind: 'start', at })),
    ...bm05.map((slave) => ({ slave, master: 'bm05', kind: 'critical', message })),
    // Four of another master: single failures, no cause.
    ...[1, 2, 3, 4].map((i) => ({ slave: `t-${i}`, master: 'bm01', kind: 'critical' })),
    { slave: 'healthy-1', master: 'bm05', kind: 'start' },
  ]);
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});

describe('causes', () => {
  it('GET /api/v1/causes names the master, its slaves, the state and their message', async () => {
    const { status, body } = await getJson<{ causes: Cause[] }>(`${c.url}/api/v1/causes`);
    expect(status).toBe(200);
    expect(body.causes).toHaveLength(1);
    expect(body.causes[0]).toMatchObject({
      group: 'master',
      name: 'bm05',
      state: 'critical',
      count: 6,
      message: 'cannot connect to master bm05:9010',
      slaves: bm05,
    });
  });

  it('corral ls --summary says the counts and the cause in one line', async () => {
    const { stdout } = await run(process.execPath, [
      CORRAL_BIN,
      'ls',
      '--summary',
      '--collector',
      c.url,
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^never 0 {2}critical 10 {2}dead 0 .* ok 1 {2}of 11$/);
    expect(lines[1]).toBe('causes (1):');
    expect(lines[2]).toMatch(
      /^ {2}bm05: 6 slaves critical since \d{4}-\d\d-\d\d \d\d:\d\d \S+: cannot connect to master bm05:9010$/,
    );
  });
});

describe('GET /api/v1/causes keeps the collector rules', () => {
  const VIEWER = 'causes-viewer-token-0123456789';
  let guarded: RunningCollector;
  beforeAll(async () => {
    guarded = await startCollector({
      config: `tokens:\n  - {name: ro, role: viewer, token: ${VIEWER}}\n`,
    });
  });
  afterAll(async () => {
    await guarded.stop();
    guarded.cleanup();
  });

  it('asks for a token, answers a viewer, and refuses a web page', async () => {
    const url = `${guarded.url}/api/v1/causes`;
    expect((await getJson(url)).status).toBe(401);
    const viewer = await getJson<{ causes: Cause[] }>(url, { authorization: `Bearer ${VIEWER}` });
    expect(viewer.status).toBe(200);
    expect(viewer.body.causes).toEqual([]);
    const page = await getJson<{ error: string }>(url, {
      authorization: `Bearer ${VIEWER}`,
      origin: 'https://evil.example',
    });
    expect(page.status).toBe(403);
    expect(page.body.error).toMatch(/^requests from web pages are refused/);
  });
});
