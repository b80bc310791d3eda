// An action's parameters as the collector acts on them: a required comment, a downtime's window in
// whole UTC seconds, the defaults filled in. One rule for both sides, so the console's confirmation
// says exactly what the collector will do.
import { parseDuration } from './duration.js';
import {
  DOWNTIME_TOO_LONG,
  downtimeWindow,
  DowntimeWindowError,
  MAX_DOWNTIME_SECONDS,
  zonedTimeMs,
} from './downtime-window.js';
import { checkOptionalLine, checkReason, ParkInputError, parseReview } from './park.js';
import { excerpt } from './printable.js';
import type { ActionKind, ActionRequest, ResolvedParams } from './protocol.js';
import { UNTIL_BACK_DEFAULT_SECONDS } from './until-back.js';

export type ActionParams = NonNullable<ActionRequest['params']>;

/** Parameters that cannot be acted on; `field` is their path in the request (`params.until`). */
export class ActionParamsError extends Error {
  override name = 'ActionParamsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The parameters of a `kind` action asked for at `nowMs`; throws ActionParamsError. */
export function resolveParams(kind: ActionKind, p: ActionParams, nowMs: number): ResolvedParams {
  switch (kind) {
    case 'downtime':
      return {
        comment: requiredComment(p.comment),
        ...resolveWindow(untilBackBound(p), nowMs),
        ...(p.skipMuted ? { skipMuted: true } : {}),
        ...(p.untilBack ? { untilBack: true } : {}),
      };
    case 'ack':
      return {
        comment: requiredComment(p.comment),
        sticky: p.sticky ?? true,
        ...(p.skipMuted ? { skipMuted: true } : {}),
        ...(p.reacknowledge ? { reacknowledge: true } : {}),
      };
    case 'reboot':
      return {
        includeMuted: p.includeMuted ?? false,
        ...(p.downtimeUntilBack ? rebootDowntime(p, nowMs) : {}),
      };
    case 'park':
      return parkParams(p, nowMs);
    case 'cancel-downtime':
      return limits(p);
    case 'extend-downtime':
      return { ...newEnd(p, nowMs), ...limits(p) };
    case 'undo':
      if (p.actionId === undefined) {
        throw new ActionParamsError(
          'params.actionId',
          'say which action to undo: its number in the audit log (corral undo ACTION_ID)',
        );
      }
      return { actionId: p.actionId };
    default:
      return {};
  }
}

/** A park's reason (required), owner, ticket and review date (ISO UTC, never in the past). */
function parkParams(p: ActionParams, nowMs: number): ResolvedParams {
  try {
    const owner = checkOptionalLine('owner', p.owner);
    const ticket = checkOptionalLine('ticket', p.ticket);
    const review = parseReview(p.review, nowMs);
    return {
      reason: checkReason(p.reason),
      ...(owner === undefined ? {} : { owner }),
      ...(ticket === undefined ? {} : { ticket }),
      ...(review === null ? {} : { review: new Date(review).toISOString() }),
    };
  } catch (err) {
    if (err instanceof ParkInputError) throw new ActionParamsError(err.field, err.message);
    throw err;
  }
}

/** Only one operator's downtimes, or only those one downtime action made. */
function limits(p: ActionParams): ResolvedParams {
  return {
    ...(p.author === undefined ? {} : { author: p.author }),
    ...(p.actionId === undefined ? {} : { actionId: p.actionId }),
  };
}

/** An until-back downtime without `duration` or `until` is bounded by the default (7 days). */
function untilBackBound(p: ActionParams): ActionParams {
  if (!p.untilBack || p.duration !== undefined || p.until !== undefined) return p;
  return { ...p, duration: `${UNTIL_BACK_DEFAULT_SECONDS}s` };
}

/** The until-back downtime a reboot asks for before it runs; its comment says so unless given. */
function rebootDowntime(p: ActionParams, nowMs: number): ResolvedParams {
  const comment = p.comment?.trim()
    ? p.comment.trim()
    : 'rebooted by corral: muted until it is back';
  return {
    comment,
    ...resolveWindow(
      untilBackBound({ ...p, untilBack: true, start: undefined, flexible: false }),
      nowMs,
    ),
    untilBack: true,
  };
}

/**
 * Where `extend-downtime` moves the end: by `extend` (`7d`; `-2h` shortens) or to `until`. Each
 * downtime's new end is checked against its own start where it is found.
 */
function newEnd(p: ActionParams, nowMs: number): ResolvedParams {
  if ((p.extend === undefined) === (p.until === undefined)) {
    throw new ActionParamsError(
      'params.extend',
      'say how to move the end: extend (7d, or -2h to shorten) or until (the new end), one of them',
    );
  }
  if (p.until !== undefined) {
    const end = zonedTimeMs(p.until.trim());
    if (Number.isNaN(end)) {
      throw new ActionParamsError(
        'params.until',
        `"${excerpt(p.until)}" is not a time: write ISO 8601 with a zone, e.g. 2026-12-24T18:00:00Z`,
      );
    }
    if (end <= nowMs) {
      throw new ActionParamsError(
        'params.until',
        `the new end ${new Date(end).toISOString()} is already past: give a later time (or cancel the downtime)`,
      );
    }
    return { end: new Date(Math.floor(end / 1000) * 1000).toISOString() };
  }
  const text = p.extend!.trim();
  const sign = text.startsWith('-') ? -1 : 1;
  const seconds = parseDuration(text.replace(/^[-+]/, ''));
  if (seconds === null) {
    throw new ActionParamsError(
      'params.extend',
      `"${excerpt(p.extend!)}" is not a duration: write e.g. 7d to extend, -2h to shorten`,
    );
  }
  if (seconds > MAX_DOWNTIME_SECONDS)
    throw new ActionParamsError('params.extend', DOWNTIME_TOO_LONG);
  return { extendSeconds: sign * seconds };
}

/** Trimmed; the collector makes it Nagios text (one line, no `;`) where it writes it. */
function requiredComment(comment: string | undefined): string {
  const text = (comment ?? '').trim();
  if (text === '') {
    throw new ActionParamsError(
      'params.comment',
      'a comment is required: say why (it is kept in Nagios and the audit log)',
    );
  }
  return text;
}

/**
 * A fixed downtime lasts from start to end. A flexible one starts when the service goes non-OK
 * within the window and lasts `durationSeconds`: with both `duration` and `until`, the duration
 * is how long and `until` ends the window; with one of them, the window's length is the duration.
 */
function resolveWindow(p: ActionParams, nowMs: number): ResolvedParams {
  const flexible = p.flexible ?? false;
  const both = flexible && p.duration !== undefined && p.until !== undefined;
  let window;
  try {
    window = downtimeWindow(
      both
        ? { start: p.start, until: p.until }
        : { start: p.start, duration: p.duration, until: p.until },
      nowMs,
    );
  } catch (err) {
    if (err instanceof DowntimeWindowError) {
      throw new ActionParamsError(`params.${err.field}`, err.message);
    }
    throw err;
  }
  const startSeconds = Math.floor(window.startMs / 1000);
  const endSeconds = Math.floor(window.endMs / 1000);
  const durationSeconds = both ? parseDuration(p.duration!) : endSeconds - startSeconds;
  if (durationSeconds === null) {
    throw new ActionParamsError(
      'params.duration',
      `"${excerpt(p.duration!)}" is not a duration: write e.g. 90m, 2h, 30d`,
    );
  }
  // The window is bounded by downtimeWindow; a flexible downtime's own length must be too.
  if (durationSeconds > MAX_DOWNTIME_SECONDS) {
    throw new ActionParamsError('params.duration', DOWNTIME_TOO_LONG);
  }
  // Whole seconds, as Nagios keeps them, so status.dat can be compared exactly.
  return {
    start: new Date(startSeconds * 1000).toISOString(),
    end: new Date(endSeconds * 1000).toISOString(),
    fixed: !flexible,
    durationSeconds,
  };
}
