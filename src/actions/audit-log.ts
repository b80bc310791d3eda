// The audit of actions as log lines: one when an action starts and one when it ends, so a log
// pipeline (the journal, a SIEM) sees who did what without reading the collector's database.
import type { ActionMessage, ActionView, TargetStatus } from '../domain/protocol.js';

/** What one audit line carries besides its message; `audit: 'action'` makes the lines easy to select. */
export interface AuditFields {
  audit: 'action';
  event: 'start' | 'end';
  action: number;
  author: string;
  kind: ActionView['kind'];
  targets: number;
  params: ActionView['params'];
  /** At the end: how many targets ended in each status (only those that did). */
  outcome?: Partial<Record<TargetStatus, number>>;
  /** At the end: how it went in one word (`nothing` when every target was skipped). */
  result?: ActionView['outcome'];
  /** At the end of a reboot another operator stopped: who. */
  cancelledBy?: string;
}

/** The audit line for an action message, or `null` for the steps between start and end. */
export function auditLine(message: ActionMessage): { fields: AuditFields; msg: string } | null {
  if (message.event !== 'started' && message.event !== 'finished') return null;
  const a = message.action;
  const fields: AuditFields = {
    audit: 'action',
    event: message.event === 'started' ? 'start' : 'end',
    action: a.id,
    author: a.author,
    kind: a.kind,
    targets: a.targets.length,
    params: a.params,
  };
  if (fields.event === 'end') {
    fields.outcome = Object.fromEntries(Object.entries(a.counts).filter(([, n]) => n > 0));
    fields.result = a.outcome;
    if (a.cancelledBy !== null) fields.cancelledBy = a.cancelledBy;
  }
  const ended = a.outcome === 'nothing' ? 'ended, nothing done' : 'ended';
  return { fields, msg: fields.event === 'start' ? a.summary : `${a.summary}: ${ended}` };
}

/**
 * How a finished action went, for the metrics: failed when any target failed or went
 * unconfirmed, nothing when every target was skipped.
 */
export function outcomeOf(action: ActionView): 'ok' | 'failed' | 'nothing' {
  const { failed, unconfirmed } = action.counts;
  if (failed + unconfirmed > 0) return 'failed';
  return action.outcome === 'nothing' ? 'nothing' : 'ok';
}
