// Numbers drawn as a line of unicode blocks, so an irregular series shows at a glance; the
// characters carry it all, so it reads the same without colour.

const BLOCKS = '▁▂▃▄▅▆▇█';
/** A value too far above the others to share their scale. */
export const OFF_SCALE = '↑';
/** A value that is not known. */
export const UNKNOWN = '·';
/** A value past this many medians is drawn off scale, so one long gap does not flatten the rest. */
const OUTLIER_MEDIANS = 3;

/**
 * One character per value, heights from zero to the largest value within OUTLIER_MEDIANS times
 * the median: equal values draw a flat line, and a slave that restarts every 6h looks level.
 */
export function sparkline(values: readonly (number | null)[]): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v) && v >= 0);
  if (known.length === 0) return values.map(() => UNKNOWN).join('');
  const sorted = [...known].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  // With a median of zero every larger value would be an outlier: then nothing is.
  const limit = median > 0 ? median * OUTLIER_MEDIANS : Infinity;
  const top = Math.max(...sorted.filter((v) => v <= limit));
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v) || v < 0) return UNKNOWN;
      if (v > limit) return OFF_SCALE;
      if (top === 0) return BLOCKS[0]!;
      const level = Math.round((v / top) * (BLOCKS.length - 1));
      return BLOCKS[Math.min(Math.max(level, 0), BLOCKS.length - 1)]!;
    })
    .join('');
}
