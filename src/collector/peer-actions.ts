// Which actions other collectors made, and what of them this collector's consoles have not been
// told yet: each stored action read again is compared with what was last broadcast (pure).
import type { ActionEvent, ActionMessage, ActionView } from '../domain/protocol.js';

/** Finished actions remembered (so a late wake-up for one is not broadcast again). */
const FINISHED_KEPT = 1000;
/** This collector's own actions remembered: far more than are ever under way at once. */
const OWN_KEPT = 10_000;

export class PeerActions {
  /** Actions this collector's engine made: its consoles hear of them from the engine. */
  private readonly own = new Set<number>();
  /** What was last broadcast of each action, as JSON. */
  private readonly told = new Map<number, string>();
  private readonly finished: number[] = [];

  /** The engine here numbered this action (before it is saved, so no read can see it first). */
  noteOwn(id: number): void {
    this.own.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.own.size > OWN_KEPT) this.own.delete(this.own.values().next().value!);
  }

  isOwn(id: number): boolean {
    return this.own.has(id);
  }

  /** The message for consoles if this action, as stored now, is news; null if not. */
  news(action: ActionView): ActionMessage | null {
    if (this.own.has(action.id)) return null;
    const json = JSON.stringify(action);
    const before = this.told.get(action.id);
    if (before === json) return null;
    this.told.set(action.id, json);
    const event: ActionEvent =
      action.finishedAt !== null ? 'finished' : before === undefined ? 'started' : 'progress';
    if (event === 'finished') this.forgetOldFinished(action.id);
    return { type: 'action', event, action };
  }

  private forgetOldFinished(id: number): void {
    this.finished.push(id);
    while (this.finished.length > FINISHED_KEPT) {
      const old = this.finished.shift()!;
      this.told.delete(old);
    }
  }
}
