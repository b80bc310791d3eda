// The audit of actions in the collector's log: one JSON line as an action starts and one as it
// ends, with author, kind, how many targets, the parameters and the outcome, for a log pipeline.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

const OPERATOR = 'operator-token-0123456789';

describe('the audit log lines', () => {
  let collector: RunningCollector;
  const op = { authorization: `Bearer ${OPERATOR}` };
  const auditOf = (id: number) =>
    collector.logs.filter((l) => l.audit === 'action' && l.action === id);

  beforeAll(async () => {
    collector = await startCollector({
      config: [
        'tokens:',
        `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
        'reboot:',
        '  methods:',
        '    - {name: hands, hands: true, argv: []}',
        '',
      ].join('\n'),
    });
    for (const slave of ['s1', 's2']) {
      expect((await postJson(`${collector.url}/api/v1/heartbeats`, { slave }, op)).status).toBe(
        202,
      );
    }
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
  });

  test('an action logs who started what on how many slaves, then how it ended', async () => {
    const res = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'reboot', targets: ['s1', 's2'] },
      op,
    );
    expect(res.status).toBe(202);
    const id = (res.body.action as { id: number }).id;
    await waitFor(() => auditOf(id).length === 2, 10_000, 'the start and end audit lines');
    const lines = auditOf(id);
    expect(lines[0]).toMatchObject({
      level: 30,
      audit: 'action',
      event: 'start',
      author: 'jdoe',
      kind: 'reboot',
      targets: 2,
    });
    expect(lines[0]!.msg).toMatch(/^jdoe .*2 slaves/);
    expect(lines[1]).toMatchObject({
      audit: 'action',
      event: 'end',
      author: 'jdoe',
      kind: 'reboot',
      targets: 2,
      outcome: { 'needs-hands': 2 },
    });
    expect(lines[1]!.params).toEqual(lines[0]!.params);
  });

  test('an action done at once (cancelling a reboot) logs its start and its end too', async () => {
    const res = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'cancel-reboot', targets: ['s2'] },
      op,
    );
    expect(res.status).toBe(202);
    const id = (res.body.action as { id: number }).id;
    await waitFor(() => auditOf(id).length === 2, 10_000, 'the start and end audit lines');
    expect(auditOf(id).map((l) => [l.event, l.kind, l.targets])).toEqual([
      ['start', 'cancel-reboot', 1],
      ['end', 'cancel-reboot', 1],
    ]);
    expect(auditOf(id)[1]!.outcome).toEqual({ cancelled: 1 });
  });

  test('a refused request is no action: no audit line', async () => {
    const before = collector.logs.filter((l) => l.audit === 'action').length;
    const res = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'reboot', targets: ['no-such-slave'] },
      op,
    );
    expect(res.status).toBe(400);
    // The next action's lines come after anything the refused one could have logged.
    const next = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'reboot', targets: ['s1'] },
      op,
    );
    const id = (next.body.action as { id: number }).id;
    await waitFor(() => auditOf(id).length === 2, 10_000, 'the next action ended');
    expect(collector.logs.filter((l) => l.audit === 'action').length).toBe(before + 2);
  });
});
