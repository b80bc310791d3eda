// Actions in words, as the console shows them: the log line (`05:12 CET jdoe scheduled a 30d
// downtime on 48 slaves — 48 confirmed`), progress counts, and what a request will do, in local time.
import { ActionParamsError, resolveParams } from '../domain/action-params.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import type {
  ActionRequest,
  ActionTargetView,
  ActionView,
  RebootChains,
  ResolvedParams,
  TargetStatus,
} from '../domain/protocol.js';
import { zoneName } from './format.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `05:12 CET` today, `11-24 05:12 CET` another day: local, with the zone that applied then. */
export function formatWhen(ms: number, nowMs: number): string {
  const d = new Date(ms);
  const n = new Date(nowMs);
  const sameDay =
    d.getFullYear() === n.getFullYear() &&
    d.getMonth() === n.getMonth() &&
    d.getDate() === n.getDate();
  const day = sameDay ? '' : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
  return `${day}${pad(d.getHours())}:${pad(d.getMinutes())} ${zoneName(ms)}`;
}

/** Settled first: what an operator wants to know is how many are done, then what is left. */
const COUNT_ORDER: TargetStatus[] = [
  'confirmed',
  'back',
  'sent',
  'rebooting',
  'pending',
  'failed',
  'unconfirmed',
  'needs-hands',
  'cancelled',
  'skipped',
];
const COUNT_WORDS: Record<TargetStatus, string> = {
  confirmed: 'confirmed',
  back: 'back',
  sent: 'sent, waiting for Nagios',
  rebooting: 'rebooting',
  pending: 'pending',
  failed: 'failed',
  unconfirmed: 'not confirmed by Nagios',
  'needs-hands': 'need hands',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** What an operator must look at: a target that failed, or a slave that did not come back. */
export const BAD_STATUSES: ReadonlySet<TargetStatus> = new Set([
  'failed',
  'unconfirmed',
  'needs-hands',
]);

export interface OutcomeMark {
  mark: string;
  /** An Ink colour; null for none. */
  tone: string | null;
  /** `did nothing`, `cancelled by bob`; empty when the counts say it all (done, failed). */
  words: string;
}

/**
 * From the collector's `outcome` (and `cancelledBy`); from the targets when the collector is
 * older and says none, as before.
 */
export function outcomeMark(action: ActionView): OutcomeMark {
  if (action.finishedAt === null) return { mark: '…', tone: 'cyan', words: '' };
  switch (action.outcome ?? fallbackOutcome(action)) {
    case 'done':
      return { mark: '✓', tone: 'green', words: '' };
    case 'nothing':
      return { mark: '○', tone: 'yellow', words: 'did nothing' };
    case 'cancelled':
      return {
        mark: '⊘',
        tone: 'yellow',
        words: action.cancelledBy ? `cancelled by ${action.cancelledBy}` : 'cancelled',
      };
    case 'partial':
    case 'failed':
      // The counts say what failed.
      return { mark: '✖', tone: 'red', words: '' };
  }
}

function fallbackOutcome(action: ActionView): 'done' | 'failed' {
  return action.targets.some((t) => BAD_STATUSES.has(t.status)) ? 'failed' : 'done';
}

/** What the ACTION column says of an action in flight on one slave, with its author: `downtime sent jdoe`. */
export function inFlightWords(action: ActionView, target: ActionTargetView): string {
  return `${action.kind} ${target.status} ${action.author}`;
}

/** `46 confirmed · 2 failed`. */
export function countsWords(action: ActionView): string {
  return COUNT_ORDER.filter((s) => action.counts[s] > 0)
    .map((s) => `${action.counts[s]} ${COUNT_WORDS[s]}`)
    .join(' · ');
}

/** `05:12 CET ○ did nothing: bob rebooted 3 slaves — 3 skipped`: the mark never a tick for nothing done. */
export function logLine(action: ActionView, nowMs: number): string {
  const counts = countsWords(action);
  const { mark, words } = outcomeMark(action);
  const undone = undoneWords(action);
  return `${formatWhen(Date.parse(action.at), nowMs)} ${mark} ${words ? `${words}: ` : ''}${action.summary}${counts ? ` — ${counts}` : ''}${undone ? ` · ${undone}` : ''}`;
}

/** `undone by bob (#14)`; empty while the action is not undone. */
export function undoneWords(action: Pick<ActionView, 'undoneBy'>): string {
  const u = action.undoneBy;
  return u ? `undone by ${u.by} (#${u.actionId})` : '';
}

/** Newest first, one entry per action id, the further-along version of each kept. */
export function mergeLog(
  log: readonly ActionView[],
  incoming: readonly ActionView[],
  keep = 200,
): ActionView[] {
  const byId = new Map(log.map((a) => [a.id, a]));
  for (const a of incoming) {
    const had = byId.get(a.id);
    if (!had || progressOf(a) >= progressOf(had)) byId.set(a.id, a);
  }
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, keep);
}

