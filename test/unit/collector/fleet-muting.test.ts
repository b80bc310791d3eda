// Muting read from Nagios goes into the fleet's records: changed slaves are marked for the next
// delta, unchanged ones are not; committed heartbeats keep the muting and end a reboot they prove.
import { describe, expect, it } from 'vitest';
import type { Muting } from '../../../src/domain/slave.js';
import type { SlaveMutes } from '../../../src/domain/slave-record.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { Fleet } from '../../../src/collector/fleet.js';
import { mergeInventories } from '../../../src/collector/inventory.js';

const NOW = Date.parse('2026-11-25T05:00:00Z');
const ack: Muting = { kind: 'acknowledgement', author: 'jdoe', comment: 'disk', sticky: true };
const entry = (name: string, pool: string | null = null) => ({
  name,
  pool,
  master: null,
  attributes: {},
});

function fleetOf(...names: string[]): Fleet {
  const fleet = new Fleet(DEFAULT_POLICY, 50);
  fleet.setInventory(
    names.map((n) => entry(n)),
    NOW,
  );
  fleet.takeChanges();
  return fleet;
}

describe('Fleet.setMuting', () => {
  it('marks only the slaves whose muting changed, and shows it in their view', () => {
    const fleet = fleetOf('s1', 's2');
    const acked: SlaveMutes = { muted: ack, mutes: [ack] };
    const none: SlaveMutes = { muted: null, mutes: [] };
    expect(
      fleet.setMuting(
        new Map([
          ['s1', acked],
          ['s2', none],
        ]),
      ),
    ).toBe(1);
    expect(fleet.takeChanges().changed).toEqual(['s1']);
    expect(fleet.view('s1', NOW)).toMatchObject({ muted: ack, mutes: [ack] });
    expect(fleet.setMuting(new Map([['s1', { muted: { ...ack }, mutes: [{ ...ack }] }]]))).toBe(0);
    expect(
      fleet.setMuting(
        new Map([
          ['s1', none],
          ['unknown', acked],
        ]),
      ),
    ).toBe(1);
    expect(fleet.view('s1', NOW)?.muted).toBeNull();
  });

  it('a committed start ends a reboot only if it came at or after the reboot began', () => {
    const fleet = fleetOf('s1');
    const start = (at: number) => ({
      slave: 's1',
      kind: 'start' as const,
      at,
      master: null,
      pool: null,
      message: null,
    });
    fleet.apply([start(NOW - 8 * 3600_000)], NOW);
    fleet.setReboot(
      's1',
      { phase: 'rebooting', method: 'ssh', since: NOW - 60_000, by: 'jdoe', actionId: 1 },
      NOW,
    );
    expect(fleet.apply([start(NOW - 61_000)], NOW)).toEqual([]);
    expect(fleet.view('s1', NOW)).toMatchObject({ state: 'rebooting' });
    expect(fleet.apply([start(NOW - 60_000)], NOW)).toEqual([
      { name: 's1', from: 'rebooting', to: 'ok' },
    ]);
    expect(fleet.view('s1', NOW)?.reboot).toBeNull();
  });

  it('a committed heartbeat keeps the muting', () => {
    const fleet = fleetOf('s1');
    fleet.setMuting(new Map([['s1', { muted: ack, mutes: [ack] }]]));
    fleet.apply(
      [{ slave: 's1', kind: 'start', at: NOW, master: null, pool: null, message: null }],
      NOW,
    );
    expect(fleet.view('s1', NOW)).toMatchObject({ state: 'ok', muted: ack, mutes: [ack] });
  });
});

describe('mergeInventories', () => {
  it('keeps every name once, the first source winning', () => {
    const merged = mergeInventories([entry('a', 'file')], [entry('a', 'nagios'), entry('b')]);
    expect(merged).toEqual([entry('a', 'file'), entry('b')]);
  });
});

describe('Fleet.setInventory', () => {
  it('returns the state changes a new pool brings, so Nagios hears of them', () => {
    const policy = {
      default: { warningSeconds: 6 * 3600, criticalSeconds: 7 * 3600 },
      pools: { quick: { warningSeconds: 3600, criticalSeconds: 7200 } },
    };
    const fleet = new Fleet(policy, 50);
    const at = NOW - 90 * 60_000; // 1h30m ago: ok by default, late in the quick pool
    fleet.apply([{ slave: 's1', kind: 'start', at, master: null, pool: null, message: null }], NOW);
    expect(fleet.view('s1', NOW)?.state).toBe('ok');
    expect(fleet.setInventory([entry('s1', 'quick')], NOW)).toEqual([
      { name: 's1', from: 'ok', to: 'late' },
    ]);
    expect(fleet.setInventory([entry('s1', 'quick')], NOW)).toEqual([]);
    // Out of the inventory: back to the default thresholds.
    expect(fleet.setInventory([], NOW)).toEqual([{ name: 's1', from: 'late', to: 'ok' }]);
  });
});
