// The collector's stream applied to the console's data: hello, snapshot, delta (with the sequence
// check), action progress, dry-run answers and errors. Pure: a batch in, a patch out.
import type { ActionView, AnyServerMessage } from '../../domain/protocol.js';
import { mergeLog } from '../action-words.js';
import { toRow, type Row } from '../rows.js';
import type { ConsoleData } from './console-data.js';
import { inFlightOf } from './in-flight.js';

export interface AppliedMessages {
  /** The fields the batch changed (and the clock, always). */
  patch: Partial<ConsoleData>;
  /** The slaves changed: the view must be sorted and counted again. */
  slavesChanged: boolean;
  /** A sequence gap: deltas are dropped until a fresh snapshot, which the client asks for. */
  needResync: boolean;
}

/** Applies socket messages received since the last flush, in order, as one patch. */
export function applyServerMessages(
  s: ConsoleData,
  messages: readonly AnyServerMessage[],
  localNow: number,
): AppliedMessages {
  let { policy, offsetMs, seq, you, marks, serverError, nagios, reboot, own, confirm, log } = s;
  let monitoring = s.monitoring;
  let database = s.database;
  let hygiene = s.hygiene;
  let actions: Map<number, ActionView> | null = null;
  let slaves: Map<string, Row> | null = null;
  let needResync = false;
  let rethreshold = false;
  const rows = () => (slaves ??= new Map(s.slaves));
  for (const m of messages) {
    if (m.type === 'error') {
      if (m.requestId !== undefined && m.requestId === own?.requestId) {
        own = { ...own, error: m.error };
      } else if (m.requestId !== undefined && m.requestId === confirm?.dryRun?.requestId) {
        confirm = {
          ...confirm,
          dryRun: { ...confirm.dryRun, status: 'error', error: m.error },
        };
      } else serverError = m.error;
      continue;
    }
    if (m.type === 'action') {
      actions ??= new Map(s.actions);
      if (m.event === 'finished') actions.delete(m.action.id);
      else actions.set(m.action.id, m.action);
      log = mergeLog(log, [m.action]);
      if (m.requestId !== undefined && m.requestId === own?.requestId) {
        own = { ...own, actionId: m.action.id };
      }
      continue;
    }
    if (m.type === 'monitoring') {
      monitoring = m.monitoring;
      continue;
    }
    if (m.type === 'database') {
      database = m.database;
      continue;
    }
    if (m.type === 'hygiene') {
      hygiene = m.items;
      continue;
    }
    if (m.type === 'dry-run') {
      if (m.requestId !== undefined && m.requestId === confirm?.dryRun?.requestId) {
        const failing = m.targets.filter((t) => t.status === 'failed');
        const dryRun = {
          ...confirm.dryRun,
          status: 'ready' as const,
          lines: m.lines,
          failing,
        };
        confirm = { ...confirm, dryRun };
      }
      continue;
    }
    // Anything else that is not about slaves (a newer message) is not ours.
    if (m.type !== 'hello' && m.type !== 'snapshot' && m.type !== 'delta') continue;
    offsetMs = Date.parse(m.serverTime) - localNow;
    if (m.type === 'hello') {
      policy = m.thresholds;
      you = m.you;
      nagios = (m.nagios ?? m.actions) !== false;
      reboot = m.reboot ?? null;
      monitoring = m.monitoring ?? null;
      database = m.database ?? null;
      // A collector that does not say has nothing for us: what another one said is not kept.
      hygiene = m.hygiene ?? [];
      rethreshold = true;
    } else if (m.type === 'snapshot') {
      const now = localNow + offsetMs;
      slaves = new Map(m.slaves.map((v) => [v.name, toRow(v, policy, now)]));
      seq = m.seq;
      needResync = false;
    } else if (seq === null || m.seq !== seq + 1) {
      // A gap: drop deltas until the fresh snapshot arrives.
      needResync = true;
      seq = null;
    } else {
      const now = localNow + offsetMs;
      const map = rows();
      for (const v of m.changed) map.set(v.name, toRow(v, policy, now));
      for (const name of m.removed) map.delete(name);
      seq = m.seq;
    }
  }
  const now = localNow + offsetMs;
  // New thresholds in a hello with no snapshot after it: the rows we have take them.
  if (rethreshold && slaves === null && s.slaves.size > 0) {
    slaves = new Map([...s.slaves].map(([k, r]) => [k, toRow(r.view, policy, now)]));
  }
  if (slaves !== null) marks = pruneMarks(marks, slaves);
  const patch: Partial<ConsoleData> = {
    policy,
    offsetMs,
    seq,
    you,
    marks,
    serverError,
    nagios,
    reboot,
    monitoring,
    database,
    hygiene,
    ...(hygiene !== s.hygiene
      ? { hygieneCursor: Math.min(s.hygieneCursor, Math.max(hygiene.length - 1, 0)) }
      : {}),
    own,
    confirm,
    log,
    now,
    ...(slaves !== null ? { slaves } : {}),
    ...(actions !== null ? { actions, inFlight: inFlightOf(actions) } : {}),
  };
  return { patch, slavesChanged: slaves !== null, needResync };
}

/** Marks of slaves the collector no longer has are forgotten; the same set when none left. */
export function pruneMarks(
  marks: ReadonlySet<string>,
  slaves: ReadonlyMap<string, Row>,
): ReadonlySet<string> {
  if ([...marks].every((m) => slaves.has(m))) return marks;
  return new Set([...marks].filter((m) => slaves.has(m)));
}
