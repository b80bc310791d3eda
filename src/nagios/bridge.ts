// Slaves as Nagios external commands: heartbeats and threshold crossings as passive results, bulk
// actions (downtime, cancel, acknowledge, recheck) in as few pipe writes as possible. What to send
// and when is the collector's NagiosLink's business; who muted a slave is muting.ts's.
import type { HeartbeatKind } from '../domain/heartbeat.js';
import type { SlaveView } from '../domain/slave.js';
import type { Thresholds } from '../domain/state.js';
import { CommandFileError, CommandFileWriter, type WriteResult } from './command-file.js';
import {
  acknowledgeServiceProblem,
  checkAuthor,
  checkComment,
  deleteServiceDowntime,
  freshnessResult,
  heartbeatResult,
  NagiosInputError,
  processServiceCheckResult,
  removeServiceAcknowledgement,
  scheduleForcedServiceCheck,
  scheduleServiceDowntime,
  type ServiceRef,
} from './commands.js';
import { serviceFor, type NagiosMapping } from './mapping.js';
import { pluginResult } from './plugin-result.js';
import { downtimesOf, StatusFileReader, type Downtime, type NagiosStatus } from './status-file.js';

/** A slave as the bridge needs it: its name and the inventory attributes that may override its host/service. */
export interface SlaveRef {
  name: string;
  attributes?: Record<string, string>;
}

export type SlaveOutcome =
  | { slave: string; ok: true }
  /** `unwritten`: its lines were fine but the write failed, so sending again may succeed. */
  | { slave: string; ok: false; error: string; unwritten?: true };

export interface ActionOutcome {
  results: SlaveOutcome[];
  /** The write that carried the commands; null when nothing was written. */
  write: WriteResult | null;
}

export interface BridgeOptions {
  commandFile: string;
  /** Without it, cancelling downtimes is unavailable. */
  statusFile: string | null;
  /**
   * status.dat as already read elsewhere (the collector's copy, parsed in a worker thread); null
   * while there is none. The bridge reads statusFile itself only when this gives nothing: parsing
   * a 10,000-slave file takes ~0.5 s, which on the collector's main thread would stall ingest.
   */
  status?: () => NagiosStatus | null;
  mapping: NagiosMapping;
  clock?: () => number;
  fullPipeTimeoutMs?: number;
  /** Where lines go instead of the FIFO (a dry run records them); by default the command file. */
  writer?: LineWriter;
}

/** What the bridge writes through: the command file, or a recorder for a dry run. */
export interface LineWriter {
  write(lines: readonly string[]): Promise<WriteResult>;
}

export interface HeartbeatToForward {
  slave: SlaveRef;
  kind: HeartbeatKind;
  master: string | null;
  message: string | null;
}

export interface DowntimeAction {
  startMs: number;
  endMs: number;
  fixed: boolean;
  /** For a flexible downtime: how long it lasts once it starts. */
  durationSeconds?: number;
  author: string;
  comment: string;
}

export class NagiosBridge {
  readonly writer: LineWriter;
  /** Its own reader, for a bridge that is given no status (kept: it re-reads only on change). */
  private readonly reader: StatusFileReader | null;
  private readonly clock: () => number;

  constructor(private readonly options: BridgeOptions) {
    this.writer =
      options.writer ??
      new CommandFileWriter(options.commandFile, {
        fullPipeTimeoutMs: options.fullPipeTimeoutMs,
      });
    this.reader =
      options.statusFile && !options.status ? new StatusFileReader(options.statusFile) : null;
    this.clock = options.clock ?? Date.now;
  }

  targetOf(slave: SlaveRef): ServiceRef {
    return serviceFor(slave.name, this.options.mapping, slave.attributes);
  }

  /**
   * Heartbeats as passive results: a start is OK, a critical report CRITICAL with its message.
   * Forward only a slave's newest heartbeat: Nagios 4.4.6 applies an older result over a newer
   * one (seen here: an OK stamped an hour back replaced a CRITICAL and moved last_check back).
   * So results are stamped now, and a heartbeat replayed late from a spool is better sent as
   * `resubmit` of the slave's current view, which carries its true age.
   */
  forwardHeartbeats(heartbeats: readonly HeartbeatToForward[]): Promise<ActionOutcome> {
    const now = this.clock();
    return this.run(
      heartbeats.map((h) => h.slave),
      (target, i) => {
        const h = heartbeats[i]!;
        const r = heartbeatResult(h.kind, h.master, h.message);
        return [processServiceCheckResult(now, target, r.state, r.output)];
      },
    );
  }

  /** A slave crossed a threshold by time alone: WARNING or CRITICAL with its age and perfdata. */
  submitFreshness(
    items: ReadonlyArray<{ slave: SlaveRef; ageSeconds: number; thresholds: Thresholds }>,
  ): Promise<ActionOutcome> {
    const now = this.clock();
    return this.run(
      items.map((i) => i.slave),
      (target, i) => {
        const { ageSeconds, thresholds } = items[i]!;
        const r = freshnessResult(ageSeconds, thresholds);
        return [processServiceCheckResult(now, target, r.state, r.output)];
      },
    );
  }

