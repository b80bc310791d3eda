// When a slave listed but never heard from is due its CRITICAL: at its critical threshold since it
// was first listed, not a millisecond before, once, and never after it was heard from.
import { describe, expect, test } from 'vitest';
import { NeverHeard } from '../../../src/nagios/never-heard.js';

const T0 = 1_795_000_000_000;

describe('NeverHeard', () => {
  test('due exactly at the threshold since it was listed, and handed out once', () => {
    const n = new NeverHeard();
    n.update([{ name: 'a', criticalSeconds: 10 }], T0);
    expect(n.maySend('a', T0 + 9_999)).toBe(false);
    expect(n.takeDue(T0 + 9_999)).toEqual([]);
    expect(n.maySend('a', T0 + 10_000)).toBe(true);
    expect(n.takeDue(T0 + 10_000)).toEqual(['a']);
    expect(n.takeDue(T0 + 20_000)).toEqual([]);
  });

  test('listing again keeps when it was first listed; a new pool threshold moves the due time', () => {
    const n = new NeverHeard();
    n.update([{ name: 'a', criticalSeconds: 10 }], T0);
    n.update([{ name: 'a', criticalSeconds: 5 }], T0 + 4_000);
    expect(n.takeDue(T0 + 4_999)).toEqual([]);
    expect(n.takeDue(T0 + 5_000)).toEqual(['a']);
  });

  test('a slave heard from, or no longer listed, is forgotten (and may be sent as any other)', () => {
    const n = new NeverHeard();
    n.update(
      [
        { name: 'heard', criticalSeconds: 1 },
        { name: 'dropped', criticalSeconds: 1 },
        { name: 'kept', criticalSeconds: 1 },
      ],
      T0,
    );
    n.forget('heard');
    n.update([{ name: 'kept', criticalSeconds: 1 }], T0 + 500);
    expect(n.size).toBe(1);
    expect(n.maySend('heard', T0)).toBe(true);
    expect(n.takeDue(T0 + 1_000)).toEqual(['kept']);
  });

  test('a slave listed later waits its own threshold', () => {
    const n = new NeverHeard();
    n.update([{ name: 'a', criticalSeconds: 10 }], T0);
    n.update(
      [
        { name: 'a', criticalSeconds: 10 },
        { name: 'b', criticalSeconds: 10 },
      ],
      T0 + 8_000,
    );
    expect(n.takeDue(T0 + 10_000)).toEqual(['a']);
    expect(n.takeDue(T0 + 17_999)).toEqual([]);
    expect(n.takeDue(T0 + 18_000)).toEqual(['b']);
  });
});
