// The collector wired to a real Icinga 2 that goes away: results sent while it is down wait and
// arrive once it is back; an action meanwhile fails within 20 s with one clear line; Icinga
// restarted in the middle of a bulk downtime leaves every target answered, and what corral shows
// muted afterwards is what Icinga has (a full query after the reconnect).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import {
  CORRAL_PASSWORD,
  hasIcinga2,
  startIcinga2,
  type Icinga2Instance,
} from '../../support/icinga2.js';

const OPERATOR = 'operator-token-0123456789';
const op = { authorization: `Bearer ${OPERATOR}` };
const BULK = Array.from({ length: 300 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
const SLAVES = [...BULK, 'down-1', 'down-2', 'during-1'];

describe.skipIf(!hasIcinga2)('the collector when Icinga 2 goes away', () => {
  let dir: string;
  let icinga: Icinga2Instance;
  let collector: RunningCollector;

  const health = async () =>
    (
      await getJson<{ problems: Array<{ part: string; problem: string }> }>(
        `${collector.url}/healthz`,
      )
    ).body.problems;
  const act = async (body: Record<string, unknown>): Promise<ActionView> => {
    const r = await postJson(`${collector.url}/api/v1/actions`, body, op);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const id = ((r.body as { action?: ActionView }).action ?? (r.body as unknown as ActionView)).id;
    return waitFor(
      async () => {
        const a = await getJson<{ action: ActionView }>(
          `${collector.url}/api/v1/actions/${id}`,
          op,
        );
        return a.body.action?.finishedAt ? a.body.action : null;
      },
      30_000,
      `action ${id} finished`,
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-icinga-outage-'));
    icinga = await startIcinga2({ slaves: SLAVES });
    await writeFile(path.join(dir, 'inventory.txt'), SLAVES.join('\n'));
    await writeFile(path.join(dir, 'password'), `${CORRAL_PASSWORD}\n`);
    collector = await startCollector({
      dir,
      config: [
        'inventory: inventory.txt',
        'tokens:',
        `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
        icinga.configYaml(path.join(dir, 'password')),
      ].join('\n'),
    });
    await waitFor(
      () => collector.logs.some((l) => /Icinga 2 at .* is reachable/.test(String(l.msg))),
      20_000,
      'the collector connected to Icinga',
    );
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    await icinga?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('results sent while Icinga is down arrive after it returns; an action meanwhile fails fast, saying why', async () => {
    await icinga.stop();
    const problems = await waitFor(
      async () => (await health()).find((p) => p.part === 'icinga2'),
      20_000,
      'the icinga2 part in /healthz',
    );
    // The stream closing says it first; the reconnects then say the connection is refused.
    expect(problems.problem).toMatch(
      /^(Icinga 2 at https:\/\/127\.0\.0\.1:\d+ closed the event stream|cannot reach Icinga 2 at https:\/\/127\.0\.0\.1:\d+: connection refused)/,
    );

    for (const [slave, body] of [
      ['down-1', { kind: 'critical', message: 'first: older, replaced' }],
      ['down-1', { kind: 'critical', message: 'disk full while Icinga was away' }],
      ['down-2', { master: 'bm03' }],
    ] as const) {
      const r = await postJson(`${collector.url}/api/v1/heartbeats`, { slave, ...body }, op);
      expect(r.status).toBe(202);
    }

    const started = Date.now();
    const failed = await act({ kind: 'ack', targets: ['down-1'], params: { comment: 'x' } });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(failed.targets[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^Icinga 2 is unreachable since \S+: .*Icinga 2 at https:/),
    });

    await icinga.start();
    const s = await icinga.waitFor(
      async () => {
        const x = await icinga.service('down-1');
        return x?.last_check_result?.output === 'disk full while Icinga was away' ? x : null;
      },
      30_000,
      'the waiting result of down-1',
    );
    expect(s.state).toBe(2);
    const ok = await icinga.service('down-2');
    expect(ok?.last_check_result?.output).toBe('buildbot started on bm03');
    await waitFor(
      async () => (await health()).every((p) => p.part !== 'icinga2'),
      20_000,
      'healthy',
    );
    expect(
      collector.logs.some((l) =>
        /sent the \d+ results that waited for Icinga 2/.test(String(l.msg)),
      ),
    ).toBe(true);
  }, 90_000);

  test('Icinga restarted during a bulk downtime: every target answered, and muting afterwards is what Icinga has', async () => {
    const posted = postJson(
      `${collector.url}/api/v1/actions`,
      {
        kind: 'downtime',
        targets: BULK,
        params: { comment: 'bulk during restart', duration: '2h' },
      },
      op,
    );
    // Stop while the request is under way (it may already have reached Icinga whole, in part, or not).
    await new Promise((r) => setTimeout(r, 30));
    await icinga.stop();
    const r = await posted;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const id = ((r.body as { action?: ActionView }).action ?? (r.body as unknown as ActionView)).id;
    const action = await waitFor(
      async () => {
        const a = await getJson<{ action: ActionView }>(
          `${collector.url}/api/v1/actions/${id}`,
          op,
        );
        return a.body.action?.finishedAt ? a.body.action : null;
      },
      30_000,
      'the bulk action finished',
    );
    for (const t of action.targets) {
      expect(['confirmed', 'failed']).toContain(t.status);
      if (t.status === 'failed') expect(t.error).toMatch(/Icinga 2/);
    }

    await icinga.start();
    // After the reconnect's full query, corral shows muted exactly the slaves Icinga has a downtime for.
    const inIcinga = new Set((await icinga.downtimes()).map((d) => d.host_name as string));
    await waitFor(
      async () => {
        const { body } = await getJson<{ slaves: SlaveView[] }>(
          `${collector.url}/api/v1/slaves`,
          op,
        );
        const muted = new Set(
          body.slaves
            .filter((v) => v.name.startsWith('bulk-') && v.muted !== null)
            .map((v) => v.name),
        );
        return muted.size === inIcinga.size && [...muted].every((n) => inIcinga.has(n));
      },
      30_000,
      'muting to match Icinga after its restart',
    );
    // Those that failed can be sent again now, and are done.
    const failed = action.targets.filter((t) => t.status === 'failed').map((t) => t.slave);
    if (failed.length > 0) {
      const again = await act({
        kind: 'downtime',
        targets: failed,
        params: { comment: 'bulk during restart', duration: '2h' },
      });
      expect(again.counts.confirmed).toBe(failed.length);
    }
    expect(new Set((await icinga.downtimes()).map((d) => d.host_name))).toEqual(new Set(BULK));
  }, 120_000);

  test('an Icinga that hangs: the action fails within 20 s; once it answers again the link is up without a restart', async () => {
    // From a link that is up (the restart above may still be settling): a hang, not an outage.
    await waitFor(
      async () => (await health()).every((p) => p.part !== 'icinga2'),
      30_000,
      'healthy before the hang',
    );
    icinga.pause();
    try {
      const started = Date.now();
      const failed = await act({ kind: 'ack', targets: ['during-1'], params: { comment: 'x' } });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(failed.targets[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/Icinga 2 at https:\/\/127\.0\.0\.1:\d+: no answer in time/),
      });
      expect((await health()).some((p) => p.part === 'icinga2')).toBe(true);
    } finally {
      icinga.resume();
    }
    // The event stream never closed: the failed request must reopen it for the link to come back.
    await waitFor(
      async () => (await health()).every((p) => p.part !== 'icinga2'),
      30_000,
      'the link up again',
    );
    // (The acknowledgement sent during the hang may yet be done: Icinga answers it once resumed.)
    const done = await act({
      kind: 'downtime',
      targets: ['during-1'],
      params: { comment: 'after the hang', duration: '1h' },
    });
    expect(done.counts.confirmed).toBe(1);
  }, 120_000);
});