  scheduleDowntime(slaves: readonly SlaveRef[], d: DowntimeAction): Promise<ActionOutcome> {
    const now = this.clock();
    checkAuthor(d.author);
    checkComment(d.comment);
    return this.run(slaves, (target) => [scheduleServiceDowntime(now, target, d)]);
  }

  /**
   * Cancels the downtimes of the slaves' services (every one, or those `which` picks), by the ids
   * status.dat lists now.
   */
  async cancelDowntimes(
    slaves: readonly SlaveRef[],
    which: (d: Downtime) => boolean = () => true,
  ): Promise<ActionOutcome> {
    const status = await this.currentStatus();
    const now = this.clock();
    return this.run(slaves, (target) => {
      const ids = downtimesOf(status, target.host, target.service)
        .filter(which)
        .map((d) => d.id);
      if (ids.length === 0) throw new NagiosInputError('slave', target.host, 'it has no downtime');
      return ids.map((id) => deleteServiceDowntime(now, id));
    });
  }

  acknowledge(
    slaves: readonly SlaveRef[],
    a: { author: string; comment: string; sticky?: boolean },
  ): Promise<ActionOutcome> {
    const now = this.clock();
    checkAuthor(a.author);
    checkComment(a.comment);
    return this.run(slaves, (target) => [acknowledgeServiceProblem(now, target, a)]);
  }

  removeAcknowledgement(slaves: readonly SlaveRef[]): Promise<ActionOutcome> {
    const now = this.clock();
    return this.run(slaves, (target) => [removeServiceAcknowledgement(now, target)]);
  }

  /** Asks Nagios to run `corral check` for each slave now. */
  forceCheck(slaves: readonly SlaveRef[]): Promise<ActionOutcome> {
    const now = this.clock();
    return this.run(slaves, (target) => [scheduleForcedServiceCheck(now, target)]);
  }

  /** Re-submits each slave's current state (as the collector sees it) as a passive result. */
  resubmit(views: readonly SlaveView[]): Promise<ActionOutcome> {
    const now = this.clock();
    return this.run(
      views.map((v) => ({ name: v.name, attributes: v.attributes })),
      (target, i) => {
        const r = pluginResult(views[i]!);
        return [
          processServiceCheckResult(now, target, r.code, {
            text: r.text,
            ...(r.perfdata === undefined ? {} : { perfdata: r.perfdata }),
          }),
        ];
      },
    );
  }

  private async currentStatus(): Promise<NagiosStatus> {
    const file = this.options.statusFile;
    if (file === null) {
      throw new CommandFileError(
        'io',
        this.options.commandFile,
        'cannot find downtimes without nagios.status_file in corral.yaml',
      );
    }
    const status = await this.readStatus().catch((err: Error) => {
      throw new CommandFileError('io', file, `cannot read ${file}: ${err.message}`);
    });
    if (!status) {
      throw new CommandFileError(
        'io',
        file,
        `${file} is not a whole status file yet: try again in a few seconds`,
      );
    }
    return status;
  }

  /**
   * The status given (the collector's copy), else status.dat read here: by the bridge's own
   * reader, or, when the given status is not there yet (a collector still reading it, or one
   * that cannot), read once without keeping a second copy of a large file. Null when there is
   * no status file or it is not whole yet; throws for a missing or unreadable file.
   */
  private async readStatus(): Promise<NagiosStatus | null> {
    const given = this.options.status?.();
    if (given) return given;
    const file = this.options.statusFile;
    if (file === null) return null;
    const read = await (this.reader ?? new StatusFileReader(file)).read();
    return read?.status ?? null;
  }

  /**
   * Builds each slave's lines (a slave whose name or text is refused fails alone), then writes
   * all of them at once. A failed write fails every slave whose lines had not reached Nagios.
   */
  private async run(
    slaves: readonly SlaveRef[],
    build: (target: ServiceRef, index: number) => string[],
  ): Promise<ActionOutcome> {
    const results: SlaveOutcome[] = [];
    const lines: string[] = [];
    const owners: number[] = [];
    slaves.forEach((slave, i) => {
      try {
        const built = build(this.targetOf(slave), i);
        lines.push(...built);
        for (let k = 0; k < built.length; k++) owners.push(results.length);
        results.push({ slave: slave.name, ok: true });
      } catch (err) {
        if (!(err instanceof NagiosInputError)) throw err;
        results.push({ slave: slave.name, ok: false, error: err.message });
      }
    });
    if (lines.length === 0) return { results, write: null };
    try {
      return { results, write: await this.writer.write(lines) };
    } catch (err) {
      if (!(err instanceof CommandFileError)) throw err;
      // Lines are written in order: the first `linesWritten` reached Nagios.
      const failedFrom = owners[err.linesWritten] ?? results.length;
      for (let r = failedFrom; r < results.length; r++) {
        if (results[r]!.ok)
          results[r] = { slave: results[r]!.slave, ok: false, error: err.message, unwritten: true };
      }
      return { results, write: null };
    }
  }
}
