// Slaves listed in the inventory that never sent a heartbeat: since when each is listed, and when its
// silence has lasted its critical threshold, so Nagios gets a result instead of PENDING for ever.

interface Listed {
  since: number;
  /** When the silence has lasted the slave's critical threshold (epoch ms). */
  due: number;
  submitted: boolean;
}

export interface NeverHeardSlave {
  name: string;
  criticalSeconds: number;
}

export class NeverHeard {
  private readonly listed = new Map<string, Listed>();

  /**
   * The never-heard slaves as listed now. A slave already known keeps the time it was first
   * listed (its threshold may have changed with its pool); one no longer listed is forgotten.
   */
  update(slaves: Iterable<NeverHeardSlave>, now: number): void {
    const seen = new Set<string>();
    for (const { name, criticalSeconds } of slaves) {
      seen.add(name);
      const since = this.listed.get(name)?.since ?? now;
      const submitted = this.listed.get(name)?.submitted ?? false;
      this.listed.set(name, { since, due: since + criticalSeconds * 1000, submitted });
    }
    for (const name of this.listed.keys()) if (!seen.has(name)) this.listed.delete(name);
  }

  /** The slave was heard from: it is no longer silent. */
  forget(name: string): void {
    this.listed.delete(name);
  }

  /** The slaves whose silence reached their threshold and that were not handed out yet. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (const [name, l] of this.listed) {
      if (l.submitted || now < l.due) continue;
      l.submitted = true;
      due.push(name);
    }
    return due;
  }

  /** False only for a silent slave whose threshold has not passed: Nagios should see it PENDING still. */
  maySend(name: string, now: number): boolean {
    const l = this.listed.get(name);
    return l === undefined || now >= l.due;
  }

  get size(): number {
    return this.listed.size;
  }
}
