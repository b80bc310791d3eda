import { describe, expect, it } from 'vitest';
import { hygieneOf, type HygieneSlave } from '../../../src/domain/hygiene.js';
import type { Muting, ParkView, SlaveView } from '../../../src/domain/slave.js';
import type { SlaveState } from '../../../src/domain/state.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { HOUR, T0, view } from '../console/fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();
const RULES = { policy: DEFAULT_POLICY, healthyStarts: 3 };
const LATE = DEFAULT_POLICY.default.warningSeconds;

const downtimeEnding = (inSeconds: number, o: Partial<Muting> = {}): Muting =>
  ({
    kind: 'downtime',
    author: 'alice',
    comment: 'waiting for hands',
    start: iso(T0 - HOUR * 1000),
    end: iso(T0 + inSeconds * 1000),
    fixed: true,
    inEffect: true,
    downtimeId: 7,
    actionId: 12,
    ...o,
  }) as Muting;
const ack: Muting = { kind: 'acknowledgement', author: 'bob', comment: 'bug 42', sticky: true };

function slave(
  name: string,
  state: SlaveState,
  mutes: Muting[],
  more: Partial<SlaveView> = {},
  starts: number[] = [],
): HygieneSlave {
  return { view: { ...view(name), state, mutes, muted: mutes[0] ?? null, ...more }, starts };
}

/** `n` starts, each `gap` seconds after the one before, the last `lastAgo` seconds before T0. */
const startsEvery = (n: number, gap: number, lastAgo = HOUR) =>
  Array.from({ length: n }, (_, i) => T0 - (lastAgo + (n - 1 - i) * gap) * 1000);

const kinds = (slaves: HygieneSlave[]) =>
  hygieneOf(slaves, T0, RULES).map((i) => `${i.kind} ${i.slave}`);

describe('hygieneOf: a mute ending on a failing slave', () => {
  it('lists a downtime ending in exactly 24 h on a late, dead or critical slave, not one second later', () => {
    const items = hygieneOf(
      [
        slave('dead-1', 'dead', [downtimeEnding(24 * HOUR)]),
        slave('late-1', 'late', [downtimeEnding(60)]),
        slave('crit-1', 'critical', [downtimeEnding(2 * HOUR)]),
        slave('dead-2', 'dead', [downtimeEnding(24 * HOUR + 1)]),
      ],
      T0,
      RULES,
    );
    expect(items.map((i) => `${i.kind} ${i.slave}`)).toEqual([
      'mute-ending crit-1',
      'mute-ending dead-1',
      'mute-ending late-1',
    ]);
    expect(items[1]).toEqual({
      kind: 'mute-ending',
      slave: 'dead-1',
      detail: `dead, and alice's downtime (waiting for hands) ends at ${iso(T0 + 24 * HOUR * 1000)}: extend it, or fix the slave`,
      by: 'alice',
      until: iso(T0 + 24 * HOUR * 1000),
    });
  });

  it('leaves out healthy slaves, slaves a later downtime or an acknowledgement keeps muted, parked slaves', () => {
    const park: ParkView = {
      by: 'alice',
      owner: 'relops',
      reason: 'old master',
      ticket: null,
      since: iso(T0 - 86400_000),
      review: null,
      reviewDue: false,
      actionId: 3,
    };
    expect(
      kinds([
        slave('ok-1', 'ok', [downtimeEnding(60)]),
        slave('two', 'dead', [downtimeEnding(60), downtimeEnding(30 * HOUR, { downtimeId: 8 })]),
        slave('acked', 'critical', [downtimeEnding(60), ack]),
        slave('parked', 'dead', [downtimeEnding(60)], { parked: park }),
      ]),
    ).toEqual([]);
  });
});

