import { describe, expect, it } from 'vitest';
import { due, history, makeFarm, random } from '../../../src/simulator/farm.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('the simulated farm', () => {
  it('is the same for the same seed, and has every habit', () => {
    const farm = makeFarm(300, 42);
    expect(makeFarm(300, 42)).toEqual(farm);
    const habits = new Set(farm.map((s) => s.habit));
    expect([...habits].sort()).toEqual(['critical', 'cycling', 'hung', 'silent', 'slow']);
    expect(new Set(farm.map((s) => s.name)).size).toBe(300);
  });

  it('has a past the collector accepts: within 7 days, never in the future', () => {
    const farm = makeFarm(300);
    const past = history(farm, NOW, 1);
    for (const h of past) {
      const at = Date.parse(h.at!);
      expect(at).toBeLessThanOrEqual(NOW);
      expect(NOW - at).toBeLessThan(7 * 86400_000);
    }
    const silent = farm.filter((s) => s.habit === 'silent').map((s) => s.name);
    expect(past.some((h) => silent.includes(h.slave))).toBe(false);
    expect(past.some((h) => h.kind === 'critical')).toBe(true);
  });

  it('sends the beats that fall due, faster with speed, and hung slaves stay quiet', () => {
    const farm = makeFarm(300);
    history(farm, NOW, 60);
    const rand = random(1);
    const beats = due(farm, NOW + 3 * 3600_000, 60, rand);
    const hung = new Set(farm.filter((s) => s.habit === 'hung').map((s) => s.name));
    expect(beats.length).toBeGreaterThan(100);
    expect(beats.some((b) => hung.has(b.slave))).toBe(false);
    expect(due(farm, NOW + 3 * 3600_000, 60, rand)).toEqual([]);
  });
});
