// Results waiting while Icinga 2 is unreachable: only each slave's newest is kept (an older one
// would only be overwritten), at most `limit` slaves; past that the oldest waiting go, and are counted.
import type { PassiveResult } from '../monitoring/monitor.js';

export class ResultQueue {
  private readonly waiting = new Map<string, PassiveResult>();
  /** Results given up since the last `takeDropped`: their slaves' states must be sent again whole. */
  private dropped = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.waiting.size;
  }

  put(result: PassiveResult): void {
    // Deleted first so that a newer result moves the slave to the back of the line.
    this.waiting.delete(result.slave.name);
    this.waiting.set(result.slave.name, result);
    if (this.waiting.size > this.limit) {
      const oldest = this.waiting.keys().next().value!;
      this.waiting.delete(oldest);
      this.dropped++;
    }
  }

  /** Up to `n` results, oldest first, removed from the queue. */
  take(n: number): PassiveResult[] {
    const out: PassiveResult[] = [];
    for (const [name, r] of this.waiting) {
      if (out.length === n) break;
      out.push(r);
      this.waiting.delete(name);
    }
    return out;
  }

  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}
