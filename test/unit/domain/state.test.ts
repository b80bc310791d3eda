import { describe, expect, it } from 'vitest';
import {
  nextTransition,
  stateOf,
  type Freshness,
  type Thresholds,
} from '../../../src/domain/state.js';

const T: Thresholds = { warningSeconds: 6 * 3600, criticalSeconds: 7 * 3600 };
const NOW = Date.parse('2026-11-25T12:00:00Z');
const started = (secondsAgo: number): Freshness => ({
  lastStart: NOW - secondsAgo * 1000,
  lastCritical: null,
  reboot: null,
});

describe('stateOf', () => {
  it('is never for a slave with no heartbeat at all', () => {
    expect(stateOf({ lastStart: null, lastCritical: null, reboot: null }, T, NOW)).toBe('never');
  });

  it.each([
    [0, 'ok'],
    [6 * 3600 - 1, 'ok'],
    [6 * 3600, 'late'],
    [7 * 3600 - 1, 'late'],
    [7 * 3600, 'dead'],
    [30 * 86400, 'dead'],
  ] as const)('a start %i s ago is %s', (age, expected) => {
    expect(stateOf(started(age), T, NOW)).toBe(expected);
  });

  it('honours other thresholds (a slow pool)', () => {
    const slow = { warningSeconds: 30 * 3600, criticalSeconds: 36 * 3600 };
    expect(stateOf(started(8 * 3600), slow, NOW)).toBe('ok');
    expect(stateOf(started(30 * 3600), slow, NOW)).toBe('late');
  });

  it('is critical after a critical heartbeat, until the next start', () => {
    const f = { ...started(60), lastCritical: NOW - 10_000 };
    expect(stateOf(f, T, NOW)).toBe('critical');
    expect(stateOf({ ...f, lastStart: NOW - 5_000 }, T, NOW)).toBe('ok');
  });

  it('is critical for a slave that only ever reported critical', () => {
    expect(stateOf({ lastStart: null, lastCritical: NOW - 1000, reboot: null }, T, NOW)).toBe(
      'critical',
    );
  });

  it('lets a reboot in progress decide over age', () => {
    const reboot = { phase: 'rebooting', method: 'ssh', since: NOW - 1000 } as const;
    expect(stateOf({ ...started(8 * 3600), reboot }, T, NOW)).toBe('rebooting');
    expect(
      stateOf({ ...started(8 * 3600), reboot: { phase: 'needs-hands', since: NOW } }, T, NOW),
    ).toBe('needs-hands');
  });
});

describe('nextTransition', () => {
  it('says when an ok slave becomes late, and a late one dead', () => {
    expect(nextTransition(started(3600), T, NOW)).toEqual({
      state: 'late',
      at: NOW + 5 * 3600 * 1000,
    });
    expect(nextTransition(started(6.5 * 3600), T, NOW)).toEqual({
      state: 'dead',
      at: NOW + 0.5 * 3600 * 1000,
    });
  });

  it('has nothing to say for dead, never or critical slaves', () => {
    expect(nextTransition(started(8 * 3600), T, NOW)).toBeNull();
    expect(
      nextTransition({ lastStart: null, lastCritical: null, reboot: null }, T, NOW),
    ).toBeNull();
    expect(nextTransition({ ...started(60), lastCritical: NOW }, T, NOW)).toBeNull();
  });
});
