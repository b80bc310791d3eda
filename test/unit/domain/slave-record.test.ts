import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../../src/domain/heartbeat.js';
import {
  applyHeartbeat,
  newRecord,
  startHistory,
  toView,
  type SlaveRecord,
} from '../../../src/domain/slave-record.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';

const T0 = Date.parse('2026-11-25T00:00:00Z');
const hb = (
  kind: Heartbeat['kind'],
  minutes: number,
  extra: Partial<Heartbeat> = {},
): Heartbeat => ({
  slave: 's1',
  kind,
  master: null,
  pool: null,
  message: null,
  at: T0 + minutes * 60_000,
  ...extra,
});

describe('applyHeartbeat', () => {
  it('records starts in order and never moves the last start backwards', () => {
    let r = newRecord('s1');
    r = applyHeartbeat(r, hb('start', 60), 50);
    r = applyHeartbeat(r, hb('start', 10), 50); // replayed from a spool, older
    expect(r.lastStart).toBe(T0 + 60 * 60_000);
    expect(r.starts).toEqual([T0 + 10 * 60_000, T0 + 60 * 60_000]);
    expect(r.firstSeen).toBe(T0 + 10 * 60_000);
  });

  it('keeps only the last N starts and ignores a duplicate', () => {
    let r = newRecord('s1');
    for (let i = 0; i < 60; i++) r = applyHeartbeat(r, hb('start', i), 50);
    r = applyHeartbeat(r, hb('start', 59), 50);
    expect(r.starts).toHaveLength(50);
    expect(r.starts[0]).toBe(T0 + 10 * 60_000);
  });

  it('a critical counts until the next start', () => {
    let r = applyHeartbeat(newRecord('s1'), hb('start', 0), 50);
    r = applyHeartbeat(
      r,
      hb('critical', 5, { message: 'cannot connect to master bm01:9010 for 10m' }),
      50,
    );
    const at = (m: number) => T0 + m * 60_000;
    expect(toView(r, DEFAULT_POLICY, at(6)).state).toBe('critical');
    expect(toView(r, DEFAULT_POLICY, at(6)).lastHeartbeat?.message).toMatch(/cannot connect/);
    r = applyHeartbeat(r, hb('start', 20), 50);
    expect(toView(r, DEFAULT_POLICY, at(21)).state).toBe('ok');
  });

  it('the latest heartbeat sets master and pool; the inventory fills gaps', () => {
    const inv = { name: 's1', pool: 'talos-r3-fed', master: 'bm01', attributes: { pdu: 'pdu3' } };
    let r = newRecord('s1', inv);
    expect(toView(r, DEFAULT_POLICY, T0)).toMatchObject({
      state: 'never',
      pool: 'talos-r3-fed',
      master: 'bm01',
    });
    r = applyHeartbeat(r, hb('start', 0, { master: 'bm02' }), 50);
    r = applyHeartbeat(r, hb('start', -30, { master: 'bm09' }), 50); // older: does not win
    expect(toView(r, DEFAULT_POLICY, T0)).toMatchObject({
      master: 'bm02',
      pool: 'talos-r3-fed',
      inInventory: true,
    });
  });

  it('a start after a reboot was issued ends the reboot', () => {
    let r: SlaveRecord = {
      ...applyHeartbeat(newRecord('s1'), hb('start', 0), 50),
      reboot: {
        phase: 'rebooting' as const,
        method: 'ssh',
        since: T0 + 60_000,
        by: 'jdoe',
        actionId: 1,
      },
    };
    expect(toView(r, DEFAULT_POLICY, T0 + 120_000).state).toBe('rebooting');
    r = applyHeartbeat(r, hb('start', 3), 50);
    expect(toView(r, DEFAULT_POLICY, T0 + 240_000).state).toBe('ok');
  });
});

describe('startHistory', () => {
  it('lists starts newest first with the interval since the previous one', () => {
    let r = newRecord('s1');
    for (const m of [0, 90, 200]) r = applyHeartbeat(r, hb('start', m), 50);
    expect(startHistory(r)).toEqual([
      { at: new Date(T0 + 200 * 60_000).toISOString(), intervalSeconds: 110 * 60 },
      { at: new Date(T0 + 90 * 60_000).toISOString(), intervalSeconds: 90 * 60 },
      { at: new Date(T0).toISOString(), intervalSeconds: null },
    ]);
  });
});
