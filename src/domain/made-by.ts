// Which corral action made each downtime on a slave ("made by"): every action that schedules
// downtimes leaves a claim (its slaves and the exact facts its downtimes carry), and a downtime
// read back from the monitoring system is that action's when a claim on its slave matches it. Pure.
import { downtimeMatches, type DowntimeMatch } from './downtime-match.js';
import { MAX_DOWNTIME_SECONDS } from './downtime-window.js';
import type { ActionKind, ResolvedParams } from './protocol.js';
import type { Muting } from './slave.js';
import type { SlaveMutes } from './slave-record.js';

/**
 * An action's downtimes on some slaves: every field of `match` is exact (author, comment, start,
 * end, fixed as written); `until` (epoch ms) is when none of them can be in effect any more.
 */
export interface DowntimeClaim {
  actionId: number;
  slaves: readonly string[];
  match: DowntimeMatch;
  until: number;
}

/** An action as the audit log keeps it, as much as its claims need. */
export interface ClaimingAction {
  id: number;
  kind: ActionKind;
  author: string;
  params: ResolvedParams;
  targets: ReadonlyArray<{ slave: string; status: string }>;
}

/**
 * The claims each kind of action leaves, from the action as recorded: one entry a kind that
 * schedules downtimes whose facts are in its parameters. A kind whose downtimes are made later
 * with facts of their own (a park's renewals, an extend) adds its claims to the index as it
 * schedules them instead.
 */
export const CLAIMS_OF: Partial<Record<ActionKind, (a: ClaimingAction) => DowntimeClaim[]>> = {
  downtime: (a) => [windowClaim(a, a.params)],
};

/** The claims a recorded action leaves (none for kinds that schedule no downtime). */
export function claimsOf(action: ClaimingAction): DowntimeClaim[] {
  return CLAIMS_OF[action.kind]?.(action) ?? [];
}

/**
 * A claim on the action's targets that were not skipped or failed, for a downtime of `window`'s
 * author, comment, start and fixedness (as the engine wrote them: whole seconds). Not its end:
 * the one thing an extend moves (the moved downtime is still the action's), so a claim lasts as
 * long as any downtime from that start can.
 */
export function windowClaim(a: ClaimingAction, window: ResolvedParams): DowntimeClaim {
  const match = downtimeIdentity(a.author, window);
  return {
    actionId: a.id,
    slaves: a.targets
      .filter((t) => t.status !== 'skipped' && t.status !== 'failed')
      .map((t) => t.slave),
    match,
    until: match.start! + MAX_DOWNTIME_SECONDS * 1000,
  };
}

/** What tells a downtime corral scheduled from any other: its author, comment, start, fixedness. */
export function downtimeIdentity(author: string, window: ResolvedParams): DowntimeMatch {
  return {
    author,
    comment: window.comment,
    start: Date.parse(window.start ?? ''),
    fixed: window.fixed ?? true,
  };
}

/** The downtime's facts as a match compares them (times epoch ms). */
function factsOf(m: Extract<Muting, { kind: 'downtime' }>) {
  return { ...m, start: Date.parse(m.start), end: Date.parse(m.end) };
}

/**
 * The mutes with each downtime's `actionId`: the newest claim on this slave that matches it, or
 * null when corral did not make it. `claims` are this slave's.
 */
export function attributeMutes(mutes: SlaveMutes, claims: readonly DowntimeClaim[]): SlaveMutes {
  const attribute = (m: Muting): Muting => {
    if (m.kind !== 'downtime') return m;
    const facts = factsOf(m);
    let actionId: number | null = null;
    for (const c of claims) {
      if (downtimeMatches(c.match, facts) && (actionId === null || c.actionId > actionId)) {
        actionId = c.actionId;
      }
    }
    return { ...m, actionId };
  };
  return { muted: mutes.muted && attribute(mutes.muted), mutes: mutes.mutes.map(attribute) };
}
