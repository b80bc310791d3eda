// The cap on slaves not in the inventory: batches in flight together count, the inventory frees
// room, and the operator hears of it once per time it fills.
import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../../src/domain/heartbeat.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { Fleet } from '../../../src/collector/fleet.js';
import { UnlistedCap } from '../../../src/collector/unlisted-cap.js';

const NOW = Date.parse('2026-11-25T05:00:00Z');
const beats = (...names: string[]): Heartbeat[] =>
  names.map((slave) => ({
    slave,
    kind: 'start',
    master: null,
    pool: null,
    message: null,
    at: NOW,
  }));
const entry = (name: string) => ({ name, pool: null, master: null, attributes: {} });

function setup(max: number) {
  const fleet = new Fleet(DEFAULT_POLICY, 50);
  const reached: number[] = [];
  return { fleet, reached, cap: new UnlistedCap(fleet, max, (n) => reached.push(n)) };
}

describe('UnlistedCap', () => {
  it('counts the new names of batches not yet committed', () => {
    const { cap } = setup(2);
    const first = cap.admit(beats('a', 'b'));
    expect(first.ok).toBe(true);
    expect(cap.admit(beats('c')).ok).toBe(false);
    // The same names again are not new.
    expect(cap.admit(beats('a')).ok).toBe(true);
    if (first.ok) first.release();
    expect(cap.admit(beats('c')).ok).toBe(true);
  });

  it('counts only slaves the inventory does not list, and the inventory frees room', () => {
    const { fleet, cap } = setup(1);
    fleet.setInventory([entry('inv-1'), entry('inv-2'), entry('inv-1')], NOW);
    fleet.apply(beats('x', 'inv-1'), NOW);
    expect(fleet.unlistedCount).toBe(1);
    expect(cap.admit(beats('inv-2', 'y')).ok).toBe(false);
    fleet.setInventory([entry('inv-1'), entry('inv-2'), entry('x')], NOW);
    expect(fleet.unlistedCount).toBe(0);
    expect(cap.admit(beats('inv-2', 'y')).ok).toBe(true);
  });

  it('tells once when it fills, and again only after there was room', () => {
    const { fleet, reached, cap } = setup(2);
    fleet.apply(beats('a', 'b'), NOW);
    expect(cap.admit(beats('c')).ok).toBe(false);
    expect(cap.admit(beats('d')).ok).toBe(false);
    expect(reached).toEqual([2]);
    fleet.setInventory([entry('a'), entry('b')], NOW);
    const admitted = cap.admit(beats('c'));
    expect(admitted.ok).toBe(true);
    fleet.apply(beats('c'), NOW);
    if (admitted.ok) admitted.release();
    fleet.apply(beats('d'), NOW); // created another way (a restart loads it)
    expect(cap.admit(beats('e')).ok).toBe(false);
    expect(reached).toEqual([2, 2]);
  });

  it('has a limit of 0 mean: only the inventory', () => {
    const { fleet, cap } = setup(0);
    fleet.setInventory([entry('inv-1')], NOW);
    expect(cap.admit(beats('inv-1')).ok).toBe(true);
    expect(cap.admit(beats('x')).ok).toBe(false);
  });
});