describe('hygieneOf: muted while healthy', () => {
  it('lists a muted slave whose last N starts were each within the late threshold, exactly N', () => {
    const s = slave('snow-1', 'ok', [ack], {}, startsEvery(3, HOUR));
    expect(hygieneOf([s], T0, RULES)).toEqual([
      {
        kind: 'muted-healthy',
        slave: 'snow-1',
        detail:
          "muted by bob's acknowledgement (bug 42) though its last 3 starts were on time: remove the mute, or it hides the next failure",
        by: 'bob',
        until: null,
      },
    ]);
  });

  it('not with N - 1 starts, a gap as long as the late threshold, a critical since, or nothing muting it', () => {
    expect(
      kinds([
        slave('few', 'ok', [ack], {}, startsEvery(2, HOUR)),
        slave('gap', 'ok', [ack], {}, startsEvery(3, LATE)),
        slave(
          'crit',
          'ok',
          [ack],
          { lastCritical: { at: iso(T0 - 2 * HOUR * 1000), message: 'x' } },
          startsEvery(3, HOUR),
        ),
        slave('free', 'ok', [], {}, startsEvery(3, HOUR)),
      ]),
    ).toEqual([]);
    // One second under the threshold is on time.
    expect(kinds([slave('gap', 'ok', [ack], {}, startsEvery(3, LATE - 1))])).toEqual([
      'muted-healthy gap',
    ]);
  });

  it('says to unpark a parked slave that cycles normally', () => {
    const park: ParkView = {
      by: 'alice',
      owner: 'alice',
      reason: 'old master',
      ticket: null,
      since: iso(T0 - 86400_000),
      review: null,
      reviewDue: false,
      actionId: 3,
    };
    const s = slave(
      'snow-1',
      'ok',
      [downtimeEnding(30 * HOUR)],
      { parked: park },
      startsEvery(3, HOUR),
    );
    expect(hygieneOf([s], T0, RULES)).toEqual([
      {
        kind: 'muted-healthy',
        slave: 'snow-1',
        detail:
          'parked by alice (old master) though its last 3 starts were on time: unpark it, or its park hides the next failure',
        by: 'alice',
        until: null,
      },
    ]);
  });

  it('takes N from the rules', () => {
    const s = slave('snow-1', 'ok', [ack], {}, startsEvery(2, HOUR));
    expect(hygieneOf([s], T0, { ...RULES, healthyStarts: 2 }).map((i) => i.kind)).toEqual([
      'muted-healthy',
    ]);
  });
});

describe('hygieneOf: parks past review and downtimes corral did not make', () => {
  it('lists a parked slave whose review is due, with who parked it and the owner', () => {
    const park: ParkView = {
      by: 'alice',
      owner: 'relops',
      reason: 'on a 0.7 master',
      ticket: null,
      since: iso(T0 - 40 * 86400_000),
      review: iso(T0 - 86400_000),
      reviewDue: true,
      actionId: 3,
    };
    const notDue = { ...park, reviewDue: false };
    const items = hygieneOf(
      [slave('p-1', 'dead', [], { parked: park }), slave('p-2', 'dead', [], { parked: notDue })],
      T0,
      RULES,
    );
    expect(items).toEqual([
      {
        kind: 'review-due',
        slave: 'p-1',
        detail: `parked by alice, owner relops (on a 0.7 master); review was due ${park.review}: unpark it or set a new review`,
        by: 'alice',
        until: park.review,
      },
    ]);
  });

  it("lists each downtime whose actionId is null, not corral's nor one a collector did not attribute", () => {
    const foreign = downtimeEnding(30 * HOUR, {
      author: 'opal',
      comment: 'rack\nmove',
      actionId: null,
    });
    const items = hygieneOf(
      [
        slave('a', 'ok', [foreign, downtimeEnding(40 * HOUR)]),
        slave('b', 'ok', [downtimeEnding(40 * HOUR, { actionId: undefined })]),
      ],
      T0,
      RULES,
    );
    expect(items).toEqual([
      {
        kind: 'foreign-downtime',
        slave: 'a',
        detail: `downtime by opal (rack move) until ${iso(T0 + 30 * HOUR * 1000)}, not made by corral`,
        by: 'opal',
        until: iso(T0 + 30 * HOUR * 1000),
      },
    ]);
  });
});
