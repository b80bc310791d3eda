// The pure parts of the sync between collectors: which heartbeats read back are this collector's
// own, which stored actions are news to its consoles, and the reboot statuses they carry.
import { describe, expect, it } from 'vitest';
import { OwnHeartbeats } from '../../../src/collector/own-heartbeats.js';
import { PeerActions } from '../../../src/collector/peer-actions.js';
import {
  readRebootNotice,
  rebootPayload,
  rebootsFromAction,
} from '../../../src/collector/peer-reboots.js';
import type { SlaveRecord } from '../../../src/domain/slave-record.js';
import type { Heartbeat } from '../../../src/domain/heartbeat.js';
import type { ActionView } from '../../../src/domain/protocol.js';

const beat = (slave: string, at = 1000): Heartbeat => ({
  slave,
  kind: 'start',
  master: null,
  pool: null,
  message: null,
  at,
});

describe('OwnHeartbeats', () => {
  it('skips what this collector committed, once per copy, and folds the rest', () => {
    const own = new OwnHeartbeats(60_000);
    own.expect([beat('a'), beat('a'), beat('b')], 0);
    expect(own.others([beat('a'), beat('c'), beat('a'), beat('a')], 1)).toEqual([
      beat('c'),
      beat('a'),
    ]);
    expect(own.others([beat('b', 2000)], 1)).toEqual([beat('b', 2000)]);
    expect(own.size).toBe(1);
  });

  it("folds another collector's copy of a heartbeat whose write failed here", () => {
    const own = new OwnHeartbeats(60_000);
    own.expect([beat('a')], 0);
    own.forget([beat('a')]);
    expect(own.others([beat('a')], 1)).toEqual([beat('a')]);
  });

  it('forgets what never came back within its life', () => {
    const own = new OwnHeartbeats(1000);
    own.expect([beat('a')], 0);
    expect(own.others([], 1001)).toEqual([]);
    expect(own.size).toBe(0);
    expect(own.others([beat('a')], 1002)).toEqual([beat('a')]);
  });
});

const action = (over: Partial<ActionView> = {}): ActionView => ({
  id: 7,
  at: '2026-11-30T10:00:00.000Z',
  author: 'jdoe',
  kind: 'reboot',
  params: {},
  summary: 'jdoe rebooted 1 slave',
  targets: [{ slave: 's1', status: 'pending', error: null }],
  counts: { pending: 1 } as ActionView['counts'],
  finishedAt: null,
  outcome: null,
  cancelledBy: null,
  ...over,
});

describe('PeerActions', () => {
  it('says started, then progress on a change only, then finished once', () => {
    const peers = new PeerActions();
    expect(peers.news(action())?.event).toBe('started');
    expect(peers.news(action())).toBeNull();
    const rebooting = action({ targets: [{ slave: 's1', status: 'rebooting', error: null }] });
    expect(peers.news(rebooting)?.event).toBe('progress');
    const done = action({ finishedAt: '2026-11-30T10:01:00.000Z', outcome: 'done' });
    expect(peers.news(done)).toMatchObject({ type: 'action', event: 'finished', action: done });
    expect(peers.news(done)).toBeNull();
  });

  it('says finished for an action first seen finished, and nothing of its own', () => {
    const peers = new PeerActions();
    expect(peers.news(action({ id: 8, finishedAt: '2026-11-30T10:01:00.000Z' }))?.event).toBe(
      'finished',
    );
    peers.noteOwn(9);
    expect(peers.isOwn(9)).toBe(true);
    expect(peers.news(action({ id: 9 }))).toBeNull();
  });
});

describe('reboot notices', () => {
  const rebooting = {
    phase: 'rebooting',
    method: 'ssh',
    since: 5,
    by: 'jdoe',
    actionId: 7,
  } as const;

  it('reads back what was sent, and nothing malformed', () => {
    expect(readRebootNotice(rebootPayload('s1', rebooting))).toEqual({
      slave: 's1',
      reboot: rebooting,
    });
    expect(readRebootNotice(rebootPayload('s1', null))).toEqual({ slave: 's1', reboot: null });
    for (const bad of [
      undefined,
      '',
      '{',
      '{"slave":"s1"}',
      '{"slave":"../x","reboot":null}',
      JSON.stringify({ slave: 's1', reboot: { ...rebooting, phase: 'ok' } }),
      JSON.stringify({ slave: 's1', reboot: { ...rebooting, extra: 1 } }),
    ]) {
      expect(readRebootNotice(bad)).toBeNull();
    }
  });

  it("catches up a lost notice from the reboot action's targets", () => {
    const records = new Map<string, Partial<SlaveRecord>>([
      ['s1', { reboot: null, lastStart: 0 }],
      ['s2', { reboot: null, lastStart: Date.parse('2026-11-30T10:00:01.000Z') }],
      ['s3', { reboot: { ...rebooting, actionId: 7 }, lastStart: 0 }],
      ['s4', { reboot: null, lastStart: 0 }],
    ]);
    const view = action({
      targets: [
        { slave: 's1', status: 'rebooting', error: null },
        { slave: 's2', status: 'rebooting', error: null },
        { slave: 's3', status: 'back', error: null },
        { slave: 's4', status: 'needs-hands', error: null },
        { slave: 'unknown', status: 'rebooting', error: null },
      ],
    });
    const record = (name: string) => records.get(name) as SlaveRecord | undefined;
    expect(rebootsFromAction(view, record, 99)).toEqual([
      {
        slave: 's1',
        reboot: {
          phase: 'rebooting',
          method: '',
          since: Date.parse(view.at),
          by: 'jdoe',
          actionId: 7,
        },
      },
      { slave: 's3', reboot: null },
      { slave: 's4', reboot: { phase: 'needs-hands', since: 99, by: 'jdoe', actionId: 7 } },
    ]);
    expect(rebootsFromAction({ ...view, kind: 'recheck' }, record, 99)).toEqual([]);
  });
});
