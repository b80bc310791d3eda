// One line saying what an action did, as consoles and the audit log show it:
// `jdoe scheduled a 30d downtime on 48 slaves`.
import { formatDuration } from '../domain/duration.js';
import type { ActionKind, ResolvedParams } from '../domain/protocol.js';

export function describeAction(
  author: string,
  kind: ActionKind,
  params: ResolvedParams,
  targetCount: number,
  now: number,
  /** cancel-downtime: whose downtimes it removes. */
  owners: readonly string[] = [],
): string {
  const slaves = `${targetCount} slave${targetCount === 1 ? '' : 's'}`;
  switch (kind) {
    case 'downtime':
      return `${author} scheduled ${downtimePhrase(params, now)} on ${slaves}`;
    case 'cancel-downtime':
      return `${author} cancelled ${whose(owners, params.actionId)}downtimes of ${slaves}`;
    case 'recheck':
      return `${author} re-submitted the current state of ${slaves} to Nagios`;
    case 'force-check':
      return `${author} forced a check of ${slaves}`;
    case 'ack':
      return `${author} acknowledged ${slaves}${params.sticky === false ? ' (not sticky)' : ''}`;
    case 'remove-ack':
      return `${author} removed the acknowledgement of ${slaves}`;
    case 'reboot':
      return `${author} rebooted ${slaves}${params.includeMuted ? ' (muted ones included)' : ''}${params.untilBack ? ', each in a downtime until it is back' : ''}`;
    case 'cancel-reboot':
      return `${author} cancelled the reboots of ${slaves}`;
    case 'park':
      return `${author} parked ${slaves}`;
    case 'unpark':
      return `${author} unparked ${slaves}`;
    case 'extend-downtime':
      return `${author} ${moveVerb(params)} ${whose(owners, params.actionId)}downtimes of ${slaves}${moveHow(params)}`;
    case 'undo':
      return `${author} undid action ${params.actionId} on ${slaves}`;
  }
}

/** `alice's `, `alice's and carol's `, `action 17's (alice's) `, or `the ` when nobody's. */
function whose(owners: readonly string[], actionId: number | undefined): string {
  const names = owners.map((o) => `${o}'s`);
  const list =
    names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  if (actionId !== undefined) return `action ${actionId}'s ${list === '' ? '' : `(${list}) `}`;
  return list === '' ? 'the ' : `${list} `;
}

function moveVerb(p: ResolvedParams): string {
  if (p.extendSeconds === undefined) return 'moved the end of';
  return p.extendSeconds > 0 ? 'extended' : 'shortened';
}

/** ` by 7d`, ` to 2026-12-24T18:00:00.000Z` */
function moveHow(p: ResolvedParams): string {
  if (p.extendSeconds === undefined) return ` to ${p.end}`;
  return ` by ${formatDuration(Math.abs(p.extendSeconds))}`;
}

/**
 * `a 30d downtime`, `a flexible 2h downtime`, `a 2h downtime from 2026-11-25T18:00:00Z`,
 * `a downtime until back (at most 7d)`.
 */
function downtimePhrase(p: ResolvedParams, now: number): string {
  const start = Date.parse(p.start ?? '');
  const end = Date.parse(p.end ?? '');
  const length = p.fixed === false ? (p.durationSeconds ?? 0) : (end - start) / 1000;
  const flexible = p.fixed === false ? 'flexible ' : '';
  // A start within a minute of the request is "now"; a later one is named, in UTC.
  const from = start - now > 60_000 ? ` from ${p.start}` : '';
  if (p.untilBack)
    return `a ${flexible}downtime until back (at most ${formatDuration(length)})${from}`;
  return `a ${flexible}${formatDuration(length)} downtime${from}`;
}
