// What an action's targets already have that bears on it (downtimes, acknowledgements, reboots
// under way), whose and until when, in lines for the confirmation; read from the live slaves, so
// the confirmation changes when another operator's downtime lands while it is open.
import type { ActionRequest } from '../domain/protocol.js';
import type { Muting, SlaveView } from '../domain/slave.js';
import { formatWhen } from './action-words.js';

export interface AlreadyThere {
  /** One line per author and end: `12 already in alice's downtime until 12-25 05:12 CET: slow pool`. */
  lines: string[];
  /** How many targets `s` would leave out: a downtime's or an ack's targets already muted. */
  skippable: number;
}

type Existing =
  | { kind: 'downtime'; by: string; end: string; comment: string }
  | { kind: 'acknowledgement'; by: string; comment: string }
  | { kind: 'reboot'; by: string; actionId: number; phase: 'rebooting' | 'needs-hands' }
  | { kind: 'park'; by: string; owner: string; reason: string };

/** The kinds a slave's downtimes and acknowledgement bear on. */
const MUTE_KINDS = new Set<ActionRequest['kind']>([
  'downtime',
  'ack',
  'reboot',
  'cancel-downtime',
  'remove-ack',
  'extend-downtime',
]);

/**
 * `you` is this console's operator: their own downtimes read `your`. The lines say what the
 * request does with them (skips, removes) when the request decides it.
 */
export function alreadyThere(
  request: ActionRequest,
  views: ReadonlyMap<string, { view: SlaveView }>,
  you: string | null,
  now: number,
): AlreadyThere {
  const groups = new Map<string, { existing: Existing; slaves: number }>();
  let skippable = 0;
  for (const name of request.targets) {
    const view = views.get(name)?.view;
    if (view === undefined) continue;
    const found = existingOf(view, request);
    if (found.length > 0 && skips(request, found)) skippable++;
    for (const e of found) {
      const key = JSON.stringify(e);
      const g = groups.get(key);
      if (g) g.slaves++;
      else groups.set(key, { existing: e, slaves: 1 });
    }
  }
  const lines = [...groups.values()]
    .sort((a, b) => b.slaves - a.slaves)
    .map(({ existing, slaves }) => lineOf(existing, slaves, request, you, now));
  return { lines, skippable };
}

function existingOf(view: SlaveView, request: ActionRequest): Existing[] {
  const out: Existing[] = [];
  const kind = request.kind;
  if (MUTE_KINDS.has(kind)) {
    for (const m of mutesOf(view)) {
      if (m.kind === 'downtime' && kind !== 'remove-ack') {
        // A cancel limited to one operator removes only theirs: the others stay, unsaid.
        if (
          kind === 'cancel-downtime' &&
          request.params?.author &&
          m.author !== request.params.author
        )
          continue;
        out.push({ kind: 'downtime', by: m.author, end: m.end, comment: m.comment });
      } else if (
        m.kind === 'acknowledgement' &&
        kind !== 'cancel-downtime' &&
        kind !== 'extend-downtime'
      ) {
        out.push({ kind: 'acknowledgement', by: m.author, comment: m.comment });
      }
    }
  }
  if ((kind === 'park' || kind === 'unpark') && view.parked) {
    const { by, owner, reason } = view.parked;
    out.push({ kind: 'park', by, owner, reason });
  }
  if ((kind === 'reboot' || kind === 'cancel-reboot') && view.reboot !== null) {
    const { by, actionId, phase } = view.reboot;
    out.push({ kind: 'reboot', by, actionId, phase });
  }
  return out;
}

/** Every downtime in effect and the acknowledgement; `muted` alone from a collector before `mutes`. */
function mutesOf(view: SlaveView): Muting[] {
  if (Array.isArray(view.mutes) && view.mutes.length > 0) return view.mutes;
  return view.muted ? [view.muted] : [];
}

/** Whether `s` (skipMuted) would leave this target out: a downtime's or an ack's target already muted. */
function skips(request: ActionRequest, found: Existing[]): boolean {
  if (request.kind !== 'downtime' && request.kind !== 'ack') return false;
  return found.some((e) => e.kind !== 'reboot');
}

function lineOf(
  e: Existing,
  slaves: number,
  request: ActionRequest,
  you: string | null,
  now: number,
): string {
  const whose = e.by === you ? 'your' : `${e.by}'s`;
  const n = `${slaves}`;
  const why = 'comment' in e && e.comment !== '' ? `: ${e.comment}` : '';
  if (e.kind === 'downtime') {
    const until = `until ${formatWhen(Date.parse(e.end), now)}`;
    if (request.kind === 'cancel-downtime')
      return `removes ${whose} downtime ${until} on ${n}${why}`;
    if (request.kind === 'extend-downtime') return `moves ${whose} downtime ${until} on ${n}${why}`;
    return `${n} already in ${whose} downtime ${until}${why}${skipWords(request)}`;
  }
  if (e.kind === 'acknowledgement') {
    if (request.kind === 'remove-ack') return `removes ${whose} acknowledgement on ${n}${why}`;
    const other = request.kind === 'ack' && e.by !== you && !request.params?.reacknowledge;
    const skip =
      other && !request.params?.skipMuted
        ? ': skipped (acknowledged by another operator)'
        : skipWords(request);
    return `${n} already acknowledged by ${e.by === you ? 'you' : e.by}${why}${skip}`;
  }
  if (e.kind === 'park') {
    const park = `parked by ${e.by === you ? 'you' : e.by} for ${e.owner}: ${e.reason}`;
    return request.kind === 'unpark'
      ? `ends the park of ${n}, ${park}`
      : `${n} already ${park}: skipped`;
  }
  if (request.kind === 'cancel-reboot') {
    return `cancels ${whose} reboot #${e.actionId} of ${n} (${e.phase === 'rebooting' ? 'rebooting' : 'needing hands'})`;
  }
  const doing = e.phase === 'rebooting' ? 'being rebooted' : 'needing hands after a reboot';
  return `${n} ${doing} by ${e.by === you ? 'you' : e.by} (#${e.actionId}): skipped`;
}

function skipWords(request: ActionRequest): string {
  const p = request.params ?? {};
  if (request.kind === 'downtime' || request.kind === 'ack')
    return p.skipMuted ? ': skipped (s includes them)' : ' (s skips them)';
  return '';
}

/** The confirmation's keys for them: `s` skips the muted targets of a downtime or ack, `o` limits a cancel to yours. */
export function alreadyThereKeys(request: ActionRequest, found: AlreadyThere): string {
  const keys: string[] = [];
  if (found.skippable > 0) {
    keys.push(
      request.params?.skipMuted
        ? `s includes the ${found.skippable} muted`
        : `s skips the ${found.skippable} muted`,
    );
  }
  if (request.kind === 'cancel-downtime')
    keys.push(request.params?.author ? 'o everyone’s downtimes' : 'o only yours');
  return keys.map((k) => ` · ${k}`).join('');
}
