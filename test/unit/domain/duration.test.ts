import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, parseDuration } from '../../../src/domain/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['6h', 21600],
    ['30d', 2592000],
    ['2w', 1209600],
    ['1h30m', 5400],
    [' 7h ', 25200],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '6', 'h', '6x', '-5m', '1.5h', '0s', '6h ago'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h00m'],
    [6 * 3600 + 12 * 60 + 59, '6h12m'],
    [47 * 3600 + 59 * 60, '47h59m'],
    [48 * 3600, '2d0h'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [-5, '0s'],
  ])('%i s is %s', (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });
});

describe('formatDuration', () => {
  it('round-trips through parseDuration', () => {
    for (const s of [1, 59, 61, 3600, 5400, 25200, 604800, 90061]) {
      expect(parseDuration(formatDuration(s))).toBe(s);
    }
  });
});
