// A parked slave: idle on purpose, kept muted by corral until unparked. The park's record, its
// operator-given fields checked (reason, owner, ticket, review date), and its wire view. Pure.
import type { DowntimeMatch } from './downtime-match.js';
import { parseDuration } from './duration.js';
import { excerpt } from './printable.js';
import type { ParkView } from './slave.js';

/** A park as the collector keeps it; times epoch ms. */
export interface Park {
  slave: string;
  /** The park action (`GET /api/v1/actions/{id}`). */
  actionId: number;
  /** The operator who parked it: also the author of its downtimes in the monitoring system. */
  by: string;
  owner: string;
  reason: string;
  ticket: string | null;
  since: number;
  review: number | null;
  /** The comment of its downtimes, exactly as sent: with `by`, what finds them again. */
  comment: string;
  /** The end of the last downtime corral scheduled for it; null while it has none. */
  downtimeEnd: number | null;
}

/** A park's field an operator gave that cannot be taken; `field` is its path in the request. */
export class ParkInputError extends Error {
  override name = 'ParkInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Ends a park's summary on a collector wired to no monitoring system: nothing was muted. */
export const RECORDED_ONLY = ' (recorded only: no monitoring system to mute them in)';

/** Longest reason, owner and ticket: a line an operator reads at a glance. */
export const MAX_PARK_TEXT = 300;

/** Control characters, bidi controls and line separators: text that is not one printable line. */
const NOT_ONE_LINE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

/** The reason, trimmed; required, printable, one line. */
export function checkReason(text: string | undefined): string {
  const reason = checkLine('params.reason', 'reason', text ?? '');
  if (reason === '') {
    throw new ParkInputError(
      'params.reason',
      'a reason is required: say why the slaves are parked (it is shown beside them and kept in the audit log)',
    );
  }
  return reason;
}

/** An optional one-line field (owner, ticket), trimmed; undefined when not given or empty. */
export function checkOptionalLine(
  field: 'owner' | 'ticket',
  text: string | undefined,
): string | undefined {
  if (text === undefined) return undefined;
  const line = checkLine(`params.${field}`, field, text);
  return line === '' ? undefined : line;
}

function checkLine(path: string, name: string, text: string): string {
  const line = text.trim();
  if (NOT_ONE_LINE.test(line)) {
    throw new ParkInputError(
      path,
      `the ${name} "${excerpt(line)}" is not one line of printable text: remove line breaks and control characters`,
    );
  }
  if (line.length > MAX_PARK_TEXT) {
    throw new ParkInputError(path, `the ${name} is longer than ${MAX_PARK_TEXT} characters`);
  }
  return line;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * When to look at the park again: `30d` from now, an ISO date (its midnight UTC) or an ISO time
 * with a zone; epoch ms, never in the past. Undefined or empty: no review date.
 */
export function parseReview(text: string | undefined, now: number): number | null {
  const given = (text ?? '').trim();
  if (given === '') return null;
  const seconds = parseDuration(given);
  if (seconds !== null) return now + seconds * 1000;
  const at = DATE_ONLY.test(given)
    ? dateOnly(given)
    : ZONED_TIME.test(given)
      ? Date.parse(given)
      : NaN;
  if (Number.isNaN(at)) {
    throw new ParkInputError(
      'params.review',
      `"${excerpt(given)}" is not a review date: write a duration from now (30d) or a date (2026-12-31) or a time with its zone (2026-12-31T09:00:00Z)`,
    );
  }
  if (at <= now) {
    throw new ParkInputError(
      'params.review',
      `the review date ${given} is in the past: give a later date, or a duration from now such as 30d`,
    );
  }
  return at;
}

/** A calendar date's midnight UTC; NaN for a day the month lacks (Date.parse rolls 02-30 over). */
function dateOnly(date: string): number {
  const at = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().startsWith(date) ? at : NaN;
}

/** The comment a park's downtimes carry (before the backend's own cleaning). */
export function parkComment(reason: string): string {
  return `parked: ${reason}`;
}

/** Exactly the downtimes corral scheduled for this park (its first and every renewal). */
export function parkDowntimes(park: Pick<Park, 'by' | 'comment'>): DowntimeMatch {
  return { author: park.by, comment: park.comment };
}

export function reviewDue(park: Pick<Park, 'review'>, now: number): boolean {
  return park.review !== null && park.review <= now;
}

/**
 * Whether the park needs a new downtime now: it has none, or the one it has ends within
 * `renewBeforeMs`.
 */
export function renewalDue(
  park: Pick<Park, 'downtimeEnd'>,
  now: number,
  renewBeforeMs: number,
): boolean {
  return park.downtimeEnd === null || park.downtimeEnd - now <= renewBeforeMs;
}

export function parkView(park: Park, now: number): ParkView {
  return {
    by: park.by,
    owner: park.owner,
    reason: park.reason,
    ticket: park.ticket,
    since: new Date(park.since).toISOString(),
    review: park.review === null ? null : new Date(park.review).toISOString(),
    reviewDue: reviewDue(park, now),
    actionId: park.actionId,
  };
}

/** `parked by alice since 2026-11-30 (old 0.7 master)`: why a park skips or refuses a slave. */
export function describePark(park: Pick<Park, 'by' | 'since' | 'reason'>): string {
  return `parked by ${park.by} since ${new Date(park.since).toISOString().slice(0, 10)} (${park.reason})`;
}
