// Which ids of a PostgreSQL table a reader has seen, when ids commit out of order (pure).
//
// A sequence hands out ids when rows are inserted, not when they commit: a transaction that took
// id 10 may commit after one that took id 11, and a reader that saw 11 must still read 10 later.
// Every id below the highest seen that was not seen yet is kept as a gap and read again, until it
// appears or the gap is older than `gapLifeMs`: ids of rolled-back transactions (and the ids a
// sequence skips after a crash) never appear, so gaps cannot wait for ever. Re-reading a window of
// recent ids instead would cost a read of the whole window on every wake-up; gaps cost an index
// range read each, and there are few (one per transaction still open when a later one committed).

/** Ids lo..hi (inclusive) not seen yet, first noticed at `since` (epoch ms). */
export interface Gap {
  lo: number;
  hi: number;
  since: number;
}

/** What the next read asks for: every id above `above`, and those in `gaps`. */
export interface NextRead {
  above: number;
  gaps: ReadonlyArray<readonly [lo: number, hi: number]>;
}

export class SeenIds {
  private top: number;
  private gaps: Gap[] = [];

  /**
   * `top`: every id up to it is already known (a load read the table up to there). `unsure`: how
   * many ids below `top` may still commit (a load cannot tell): read again as a gap.
   */
  constructor(
    top: number,
    private readonly gapLifeMs: number,
    now: number,
    unsure = 0,
    private readonly maxGaps = 10_000,
  ) {
    this.top = top;
    if (unsure > 0 && top > 0)
      this.gaps.push({ lo: Math.max(1, top - unsure + 1), hi: top, since: now });
  }

  /** The highest id seen. */
  get highest(): number {
    return this.top;
  }

  /** Every id at or below this one is seen or given up: what a checkpoint may claim to hold. */
  get settled(): number {
    return this.gaps.length === 0 ? this.top : this.gaps[0]!.lo - 1;
  }

  get openGaps(): readonly Gap[] {
    return this.gaps;
  }

  next(): NextRead {
    return { above: this.top, gaps: this.gaps.map((g) => [g.lo, g.hi] as const) };
  }

  /**
   * Takes the ids a read returned. Returns the ones not seen before (the rows to apply): a row read
   * both as above `top` and in a gap, or read twice by overlapping reads, counts once.
   */
  note(ids: readonly number[], now: number): number[] {
    const fresh: number[] = [];
    for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
      if (id > this.top) {
        if (id > this.top + 1) this.gaps.push({ lo: this.top + 1, hi: id - 1, since: now });
        this.top = id;
        fresh.push(id);
      } else if (this.fill(id)) {
        fresh.push(id);
      }
    }
    this.expire(now);
    return fresh;
  }

  /** Drops gaps older than the life of a transaction; returns how many ids were given up. */
  expire(now: number): number {
    let dropped = 0;
    const kept = this.gaps.filter((g) => {
      const old = now - g.since > this.gapLifeMs;
      if (old) dropped += g.hi - g.lo + 1;
      return !old;
    });
    // Past the bound the oldest go first: a read must stay one bounded query.
    while (kept.length > this.maxGaps) {
      const g = kept.shift()!;
      dropped += g.hi - g.lo + 1;
    }
    this.gaps = kept;
    return dropped;
  }

  /** Removes `id` from the gap holding it; false if it was in none (seen already). */
  private fill(id: number): boolean {
    const i = this.gaps.findIndex((g) => g.lo <= id && id <= g.hi);
    if (i < 0) return false;
    const g = this.gaps[i]!;
    const parts: Gap[] = [];
    if (g.lo < id) parts.push({ lo: g.lo, hi: id - 1, since: g.since });
    if (id < g.hi) parts.push({ lo: id + 1, hi: g.hi, since: g.since });
    this.gaps.splice(i, 1, ...parts);
    return true;
  }
}
