// The bound on slaves that heartbeats create outside the inventory (limits.unlisted_slaves): any
// heartbeat token could otherwise grow the fleet, and every list and snapshot with it, without end.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Fleet } from './fleet.js';

export type Admission = { ok: true; release: () => void } | { ok: false; error: string };

export class UnlistedCap {
  /** New names of batches admitted and not yet committed, so that batches in flight together count. */
  private readonly pending = new Set<string>();
  private reached = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly max: number,
    /** Called at the first refused batch, and again only after there was room once more. */
    private readonly onReached: (unlisted: number) => void,
  ) {}

  /** Slaves not in the inventory, counting those being created now. */
  get unlisted(): number {
    return this.fleet.unlistedCount + this.pending.size;
  }

  /** Admits a batch whole or refuses it whole; `release` once it is committed or failed. */
  admit(heartbeats: readonly Heartbeat[]): Admission {
    const fresh = new Set<string>();
    for (const h of heartbeats) {
      if (!this.fleet.get(h.slave) && !this.pending.has(h.slave)) fresh.add(h.slave);
    }
    if (fresh.size === 0) return { ok: true, release: () => {} };
    const unlisted = this.unlisted;
    if (unlisted + fresh.size > this.max) {
      if (!this.reached) this.onReached(unlisted);
      this.reached = true;
      return {
        ok: false,
        error:
          `this collector already has ${unlisted} slaves not in its inventory and the limit is ${this.max} ` +
          `(limits.unlisted_slaves in corral.yaml); this would add ${fresh.size} more: add them to the inventory or raise the limit`,
      };
    }
    // Room left after this batch (the inventory took slaves in): a later refusal is news again.
    if (unlisted + fresh.size < this.max) this.reached = false;
    for (const name of fresh) this.pending.add(name);
    return { ok: true, release: () => fresh.forEach((name) => this.pending.delete(name)) };
  }
}
