import { describe, expect, it } from 'vitest';
import { alreadyThere, alreadyThereKeys } from '../../../src/console/already-there.js';
import type { ActionRequest } from '../../../src/domain/protocol.js';
import type { Muting, SlaveView } from '../../../src/domain/slave.js';
import { T0, downtime, view } from './fixtures.js';

process.env.TZ = 'UTC';
const ack = (author: string): Muting => ({
  kind: 'acknowledgement',
  author,
  comment: 'bug 42',
  sticky: true,
});
const rebooting = (v: SlaveView, by: string): SlaveView => ({
  ...v,
  reboot: {
    phase: 'rebooting',
    method: 'ssh',
    since: new Date(T0).toISOString(),
    by,
    actionId: 42,
  },
});
const slaves = new Map(
  [
    { ...view('a'), muted: downtime('alice'), mutes: [downtime('alice'), ack('bob')] },
    { ...view('b'), muted: downtime('alice'), mutes: [downtime('alice')] },
    rebooting(view('c'), 'alice'),
    view('d'),
  ].map((v) => [v.name, { view: v }]),
);
const lines = (request: ActionRequest, you = 'carol') => alreadyThere(request, slaves, you, T0);

describe('what the targets already have', () => {
  it('a downtime: whose downtime until when, and both mutes of a slave in a downtime and acknowledged', () => {
    const found = lines({ kind: 'downtime', targets: ['a', 'b', 'c', 'd'] });
    expect(found.lines).toEqual([
      "2 already in alice's downtime until 14:00 UTC: waiting for hands (s skips them)",
      '1 already acknowledged by bob: bug 42 (s skips them)',
    ]);
    expect(found.skippable).toBe(2);
    expect(alreadyThereKeys({ kind: 'downtime', targets: [] }, found)).toBe(
      ' · s skips the 2 muted',
    );
  });

  it('an ack skips what another operator acknowledged, unless asked to re-acknowledge', () => {
    expect(lines({ kind: 'ack', targets: ['a'] }, 'alice').lines).toContain(
      '1 already acknowledged by bob: bug 42: skipped (acknowledged by another operator)',
    );
    expect(lines({ kind: 'ack', targets: ['a'] }, 'bob').lines).toContain(
      '1 already acknowledged by you: bug 42 (s skips them)',
    );
  });

  it('a reboot names who is rebooting a target; a cancel of reboots whose reboot it stops', () => {
    expect(lines({ kind: 'reboot', targets: ['c', 'd'] }).lines).toEqual([
      '1 being rebooted by alice (#42): skipped',
    ]);
    expect(lines({ kind: 'cancel-reboot', targets: ['c'] }).lines).toEqual([
      "cancels alice's reboot #42 of 1 (rebooting)",
    ]);
  });

  it('a cancel of downtimes says whose it removes, only the author’s when limited', () => {
    const all = lines({ kind: 'cancel-downtime', targets: ['a', 'b'] }, 'bob');
    expect(all.lines).toEqual(["removes alice's downtime until 14:00 UTC on 2: waiting for hands"]);
    const mine = lines(
      { kind: 'cancel-downtime', targets: ['a', 'b'], params: { author: 'bob' } },
      'bob',
    );
    expect(mine.lines).toEqual([]);
    expect(
      alreadyThereKeys({ kind: 'cancel-downtime', targets: [], params: { author: 'bob' } }, mine),
    ).toBe(' · o everyone’s downtimes');
  });
});
