// An operator's action request checked and resolved before anything is done: the kind, the
// targets (every one known), the parameters (a required comment, a downtime window in UTC).
// Pure: the clock and the known slaves are given.
import { z } from 'zod';
import { ActionParamsError, resolveParams, type ActionParams } from '../domain/action-params.js';
import { slaveNameProblem } from '../domain/names.js';
import { excerpt } from '../domain/printable.js';
import { ACTION_KINDS, type ActionKind, type ResolvedParams } from '../domain/protocol.js';
import { checkAuthor, cleanText } from '../nagios/commands.js';

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

/** Kinds in the protocol this collector does not carry out yet: refused with one line. */
const NOT_YET: ReadonlySet<ActionKind> = new Set([]);

const requestSchema = z.strictObject({
  kind: z
    .enum(ACTION_KINDS, { error: `kind must be one of ${ACTION_KINDS.join(', ')}` })
    .refine((k) => !NOT_YET.has(k), { error: 'this collector cannot do that kind of action yet' }),
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
      skipMuted: z.boolean({ error: 'skipMuted must be true or false' }).optional(),
      reacknowledge: z.boolean({ error: 'reacknowledge must be true or false' }).optional(),
      author: z
        .string({ error: 'author must be an operator name' })
        .refine(isAuthor, 'author must be an operator name (letters, digits, " ._@-")')
        .optional(),
      actionId: z
        .number({ error: 'actionId must be an action number (GET /api/v1/actions)' })
        .int('actionId must be a whole action number')
        .positive('actionId must be an action number, 1 or more')
        .optional(),
      reason: z.string({ error: 'reason must be text: why the slaves are parked' }).optional(),
      owner: z.string({ error: 'owner must be text: who owns the parked slaves' }).optional(),
      review: z
        .string({ error: 'review must be a duration from now (30d) or an ISO 8601 date' })
        .optional(),
      ticket: z.string({ error: 'ticket must be text (a URL or a ticket number)' }).optional(),
      untilBack: z.boolean({ error: 'untilBack must be true or false' }).optional(),
      downtimeUntilBack: z.boolean({ error: 'downtimeUntilBack must be true or false' }).optional(),
      extend: z.string({ error: 'extend must be text such as 7d or -2h' }).optional(),
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
    params: resolve(request.kind, request.params ?? {}, ctx.now),
    dryRun: request.dryRun ?? false,
  };
}

function isAuthor(name: string): boolean {
  try {
    checkAuthor(name);
    return true;
  } catch {
    return false;
  }
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

/** By the rule the console's confirmation shows (domain/action-params.ts); comments as Nagios text. */
function resolve(kind: ActionKind, params: ActionParams, now: number): ResolvedParams {
  try {
    const resolved = resolveParams(kind, params, now);
    return resolved.comment === undefined
      ? resolved
      : { ...resolved, comment: cleanText(resolved.comment) };
  } catch (err) {
    if (err instanceof ActionParamsError) {
      throw new ActionRefused(`${err.field}: ${err.message}`, err.field);
    }
    throw err;
  }
}
