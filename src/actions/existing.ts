// What an action's targets already have that bears on it (downtimes in effect, an
// acknowledgement, a reboot under way), whose and until when, and which targets a request skips
// because of it: so operators never stack downtimes or take over acknowledgements silently. Pure.
import type { ActionKind, ExistingMute, ResolvedParams } from '../domain/protocol.js';
import type { DowntimeMatch } from '../domain/downtime-match.js';
import type { Muting, RebootView, SlaveView } from '../domain/slave.js';

/** What of a slave this needs: its mutes and its reboot. */
export type TargetFacts = Pick<SlaveView, 'name' | 'mutes' | 'reboot'>;

/** A slave's downtimes in effect, acknowledgement and reboot, as a dry run lists them. */
export function existingOf(slave: TargetFacts): ExistingMute[] {
  const out: ExistingMute[] = slave.mutes.map((m) =>
    m.kind === 'downtime'
      ? {
          slave: slave.name,
          kind: 'downtime',
          by: m.author,
          comment: m.comment,
          start: m.start,
          end: m.end,
          downtimeId: m.downtimeId,
        }
      : { slave: slave.name, kind: 'acknowledgement', by: m.author, comment: m.comment },
  );
  const r = slave.reboot;
  if (r !== null) {
    out.push({
      slave: slave.name,
      kind: 'reboot',
      by: r.by,
      actionId: r.actionId,
      phase: r.phase,
      since: r.since,
    });
  }
  return out;
}

/**
 * `in alice's downtime until 2026-12-25 05:12 UTC (slow pool)`, `in alice's downtime until back
 * (at most 2026-12-25 05:12 UTC) (hands)`, `acknowledged by bob (bug 42)`
 */
export function describeMuting(m: Muting): string {
  const why = m.comment === '' ? '' : ` (${m.comment})`;
  if (m.kind !== 'downtime') return `acknowledged by ${m.author}${why}`;
  const until = m.untilBack
    ? `until back (at most ${utcMinute(m.end)})`
    : `until ${utcMinute(m.end)}`;
  return `in ${m.author}'s downtime ${until}${why}`;
}

/** `being rebooted by alice (action 42)`, `needing hands after alice's reboot (action 42)` */
export function describeReboot(r: RebootView): string {
  return r.phase === 'rebooting'
    ? `being rebooted by ${r.by} (action ${r.actionId})`
    : `needing hands after ${r.by}'s reboot (action ${r.actionId})`;
}

/** Everything muting a slave in words; null when nothing does. */
export function describeMutes(mutes: readonly Muting[]): string | null {
  return mutes.length === 0 ? null : mutes.map(describeMuting).join(' and ');
}

/**
 * Why a request skips this target, or null to act on it. `skipMuted` skips a downtime or an
 * acknowledgement on a slave something already mutes; an acknowledgement never silently takes
 * over another operator's (unless `reacknowledge`).
 */
export function skipReason(
  kind: ActionKind,
  params: ResolvedParams,
  author: string,
  slave: TargetFacts,
): string | null {
  if (kind !== 'downtime' && kind !== 'ack') return null;
  const muted = describeMutes(slave.mutes);
  if (params.skipMuted && muted !== null) return `already muted: ${muted}`;
  if (kind !== 'ack' || params.reacknowledge) return null;
  const theirs = slave.mutes.find((m) => m.kind === 'acknowledgement' && m.author !== author);
  return theirs === undefined
    ? null
    : `already ${describeMuting(theirs)}: reacknowledge to take it over`;
}

/** `2026-12-25 05:12 UTC`: the API keeps ISO; words say it to the minute. */
function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The downtime action a cancel is limited to, as the audit log keeps it. */
export interface DowntimeActionFacts {
  author: string;
  params: ResolvedParams;
}

/**
 * Which downtimes a `cancel-downtime` removes: all (undefined), or only `params.author`'s, or only
 * those the downtime action `made` scheduled (its author, comment and window, exactly as written).
 * A string says why the two limits cannot both hold.
 */
export function downtimeMatchOf(
  params: ResolvedParams,
  made: DowntimeActionFacts | null,
): DowntimeMatch | undefined | string {
  if (made === null) return params.author === undefined ? undefined : { author: params.author };
  if (params.author !== undefined && params.author !== made.author) {
    return `params.author: action ${params.actionId}'s downtimes are ${made.author}'s, not ${params.author}'s: give one of author and actionId`;
  }
  return {
    author: made.author,
    comment: made.params.comment,
    start: Date.parse(made.params.start ?? ''),
    end: Date.parse(made.params.end ?? ''),
    fixed: made.params.fixed ?? true,
  };
}

/** Why a cancel skips a slave: it has none of the downtimes the cancel is limited to. */
export function nothingToCancel(params: ResolvedParams): string {
  if (params.actionId !== undefined) return `no downtime of action ${params.actionId}`;
  return params.author === undefined ? 'no downtime' : `no downtime by ${params.author}`;
}
