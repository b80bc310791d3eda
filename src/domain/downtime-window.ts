// When a downtime starts and ends, from what an operator gives: now or a time, and a duration
// (`2h`, `30d`) or an end time. UTC epoch arithmetic, so `30d` is exactly 30×86400 s across DST.
import { parseDuration } from './duration.js';
import { excerpt } from './printable.js';

export interface DowntimeWindowInput {
  /** `now` (the default) or an ISO 8601 time with a zone (`2026-11-25T18:00:00Z`). */
  start?: string;
  /** A duration such as `2h` or `30d`; give this or `until`. */
  duration?: string;
  /** An ISO 8601 time with a zone; give this or `duration`. */
  until?: string;
}

export interface DowntimeWindow {
  startMs: number;
  endMs: number;
}

export class DowntimeWindowError extends Error {
  override name = 'DowntimeWindowError';
  constructor(
    readonly field: 'start' | 'duration' | 'until',
    message: string,
  ) {
    super(message);
  }
}

/** A year: longer is almost surely a typo (`30w` for `30d`), and Nagios would keep it forever. */
export const MAX_DOWNTIME_SECONDS = 366 * 86400;
/** What an operator is told past it, by the collector and by the console's form alike. */
export const DOWNTIME_TOO_LONG = `a downtime lasts at most ${MAX_DOWNTIME_SECONDS / 86400} days`;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function downtimeWindow(input: DowntimeWindowInput, nowMs: number): DowntimeWindow {
  const startMs =
    input.start === undefined || input.start === 'now' ? nowMs : time(input.start, 'start');
  if ((input.duration === undefined) === (input.until === undefined)) {
    throw new DowntimeWindowError(
      input.duration === undefined ? 'duration' : 'until',
      'give either a duration (e.g. 2h, 30d) or an end time (until), not both or neither',
    );
  }
  let endMs: number;
  if (input.duration !== undefined) {
    const seconds = parseDuration(input.duration);
    if (seconds === null) {
      throw new DowntimeWindowError(
        'duration',
        `"${excerpt(input.duration)}" is not a duration: write e.g. 90m, 2h, 30d`,
      );
    }
    endMs = startMs + seconds * 1000;
  } else {
    endMs = time(input.until!, 'until');
  }
  if (endMs <= startMs) {
    throw new DowntimeWindowError('until', 'the downtime must end after it starts');
  }
  if (endMs <= nowMs) {
    throw new DowntimeWindowError('until', 'the downtime would already be over');
  }
  if (endMs - startMs > MAX_DOWNTIME_SECONDS * 1000) {
    throw new DowntimeWindowError('duration', DOWNTIME_TOO_LONG);
  }
  return { startMs, endMs };
}

/** An ISO 8601 time with a zone as epoch ms; NaN for anything else. */
export function zonedTimeMs(text: string): number {
  return ZONED_TIME.test(text) ? Date.parse(text) : NaN;
}

function time(text: string, field: 'start' | 'until'): number {
  const ms = zonedTimeMs(text);
  if (Number.isNaN(ms)) {
    throw new DowntimeWindowError(
      field,
      `"${excerpt(text)}" is not a time: write ISO 8601 with a zone, e.g. 2026-11-25T18:00:00Z`,
    );
  }
  return ms;
}
