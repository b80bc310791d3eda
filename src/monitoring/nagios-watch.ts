// Whether Nagios is there, told truthfully: every second it reads status.dat (in its own thread) and
// probes the command file, puts each problem on /healthz and in the log once (until it changes), and
// says when Nagios is back (a new program_start, or the command file read again after failures).
import type { Logger } from 'pino';
import type { LineWriter } from '../nagios/bridge.js';
import {
  CommandFileError,
  type CommandFileWriter,
  type WriteResult,
} from '../nagios/command-file.js';
import { accessProblem } from '../nagios/file-access.js';
import type { NagiosStatus } from '../nagios/status-file.js';
import type { HealthParts, MonitoringPart } from './health-parts.js';
import { StatusThread } from './status-thread.js';

const POLL_MS = 1000;
/** status.dat older than this many of Nagios's status intervals: Nagios is not writing it. */
export const STALE_INTERVALS = 3;

export interface WatchOptions {
  statusFile: string | null;
  statusIntervalSeconds: number;
}

/** The one metric the watch counts (the collector's Metrics has it). */
export interface WatchMetrics {
  nagiosWriteFailures: { inc(labels: { problem: string }): void };
}

export interface WatchEvents {
  /** A whole status.dat that changed since the last one. */
  onStatus(status: NagiosStatus): void;
  /** Nagios is back after an outage: whatever it was sent meanwhile may be lost. */
  onBack(why: string): void;
  /** A problem of the command file or status.dat appeared, changed or went away. */
  onHealth?(): void;
}

/** One line when status.dat is older than it may be; null while it is fresh enough. Pure. */
export function staleStatusProblem(
  file: string,
  created: number | null,
  now: number,
  intervalSeconds: number,
): string | null {
  if (created === null) return null;
  const ageSeconds = Math.floor((now - created) / 1000);
  if (ageSeconds <= STALE_INTERVALS * intervalSeconds) return null;
  // The same words for as long as it stays stale (no age, no time: those are in /metrics and in
  // the problem's `since`), so a Nagios that is slow to rewrite it is one log line, not one a poll.
  return `${file} is older than ${STALE_INTERVALS} status intervals of ${intervalSeconds}s: is Nagios running? (nagios.status_interval in corral.yaml is status_update_interval from nagios.cfg)`;
}

export class NagiosWatch implements LineWriter {
  private readonly reader: StatusThread | null;
  private latest: NagiosStatus | null = null;
  private programStart: number | null = null;
  /** Set when a write or probe found nobody reading the command file; cleared when Nagios is back. */
  private down = false;
  private readonly timer: NodeJS.Timeout;
  private polling = false;
  private closed = false;

  constructor(
    private readonly options: WatchOptions,
    private readonly commands: CommandFileWriter,
    private readonly health: HealthParts,
    private readonly metrics: WatchMetrics,
    private readonly log: Logger,
    private readonly events: WatchEvents,
  ) {
    this.reader = options.statusFile ? new StatusThread(options.statusFile) : null;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** status.dat as last read whole; null without a status file or before the first read. */
  get status(): NagiosStatus | null {
    return this.latest;
  }

  /** False from a failed write or probe until Nagios reads the command file again. */
  get reachable(): boolean {
    return !this.down;
  }

  statusAgeSeconds(now: number): number | null {
    const created = this.latest?.created ?? null;
    return created === null ? null : Math.max(0, (now - created) / 1000);
  }

  /** Every write to the command file (results and actions alike) passes here and is judged. */
  async write(lines: readonly string[]): Promise<WriteResult> {
    try {
      const result = await this.commands.write(lines);
      this.judgeCommands(null);
      return result;
    } catch (err) {
      if (err instanceof CommandFileError) {
        this.metrics.nagiosWriteFailures.inc({ problem: err.problem });
        this.judgeCommands(err);
      }
      throw err;
    }
  }

  /** One round: status.dat, then the command file. Overlapping calls share nothing: one runs. */
  async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await this.pollStatus();
      if (!this.closed) this.judgeCommands(await this.commands.probe());
      // At CORRAL_LOG_LEVEL=debug: a steady problem is logged once, this says polls go on.
      this.log.debug("Nagios's files polled");
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.reader?.close();
  }

  private async pollStatus(): Promise<void> {
    if (!this.reader) return;
    const file = this.reader.path;
    let read;
    try {
      read = await this.reader.read();
    } catch (err) {
      if (this.closed) return;
      this.report(
        'nagios-status',
        accessProblem(file, 'read') ?? `cannot read ${file}: ${(err as Error).message}`,
      );
      return;
    }
    if (read === null) return; // not whole yet: the next round reads it again
    if (read.fresh) this.takeStatus(read.status);
    const stale = staleStatusProblem(
      file,
      this.latest?.created ?? null,
      Date.now(),
      this.options.statusIntervalSeconds,
    );
    this.report('nagios-status', stale);
  }

  private takeStatus(status: NagiosStatus): void {
    this.latest = status;
    const before = this.programStart;
    this.programStart = status.programStart;
    this.events.onStatus(status);
    if (before !== null && status.programStart !== null && status.programStart !== before) {
      this.events.onBack('Nagios restarted (a new program_start in status.dat)');
    }
  }

  private judgeCommands(err: CommandFileError | null): void {
    // A line too long is ours to fix, not a sign of Nagios's health.
    if (err?.problem === 'line-too-long') return;
    const wasDown = this.down;
    // A full pipe is a Nagios alive but behind: what failed is sent again, not everything.
    if (err === null) this.down = false;
    else if (err.problem !== 'full') this.down = true;
    this.report('nagios-commands', err?.message ?? null);
    if (err === null && wasDown) this.events.onBack('Nagios reads its command file again');
  }

  /** Health now; the log only when the problem changed, so a Nagios down for hours is one line. */
  private report(part: MonitoringPart, problem: string | null): void {
    const before = this.health.problemOf(part);
    this.health.set(part, problem);
    if (problem === before) return;
    this.events.onHealth?.();
    if (problem === null) this.log.info({ part }, `${partName(part)} is well again`);
    else this.log.warn({ part }, problem);
  }
}

function partName(part: MonitoringPart): string {
  return part === 'nagios-status' ? "Nagios's status.dat" : "Nagios's command file";
}
