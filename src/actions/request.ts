// An operator's action request checked and resolved before anything is done: the kind, the
// targets (every one known), the parameters (a required comment, a downtime window in UTC).
// Pure: the clock and the known slaves are given.
import { z } from 'zod';
import { slaveNameProblem } from '../domain/names.js';
import { excerpt } from '../domain/printable.js';
import { ACTION_KINDS, type ActionKind, type ResolvedParams } from '../domain/protocol.js';
import { parseDuration } from '../domain/duration.js';
import { checkAuthor, cleanText } from '../nagios/commands.js';
import {
  downtimeWindow,
  DowntimeWindowError,
  MAX_DOWNTIME_SECONDS,
} from '../nagios/downtime-window.js';

/** More than this in one request is almost surely a mistake in the selection. */
export const MAX_TARGETS = 20_000;

/**
 * Why a request was refused: the request itself is wrong, its author may not do it, or this
 * collector cannot do it now (no Nagios, no reboot methods, the audit log unwritable).
 */
export type RefusalReason = 'invalid' | 'forbidden' | 'unavailable';

/** A request that is refused as a whole: nothing was done. Each transport says so its own way. */
export class ActionRefused extends Error {
  override name = 'ActionRefused';
  constructor(
    message: string,
    readonly field?: string,
    readonly reason: RefusalReason = 'invalid',
  ) {
    super(message);
  }
}

/** A request ready to run: targets known and unique, parameters resolved. */
export interface PlannedAction {
  kind: ActionKind;
  targets: string[];
  author: string;
  /** When it was asked for, epoch ms. */
  at: number;
  params: ResolvedParams;
  dryRun: boolean;
}

const requestSchema = z.strictObject({
  kind: z.enum(ACTION_KINDS, { error: `kind must be one of ${ACTION_KINDS.join(', ')}` }),
  targets: z
    .array(z.string({ error: 'targets are slave names' }), {
      error: 'targets must be a list of slave names',
    })
    .min(1, 'targets is empty: select at least one slave')
    .max(MAX_TARGETS, `at most ${MAX_TARGETS} targets in one action`),
  params: z
    .strictObject({
      comment: z.string({ error: 'comment must be text' }).optional(),
      duration: z.string({ error: 'duration must be text such as 2h or 30d' }).optional(),
      until: z.string({ error: 'until must be an ISO 8601 time' }).optional(),
      start: z.string({ error: 'start must be "now" or an ISO 8601 time' }).optional(),
      flexible: z.boolean({ error: 'flexible must be true or false' }).optional(),
      sticky: z.boolean({ error: 'sticky must be true or false' }).optional(),
      includeMuted: z.boolean({ error: 'includeMuted must be true or false' }).optional(),
    })
    .optional(),
  dryRun: z.boolean({ error: 'dryRun must be true or false' }).optional(),
});

export interface PlanContext {
  now: number;
  author: string;
  /** Whether the collector knows a slave of this name. */
  known: (name: string) => boolean;
}

/** Checks a request body (HTTP or WebSocket, without `type`/`requestId`); throws ActionRefused. */
export function planAction(body: unknown, ctx: PlanContext): PlannedAction {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || undefined;
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${excerpt(k)}"`).join(', ')}`
        : issue.message;
    throw new ActionRefused(field ? `${field}: ${message}` : message, field);
  }
  const request = parsed.data;
  try {
    checkAuthor(ctx.author);
  } catch (err) {
    throw new ActionRefused(
      `the token name cannot be a Nagios author: ${(err as Error).message}`,
      'author',
      'forbidden',
    );
  }
  return {
    kind: request.kind,
    targets: checkTargets(request.targets, ctx.known),
    author: ctx.author,
    at: ctx.now,
    params: resolveParams(request.kind, request.params ?? {}, ctx.now),
    dryRun: request.dryRun ?? false,
  };
}

function checkTargets(targets: readonly string[], known: (name: string) => boolean): string[] {
  const unique = [...new Set(targets)];
  for (const name of unique) {
    const problem = slaveNameProblem(name);
    if (problem) throw new ActionRefused(`targets: ${problem}`, 'targets');
  }
  const unknown = unique.filter((name) => !known(name));
  if (unknown.length > 0) {
    const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : '';
    throw new ActionRefused(
      `targets: no slave named "${unknown[0]}"${more} has been heard from or is in the inventory; nothing was done`,
      'targets',
    );
  }
  return unique;
}

type RawParams = NonNullable<z.output<typeof requestSchema>['params']>;

function resolveParams(kind: ActionKind, p: RawParams, now: number): ResolvedParams {
  switch (kind) {
    case 'downtime':
      return { comment: requiredComment(p.comment), ...resolveWindow(p, now) };
    case 'ack':
      return { comment: requiredComment(p.comment), sticky: p.sticky ?? true };
    case 'reboot':
      return { includeMuted: p.includeMuted ?? false };
    default:
      return {};
  }
}

/** The comment as Nagios will keep it (control characters and `;` replaced); empty is refused. */
function requiredComment(comment: string | undefined): string {
  const clean = cleanText(comment ?? '');
  if (clean === '') {
    throw new ActionRefused(
      'params.comment: a comment is required: say why (it is kept in Nagios and the audit log)',
      'params.comment',
    );
  }
  return clean;
}

/**
 * A fixed downtime lasts from start to end. A flexible one starts when the service goes non-OK
 * within the window and lasts `durationSeconds`: with both `duration` and `until`, the duration
 * is how long and `until` ends the window; with one of them, the window's length is the duration.
 */
function resolveWindow(p: RawParams, now: number): ResolvedParams {
  const flexible = p.flexible ?? false;
  const both = flexible && p.duration !== undefined && p.until !== undefined;
  let window;
  try {
    window = downtimeWindow(
      both
        ? { start: p.start, until: p.until }
        : { start: p.start, duration: p.duration, until: p.until },
      now,
    );
  } catch (err) {
    if (err instanceof DowntimeWindowError) {
      throw new ActionRefused(`params.${err.field}: ${err.message}`, `params.${err.field}`);
    }
    throw err;
  }
  const startSeconds = Math.floor(window.startMs / 1000);
  const endSeconds = Math.floor(window.endMs / 1000);
  const durationSeconds = both ? parseDuration(p.duration!) : endSeconds - startSeconds;
  if (durationSeconds === null) {
    throw new ActionRefused(
      `params.duration: "${excerpt(p.duration!)}" is not a duration: write e.g. 90m, 2h, 30d`,
      'params.duration',
    );
  }
  // The window is bounded by downtimeWindow; a flexible downtime's own length must be too.
  if (durationSeconds > MAX_DOWNTIME_SECONDS) {
    throw new ActionRefused(
      `params.duration: a downtime lasts at most ${MAX_DOWNTIME_SECONDS / 86400} days`,
      'params.duration',
    );
  }
  // Whole seconds, as Nagios keeps them, so status.dat can be compared exactly.
  return {
    start: new Date(startSeconds * 1000).toISOString(),
    end: new Date(endSeconds * 1000).toISOString(),
    fixed: !flexible,
    durationSeconds,
  };
}
