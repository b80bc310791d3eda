import { describe, expect, it } from 'vitest';
import { OFF_SCALE, UNKNOWN, sparkline } from '../../../src/console/sparkline.js';

const H = 3600;

describe('sparkline', () => {
  it('draws a regular cycle level and an irregular one uneven, one character per value', () => {
    expect(sparkline([6 * H, 6 * H, 6 * H + 60, 6 * H])).toBe('████');
    expect(sparkline([H, 2 * H, 4 * H, 8 * H].map((v) => v / 2))).toBe('▂▃▅█');
    expect(sparkline([0, 7, 14])).toBe('▁▅█');
  });

  it('draws a missing value as a dot and keeps the others on their scale', () => {
    expect(sparkline([4 * H, null, 2 * H, 4 * H])).toBe(`█${UNKNOWN}▅█`);
    expect(sparkline([null, null])).toBe(`${UNKNOWN}${UNKNOWN}`);
    expect(sparkline([Number.NaN, -5, 8])).toBe(`${UNKNOWN}${UNKNOWN}█`);
    expect(sparkline([])).toBe('');
  });

  it('draws a huge outlier off the scale instead of flattening the rest', () => {
    // Three days down among 6-hour cycles: the cycles still show their small differences.
    expect(sparkline([6 * H, 3 * H, 72 * H, 6 * H])).toBe(`█▅${OFF_SCALE}█`);
    // Just within three medians is still on the scale.
    expect(sparkline([H, H, 3 * H])).toBe('▃▃█');
    expect(sparkline([H, H, 3 * H + 1])).toBe(`██${OFF_SCALE}`);
  });

  it('with a median of zero (starts in the same second) nothing is an outlier', () => {
    expect(sparkline([0, 0, 0, 60])).toBe('▁▁▁█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });
});
