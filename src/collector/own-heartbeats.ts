// The heartbeats this collector is committing, so that reading the shared log it skips its own
// (already in its fleet and forwarded) and folds only what other collectors took.
import type { Heartbeat } from '../domain/heartbeat.js';

/** Same slave, kind, time and words: the same heartbeat, whichever collector stored it. */
function keyOf(h: Heartbeat): string {
  return `${h.slave}\n${h.kind}\n${h.at}\n${h.master ?? ''}\n${h.pool ?? ''}\n${h.message ?? ''}`;
}

export class OwnHeartbeats {
  /** How many of each heartbeat are expected back, and until when (epoch ms). */
  private readonly expected = new Map<string, { count: number; until: number }>();

  constructor(private readonly lifeMs: number) {}

  get size(): number {
    return this.expected.size;
  }

  /** Before the write: a read may see the commit before the writer's answer arrives. */
  expect(heartbeats: readonly Heartbeat[], now: number): void {
    for (const h of heartbeats) {
      const key = keyOf(h);
      const entry = this.expected.get(key);
      this.expected.set(key, { count: (entry?.count ?? 0) + 1, until: now + this.lifeMs });
    }
  }

  /**
   * The write failed: these are not ours. A slave whose heartbeat got a 503 here sends it to
   * another collector, and that copy must be folded in, not skipped as ours.
   */
  forget(heartbeats: readonly Heartbeat[]): void {
    for (const h of heartbeats) this.take(keyOf(h));
  }

  /** The heartbeats read from the log that another collector stored; ours are taken off the list. */
  others(read: readonly Heartbeat[], now: number): Heartbeat[] {
    this.expire(now);
    return read.filter((h) => !this.take(keyOf(h)));
  }

  private take(key: string): boolean {
    const entry = this.expected.get(key);
    if (!entry) return false;
    if (entry.count > 1) entry.count--;
    else this.expected.delete(key);
    return true;
  }

  /** One that never came back (read lagging past its life) is folded as another's: harmless. */
  private expire(now: number): void {
    for (const [key, entry] of this.expected) if (entry.until < now) this.expected.delete(key);
  }
}
