// Parking on a collector wired to no monitoring system: the park is still recorded and audited
// (the action says nothing was muted), shown in the API, the stream and `corral ls`, and its review
// falling due reaches consoles as a delta and `corral ls` as `review due`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView, DeltaMessage } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import { runCorral } from '../agent/run-cli.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { StreamClient } from '../../support/stream-client.js';

describe('parking without a monitoring system', () => {
  let collector: RunningCollector;
  const corral = (args: string[]) => runCorral(args, { CORRAL_URL: collector.url });
  const parkedIn = (m: DeltaMessage, name: string) =>
    m.changed.find((s) => s.name === name)?.parked;

  beforeAll(async () => {
    collector = await startCollector({
      config: 'inventory: inventory.yaml\n',
      files: { 'inventory.yaml': 'slaves:\n  - old-1\n  - old-2\n' },
    });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
  });

  test('a park is recorded, streamed, falls due for review, and is listed by corral ls', async () => {
    const client = new StreamClient(collector.wsUrl);
    try {
      await client.next('snapshot');
      const res = await postJson(`${collector.url}/api/v1/actions`, {
        kind: 'park',
        targets: ['old-1'],
        params: { reason: 'old 0.7 master', review: '3s' },
      });
      expect(res.status).toBe(202);
      const action = (res.body as { action: ActionView }).action;
      expect(action.summary).toBe(
        'local parked 1 slave (recorded only: no monitoring system to mute them in)',
      );
      expect(action.targets).toEqual([{ slave: 'old-1', status: 'confirmed', error: null }]);

      const parked = await waitFor(
        () => client.of('delta').find((m) => parkedIn(m, 'old-1')),
        10_000,
        'a delta with the park',
      );
      expect(parkedIn(parked, 'old-1')).toMatchObject({
        by: 'local',
        owner: 'local',
        reason: 'old 0.7 master',
        reviewDue: false,
        actionId: action.id,
      });
      await waitFor(
        () => client.of('delta').find((m) => parkedIn(m, 'old-1')?.reviewDue === true),
        10_000,
        'a delta with the review due',
      );

      const ls = await corral(['ls', '--parked']);
      expect(ls.stderr).toBe('');
      const lines = ls.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/PARKED$/);
      expect(lines[1]).toMatch(/^NEVER +old-1 .* review due: old 0\.7 master \(local, by local\)$/);
      const all = await corral(['ls']);
      expect(all.stdout).toMatch(/old-2 .* -\n/);

      const unparked = await corral(['unpark', 'old-1', '--yes']);
      expect(unparked.code).toBe(0);
      await waitFor(
        () => client.of('delta').find((m) => parkedIn(m, 'old-1') === null),
        10_000,
        'a delta without the park',
      );
      const { body } = await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`);
      expect(body.slaves.every((s) => s.parked === null)).toBe(true);
    } finally {
      client.close();
    }
  }, 60_000);

  test('corral park says the park was recorded, not confirmed by a monitoring system', async () => {
    const r = await corral(['park', 'old-2', '--reason', 'spare', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^local parked 1 slave \(recorded only: no monitoring system to mute them in\) \(action \d+\): 1 recorded\n$/,
    );
    expect((await corral(['unpark', 'old-2', '--yes'])).code).toBe(0);
  });

  test('unpark of a slave that is not parked skips it and says so', async () => {
    const r = await corral(['unpark', 'old-2', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /\n1 skipped \(not parked\): old-2\nnothing to do: every slave is skipped\n$/,
    );
  });
});
