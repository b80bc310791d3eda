// The collector's database as consoles see it: what is wrong and since when (from the store's
// health), told to every console when it changes, and the one line an action is refused with.
import type { DatabaseStatus } from '../domain/protocol.js';

export class DatabaseWatch {
  private status: DatabaseStatus = { problem: null, since: null };

  constructor(
    /** The store's problem now (null: all is well), and since when (epoch ms). */
    private readonly read: () => { problem: string; since: number } | null,
    private readonly onChange: (status: DatabaseStatus) => void,
  ) {
    this.refresh();
  }

  get current(): DatabaseStatus {
    return this.status;
  }

  /** Why no action can be taken now, or null. */
  refusal(): string | null {
    const { problem, since } = this.status;
    if (problem === null) return null;
    const when = since === null ? '' : ` since ${since}`;
    return `actions are refused while the database is unavailable${when}: ${problem}; nothing was done, retry once it is back`;
  }

  /** Reads the store's health again; tells `onChange` only when a console would show a change. */
  refresh(): void {
    const now = this.read();
    const next: DatabaseStatus =
      now === null
        ? { problem: null, since: null }
        : { problem: now.problem, since: new Date(now.since).toISOString() };
    if (next.problem === this.status.problem && next.since === this.status.since) return;
    this.status = next;
    this.onChange(next);
  }
}
