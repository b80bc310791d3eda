// The gaps a reader keeps when sequence ids commit out of order: read again until seen or too old.
import { describe, expect, it } from 'vitest';
import { SeenIds } from '../../../src/collector/seen-ids.js';

describe('SeenIds', () => {
  it('reads above the highest id when nothing is missing', () => {
    const seen = new SeenIds(0, 1000, 0);
    expect(seen.note([1, 2, 3], 0)).toEqual([1, 2, 3]);
    expect(seen.next()).toEqual({ above: 3, gaps: [] });
    expect(seen.settled).toBe(3);
  });

  it('keeps an id a later one overtook, and takes it once it commits', () => {
    const seen = new SeenIds(0, 1000, 0);
    // Transaction A took 1-2, B took 3-4; B commits first.
    expect(seen.note([3, 4], 0)).toEqual([3, 4]);
    expect(seen.next()).toEqual({ above: 4, gaps: [[1, 2]] });
    expect(seen.settled).toBe(0);
    expect(seen.note([2], 10)).toEqual([2]);
    expect(seen.next().gaps).toEqual([[1, 1]]);
    expect(seen.note([1], 20)).toEqual([1]);
    expect(seen.next()).toEqual({ above: 4, gaps: [] });
    expect(seen.settled).toBe(4);
  });

  it('splits a gap filled in its middle', () => {
    const seen = new SeenIds(0, 1000, 0);
    seen.note([10], 0);
    seen.note([5], 0);
    expect(seen.next().gaps).toEqual([
      [1, 4],
      [6, 9],
    ]);
  });

  it('returns a row once, however often reads return it', () => {
    const seen = new SeenIds(0, 1000, 0);
    expect(seen.note([2, 2, 1], 0)).toEqual([1, 2]);
    expect(seen.note([1, 2], 0)).toEqual([]);
  });

  it('gives up a gap older than a transaction lives (a rollback never fills it)', () => {
    const seen = new SeenIds(0, 1000, 0);
    seen.note([5], 0);
    seen.note([6], 1000);
    expect(seen.next().gaps).toEqual([[1, 4]]);
    seen.note([], 1001);
    expect(seen.next().gaps).toEqual([]);
    expect(seen.settled).toBe(6);
    // Given up means given up: a row that turns up after all is not taken.
    expect(seen.note([3], 1002)).toEqual([]);
  });

  it('reads again the ids below the start that a load could not be sure of', () => {
    const seen = new SeenIds(100, 1000, 0, 10);
    expect(seen.next()).toEqual({ above: 100, gaps: [[91, 100]] });
    expect(seen.note([95, 101], 0)).toEqual([95, 101]);
    expect(seen.next().gaps).toEqual([
      [91, 94],
      [96, 100],
    ]);
  });

  it('keeps at most the bound of gaps, dropping the oldest', () => {
    const seen = new SeenIds(0, 1000, 0, 0, 2);
    seen.note([2, 4, 6, 8], 0);
    expect(seen.next().gaps).toEqual([
      [5, 5],
      [7, 7],
    ]);
  });
});