/** How far an action has got: a finished one beats any unfinished copy, more settled targets beat fewer. */
function progressOf(a: ActionView): number {
  const c = a.counts;
  const settled =
    c.confirmed + c.failed + c.unconfirmed + c.back + c['needs-hands'] + c.cancelled + c.skipped;
  const sent = c.sent + c.rebooting;
  return (a.finishedAt !== null ? 1e9 : 0) + settled * 2 + sent;
}

const KIND_WORDS: Record<ActionRequest['kind'], string> = {
  downtime: 'schedule a downtime',
  'cancel-downtime': 'cancel the downtimes',
  recheck: 're-submit the current state to Nagios',
  'force-check': 'force a check now',
  ack: 'acknowledge the problem',
  'remove-ack': 'remove the acknowledgement',
  reboot: 'reboot',
  'cancel-reboot': 'cancel the reboots',
  park: 'park',
  unpark: 'unpark',
  'extend-downtime': 'move the end of the downtimes',
  undo: 'undo the action',
};

/** The confirmation's question: `Reboot 12 slaves?`, `Schedule a fixed downtime of 2h on 3 slaves?` */
export function confirmTitle(request: ActionRequest, nowMs: number): string {
  const n = request.targets.length;
  const slaves = `${n} slave${n === 1 ? '' : 's'}`;
  if (request.kind === 'reboot') return `Reboot ${slaves}?`;
  if (request.kind === 'cancel-reboot') return `Cancel the reboots of ${slaves}?`;
  if (request.kind === 'undo') return `Undo action #${request.params?.actionId} on ${slaves}?`;
  if (request.kind === 'park') return `Park ${slaves}?`;
  if (request.kind === 'unpark') return `Unpark ${slaves}?`;
  const what = requestWords(request, nowMs)[0]!;
  return `${what[0]!.toUpperCase()}${what.slice(1)} on ${slaves}?`;
}

/**
 * The methods the targets' pools will go through, in order: one line for the default chain, one
 * for each pool with its own. `pools` are the targets' pools.
 */
export function chainWords(chains: RebootChains, pools: ReadonlyArray<string | null>): string[] {
  const arrow = (names: readonly string[]) =>
    names.length === 0 ? 'none configured: these slaves fail' : names.join(' → ');
  const own = [...new Set(pools)].filter(
    (p): p is string => p !== null && Object.hasOwn(chains.pools, p),
  );
  const usesDefault = pools.some((p) => p === null || !Object.hasOwn(chains.pools, p));
  return [
    ...(usesDefault ? [`methods, in order: ${arrow(chains.methods)}`] : []),
    ...own.sort().map((p) => `methods for pool ${p}: ${arrow(chains.pools[p]!)}`),
  ];
}

