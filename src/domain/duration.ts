// Durations as operators write them (`90s`, `15m`, `6h`, `30d`, `1h30m`) and ages as the console shows them.

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;
const DURATION_PATTERN = /^(?:\d+[smhdw])+$/;

/** Parses `90s`, `15m`, `6h`, `30d`, `2w` or a sum such as `1h30m` into seconds; null if malformed. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) return null;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  return seconds > 0 ? seconds : null;
}

/**
 * An age in the console's compact form: `45s`, `12m`, `6h12m`, `3d4h`.
 * Truncates rather than rounds, so a slave shown as `6h00m` really is past 6h.
 */
export function formatAge(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  const days = Math.floor(hours / 24);
  return `${days}d${hours % 24}h`;
}

/** The shortest exact spelling of a duration in seconds, as accepted by parseDuration. */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.floor(totalSeconds);
  if (rest <= 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
