// The single-owner work, started when this collector becomes the owner and stopped the moment it
// is not: each job registers here once (the monitoring feed, reboot chains; park renewals and
// until-back cancels join the same way). Starts and stops run one after another, never interleaved.

/** One piece of single-owner work. `start` takes up what the store records; `close` stops it at once. */
export interface OwnerJob {
  /** For the log: `forwarding to Nagios`, `reboot chains`. */
  name: string;
  start(): void | Promise<void>;
  close(): void | Promise<void>;
}

export class OwnerJobs {
  private readonly jobs: OwnerJob[] = [];
  private running = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly warn: (details: Record<string, unknown>, msg: string) => void) {}

  /** Adds a job; it starts at once if this collector owns now. */
  register(job: OwnerJob): void {
    this.jobs.push(job);
    if (this.running) this.then(() => this.startOne(job));
  }

  /** Ownership changed: every job starts (in order) or stops (in reverse). */
  follow(owns: boolean): Promise<void> {
    if (owns === this.running) return this.queue;
    this.running = owns;
    const jobs = [...this.jobs];
    return this.then(async () => {
      if (owns) for (const job of jobs) await this.startOne(job);
      else for (const job of jobs.reverse()) await this.closeOne(job);
    });
  }

  /** Stops every job (the collector is stopping). */
  close(): Promise<void> {
    return this.follow(false);
  }

  private then(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step);
    return this.queue;
  }

  private async startOne(job: OwnerJob): Promise<void> {
    try {
      await job.start();
    } catch (err) {
      this.warn({ job: job.name, reason: (err as Error).message }, 'owner work did not start');
    }
  }

  private async closeOne(job: OwnerJob): Promise<void> {
    try {
      await job.close();
    } catch (err) {
      this.warn(
        { job: job.name, reason: (err as Error).message },
        'owner work did not stop cleanly',
      );
    }
  }
}
