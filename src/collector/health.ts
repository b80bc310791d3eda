// What /healthz tells: each part of the collector reports its own trouble here, and one part in
// trouble makes the whole collector `degraded`, so a supervisor or Nagios sees it before a user does.

/** The parts that can be in trouble; the name is what /healthz shows. */
export type HealthPart =
  | 'store' // the database: writes failing (disk full, I/O error) or the writer behind
  | 'nagios-commands' // the Nagios command file cannot be written
  | 'nagios-status' // status.dat missing or stale
  | 'nagios-relay' // Nagios on another host: its relay is away, or reports a problem there
  | 'inventory' // the inventory file cannot be read (the last good one is kept)
  | 'icinga2'; // Icinga 2's API unreachable or refusing corral

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** Each part in trouble, with what is wrong, written for the operator. */
  problems: { part: HealthPart; problem: string; since: string }[];
}

export class Health {
  private readonly problems = new Map<HealthPart, { problem: string; since: number }>();

  /** A part says what is wrong with it now, or `null` once it is well again. */
  set(part: HealthPart, problem: string | null, now = Date.now()): void {
    if (problem === null) {
      this.problems.delete(part);
      return;
    }
    const before = this.problems.get(part);
    this.problems.set(part, { problem, since: before?.since ?? now });
  }

  problemOf(part: HealthPart): string | null {
    return this.problems.get(part)?.problem ?? null;
  }

  /** The part's problem and since when (epoch ms), or null when it is well. */
  troubleOf(part: HealthPart): { problem: string; since: number } | null {
    return this.problems.get(part) ?? null;
  }

  report(): HealthReport {
    const problems = [...this.problems].map(([part, p]) => ({
      part,
      problem: p.problem,
      since: new Date(p.since).toISOString(),
    }));
    return { status: problems.length === 0 ? 'ok' : 'degraded', problems };
  }
}