/** What a request will do, in words and local times, one line each, for the confirmation. */
export function requestWords(request: ActionRequest, nowMs: number): string[] {
  const lines = [KIND_WORDS[request.kind]];
  let p: ResolvedParams;
  try {
    p = resolveParams(request.kind, request.params ?? {}, nowMs);
  } catch (err) {
    // The form was valid when it was sent here; an end time can pass while the operator reads.
    if (!(err instanceof ActionParamsError)) throw err;
    return [...lines, `the collector would refuse it: ${err.message}`];
  }
  const asked = request.params ?? {};
  if (request.kind === 'downtime') {
    const start = Date.parse(p.start!);
    const end = Date.parse(p.end!);
    const length = formatDuration((end - start) / 1000);
    lines[0] = p.fixed
      ? `schedule a fixed downtime of ${length}`
      : `schedule a flexible downtime of ${length}: it starts when the slave goes non-OK within the window`;
    lines.push(`from now (${formatWhen(start, nowMs)}) until ${formatWhen(end, nowMs)}`);
    if (asked.untilBack) {
      lines.push(
        `until back: each ends at its slave's next buildbot start (corral cancels it), at the latest ${formatWhen(end, nowMs)}`,
      );
    }
  }
  // Park, unpark and undo have their own titles (confirmTitle): what they do follows it.
  if (request.kind === 'park') lines.push(...parkWords(asked, nowMs));
  if (request.kind === 'unpark') {
    lines.push('corral stops keeping them muted and cancels the downtimes of their park');
  }
  if (request.kind === 'extend-downtime') lines[0] = extendWords(asked, nowMs);
  if (request.kind === 'undo') {
    lines.push(
      'removes what that action made (its downtimes, acknowledgements, parks; reboots not run yet); a target changed since is left as it is',
    );
  }
  if (request.kind === 'ack') {
    lines[0] = p.sticky
      ? 'acknowledge the problem (sticky: until the slave is OK again)'
      : 'acknowledge the problem (not sticky: until the next change of state)';
  }
  if (request.kind === 'reboot') {
    lines.push(
      'each slave is done when it sends its next buildbot start; needs hands when every method failed',
    );
    if (asked.downtimeUntilBack) {
      lines.push(
        'and a downtime on each until it starts again: it alerts only if it does not come back',
      );
    }
  }
  if (p.comment !== undefined) lines.push(`comment: ${p.comment}`);
  return lines;
}

/** A park in words: kept muted until unparked, why, whose, when to look again, the ticket. */
function parkWords(asked: NonNullable<ActionRequest['params']>, nowMs: number): string[] {
  const review = asked.review === undefined ? null : reviewTime(asked.review, nowMs);
  return [
    'corral keeps them muted (it renews their downtime) until they are unparked',
    `reason: ${asked.reason ?? ''}`,
    `owner: ${asked.owner ?? 'you'}${asked.ticket ? ` · ticket: ${asked.ticket}` : ''}`,
    review === null
      ? 'no review date'
      : `review due ${formatWhen(review, nowMs)}: flagged in the console and corral ls then`,
  ];
}

/** When a review given as `30d` or a time falls; null when it is neither. */
function reviewTime(review: string, nowMs: number): number | null {
  const seconds = parseDuration(review);
  if (seconds !== null) return nowMs + seconds * 1000;
  const at = Date.parse(review);
  return Number.isNaN(at) ? null : at;
}

/** `move the end of their downtimes 7d later` / `2h earlier` / `to 18:00 CET`. */
function extendWords(asked: NonNullable<ActionRequest['params']>, nowMs: number): string {
  const head = 'move the end of their downtimes';
  if (asked.until !== undefined) return `${head} to ${formatWhen(Date.parse(asked.until), nowMs)}`;
  const text = asked.extend ?? '';
  const seconds = parseDuration(text.replace(/^-/, ''));
  if (seconds === null) return `${head} by ${text}`;
  return `${head} ${formatDuration(seconds)} ${text.startsWith('-') ? 'earlier' : 'later'}`;
}
