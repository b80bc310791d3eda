// The claims of the downtimes corral made, by slave, so that every read-back tells corral's
// downtimes (and which action made each) from the others on the same slave. Fed by the engine as
// actions begin, by the audit log at start (so it survives restarts), and by any part that
// schedules downtimes of its own (a park's renewals, an extend) through `add`.
import {
  attributeMutes,
  claimsOf,
  type ClaimingAction,
  type DowntimeClaim,
} from '../domain/made-by.js';
import type { SlaveMutes } from '../domain/slave-record.js';

export class MadeByIndex {
  private readonly bySlave = new Map<string, DowntimeClaim[]>();

  /**
   * `live`: claims kept elsewhere and read as they stand (a parked slave's park: its downtimes,
   * renewed or not, are its park action's while it stays parked).
   */
  constructor(private readonly live: (slave: string) => DowntimeClaim[] = () => []) {}

  /** Adds claims; those already past their end are dropped. */
  add(claims: readonly DowntimeClaim[], now = Date.now()): void {
    for (const claim of claims) {
      if (claim.until <= now) continue;
      for (const slave of claim.slaves) {
        const list = this.bySlave.get(slave);
        if (list) list.push(claim);
        else this.bySlave.set(slave, [claim]);
      }
    }
  }

  /** The claims a recorded action leaves (CLAIMS_OF in domain/made-by.ts). */
  addAction(action: ClaimingAction, now = Date.now()): void {
    this.add(claimsOf(action), now);
  }

  /** Each slave's mutes with their downtimes' `actionId`; claims past their end are let go. */
  attribute(mutings: ReadonlyMap<string, SlaveMutes>, now = Date.now()): Map<string, SlaveMutes> {
    const out = new Map<string, SlaveMutes>();
    for (const [slave, mutes] of mutings) {
      out.set(slave, attributeMutes(mutes, this.claims(slave, now)));
    }
    return out;
  }

  /** This slave's claims still in effect. */
  claims(slave: string, now = Date.now()): DowntimeClaim[] {
    const list = this.bySlave.get(slave);
    const kept = list?.filter((c) => c.until > now) ?? [];
    if (list && kept.length === 0) this.bySlave.delete(slave);
    else if (list && kept.length < list.length) this.bySlave.set(slave, kept);
    const live = this.live(slave);
    return live.length === 0 ? kept : [...kept, ...live];
  }
}
