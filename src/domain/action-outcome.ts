// How a finished action went, in one word, from its targets' statuses: so an action that did
// nothing (every target skipped) is never shown as a success.
import type { ActionKind, ActionOutcome, TargetStatus } from './protocol.js';

/** The statuses that mean the action went through on that target, by kind. */
function wentThrough(kind: ActionKind, status: TargetStatus): boolean {
  switch (kind) {
    case 'reboot':
      return status === 'back';
    case 'cancel-reboot':
      return status === 'cancelled';
    case 'undo':
      // An undo of a reboot stops chains; of the others, a monitoring action.
      return status === 'cancelled' || status === 'confirmed' || status === 'sent';
    default:
      // Without a status file a sent command is as far as the collector can see.
      return status === 'confirmed' || status === 'sent';
  }
}

/** Null while the action runs; `cancelled` for a reboot any target of which was cancelled. */
export function outcomeOf(
  kind: ActionKind,
  targets: ReadonlyArray<{ status: TargetStatus }>,
  finished: boolean,
): ActionOutcome | null {
  if (!finished) return null;
  const acted = targets.filter((t) => t.status !== 'skipped');
  if (acted.length === 0) return 'nothing';
  if (kind === 'reboot' && acted.some((t) => t.status === 'cancelled')) return 'cancelled';
  const through = acted.filter((t) => wentThrough(kind, t.status)).length;
  if (through === acted.length) return 'done';
  return through === 0 ? 'failed' : 'partial';
}
