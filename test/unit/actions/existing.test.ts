// What targets already have, which a request skips, which downtimes a limited cancel removes, and
// how an action ended: the pure rules behind dry runs, confirmations and the log.
import { describe, expect, test } from 'vitest';
import { downtimeMatchOf, existingOf, skipReason } from '../../../src/actions/existing.js';
import { outcomeOf } from '../../../src/domain/action-outcome.js';
import { downtimeMatches, type DowntimeFacts } from '../../../src/domain/downtime-match.js';
import type { ResolvedParams, TargetStatus } from '../../../src/domain/protocol.js';
import type { Muting } from '../../../src/domain/slave.js';

const downtime: Muting = {
  kind: 'downtime',
  author: 'alice',
  comment: 'slow pool',
  start: '2026-11-25T05:12:03.000Z',
  end: '2026-12-25T05:12:03.000Z',
  fixed: true,
  inEffect: true,
  downtimeId: 200,
};
const ackBy = (author: string): Muting => ({
  kind: 'acknowledgement',
  author,
  comment: 'bug 42',
  sticky: true,
});
const slave = (mutes: Muting[]) => ({ name: 's1', mutes, reboot: null });

describe('skipReason', () => {
  test('skipMuted skips a downtime or an ack on a muted slave, naming whose and until when', () => {
    const why = skipReason(
      'downtime',
      { skipMuted: true },
      'bob',
      slave([downtime, ackBy('carol')]),
    );
    expect(why).toBe(
      "already muted: in alice's downtime until 2026-12-25 05:12 UTC (slow pool) and acknowledged by carol (bug 42)",
    );
    expect(skipReason('ack', { skipMuted: true }, 'bob', slave([downtime]))).toMatch(
      /^already muted/,
    );
    // A downtime corral ends at the slave's next start says so, and its bound.
    expect(
      skipReason('downtime', { skipMuted: true }, 'bob', slave([{ ...downtime, untilBack: true }])),
    ).toBe(
      "already muted: in alice's downtime until back (at most 2026-12-25 05:12 UTC) (slow pool)",
    );
    // Without it, a downtime is stacked knowingly (the dry run said so); a quiet slave is never skipped.
    expect(skipReason('downtime', {}, 'bob', slave([downtime]))).toBeNull();
    expect(skipReason('downtime', { skipMuted: true }, 'bob', slave([]))).toBeNull();
  });

  test("an ack skips another operator's acknowledgement unless told to take it over", () => {
    expect(skipReason('ack', {}, 'alice', slave([ackBy('bob')]))).toBe(
      'already acknowledged by bob (bug 42): reacknowledge to take it over',
    );
    expect(skipReason('ack', { reacknowledge: true }, 'alice', slave([ackBy('bob')]))).toBeNull();
    expect(skipReason('ack', {}, 'bob', slave([ackBy('bob')]))).toBeNull();
    expect(skipReason('recheck', { skipMuted: true }, 'bob', slave([downtime]))).toBeNull();
  });
});

test('existingOf lists downtimes, the acknowledgement and the reboot, whose', () => {
  const reboot = {
    phase: 'rebooting' as const,
    method: 'ssh',
    since: '2026-11-25T05:30:01.870Z',
    by: 'alice',
    actionId: 42,
  };
  expect(existingOf({ name: 's1', mutes: [downtime, ackBy('bob')], reboot })).toEqual([
    {
      slave: 's1',
      kind: 'downtime',
      by: 'alice',
      comment: 'slow pool',
      start: downtime.start,
      end: downtime.end,
      downtimeId: 200,
    },
    { slave: 's1', kind: 'acknowledgement', by: 'bob', comment: 'bug 42' },
    {
      slave: 's1',
      kind: 'reboot',
      by: 'alice',
      actionId: 42,
      phase: 'rebooting',
      since: reboot.since,
    },
  ]);
});

describe('downtimeMatchOf', () => {
  const start = Date.parse('2026-11-25T05:12:03Z');
  const end = Date.parse('2026-12-25T05:12:03Z');
  const alices: DowntimeFacts = { author: 'alice', comment: 'slow pool', start, end, fixed: true };
  const made = {
    author: 'alice',
    params: {
      comment: 'slow pool',
      start: '2026-11-25T05:12:03.000Z',
      end: '2026-12-25T05:12:03.000Z',
      fixed: true,
    },
  };

  const chooses = (params: ResolvedParams, by: typeof made | null) => {
    const match = downtimeMatchOf(params, by);
    if (typeof match === 'string') throw new Error(match);
    return (d: DowntimeFacts) => downtimeMatches(match, d);
  };

  test('by author, by action (author, comment and window exactly), or every one', () => {
    expect(chooses({}, null)(alices)).toBe(true);
    expect(chooses({ author: 'alice' }, null)(alices)).toBe(true);
    expect(chooses({ author: 'bob' }, null)(alices)).toBe(false);
    expect(chooses({ actionId: 3 }, made)(alices)).toBe(true);
    // One second off, another comment, flexible, or another author: another action's.
    for (const other of [
      { ...alices, end: end + 1000 },
      { ...alices, comment: 'slow pool!' },
      { ...alices, fixed: false },
      { ...alices, author: 'bob' },
    ]) {
      expect(chooses({ actionId: 3 }, made)(other)).toBe(false);
    }
  });

  test("an author and another author's action cannot both hold: one line says so", () => {
    expect(downtimeMatchOf({ author: 'bob', actionId: 3 }, made)).toMatch(
      /action 3's downtimes are alice's, not bob's/,
    );
  });
});

describe('outcomeOf', () => {
  const t = (...statuses: TargetStatus[]) => statuses.map((status) => ({ status }));

  test.each([
    ['reboot', t('skipped', 'skipped', 'skipped'), 'nothing'],
    ['reboot', t('back', 'skipped'), 'done'],
    ['reboot', t('back', 'needs-hands'), 'partial'],
    ['reboot', t('needs-hands'), 'failed'],
    ['reboot', t('back', 'cancelled'), 'cancelled'],
    ['cancel-reboot', t('cancelled', 'skipped'), 'done'],
    ['downtime', t('confirmed', 'skipped'), 'done'],
    ['downtime', t('sent'), 'done'],
    ['downtime', t('confirmed', 'unconfirmed'), 'partial'],
    ['ack', t('failed', 'skipped'), 'failed'],
  ] as const)('%s %j: %s', (kind, targets, outcome) => {
    expect(outcomeOf(kind, targets, true)).toBe(outcome);
  });

  test('none while the action runs', () => {
    expect(outcomeOf('reboot', t('skipped'), false)).toBeNull();
  });
});
