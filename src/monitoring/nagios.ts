// Nagios Core on this host as a monitoring backend: results and actions as external command lines
// through the command file, read back from status.dat (parsed in its own thread), each target
// prechecked against what status.dat shows and confirmed from it.
import type { Logger } from 'pino';
import { downtimeMatches } from '../domain/downtime-match.js';
import type { MonitoringView } from '../domain/slave.js';
import type { SlaveMutes } from '../domain/slave-record.js';
import { NagiosBridge, type ActionOutcome, type LineWriter } from '../nagios/bridge.js';
import { CommandFileWriter } from '../nagios/command-file.js';
import { precheck } from '../nagios/confirm.js';
import { checkMapping, type NagiosMapping } from '../nagios/mapping.js';
import type { NagiosSettings } from '../nagios/settings.js';
import type { NagiosStatus } from '../nagios/status-file.js';
import type { HealthParts } from './health-parts.js';
import type {
  ActionFacts,
  ActOutcome,
  Answer,
  LinkHealth,
  Monitor,
  MonitorAction,
  MonitorEvents,
  PassiveResult,
  SlaveRef,
} from './monitor.js';
import { NagiosReadBack } from './nagios-read-back.js';
import { NagiosWatch, type WatchMetrics } from './nagios-watch.js';

export class NagiosMonitor implements Monitor {
  readonly backend = 'nagios' as const;
  readonly label = 'Nagios';
  readonly mappingFix =
    'fix its nagios_host or nagios_service attribute in the inventory, or nagios.host in corral.yaml';
  private readonly bridge: NagiosBridge;
  private readonly mapping: NagiosMapping;
  private readonly watch: NagiosWatch;
  private readonly listeners = new Set<MonitorEvents>();
  private readonly readBack: NagiosReadBack;

  constructor(
    readonly settings: NagiosSettings & { commandFile: string },
    private readonly healthParts: HealthParts,
    metrics: WatchMetrics,
    log: Logger,
  ) {
    this.mapping = checkMapping({ hostTemplate: settings.host, service: settings.service });
    this.watch = new NagiosWatch(
      settings,
      new CommandFileWriter(settings.commandFile),
      healthParts,
      metrics,
      log,
      {
        onStatus: () => this.emit((l) => l.readBack?.()),
        onBack: (why) => this.emit((l) => l.back?.(why)),
        onHealth: () => {
          const now = this.health();
          this.emit((l) => l.health?.(now));
        },
      },
    );
    // Through the watch: every write, an action's too, tells whether Nagios is reading.
    this.bridge = this.bridgeWriting(this.watch);
    this.readBack = new NagiosReadBack(this.mapping, () => this.watch.status);
  }

  get confirms(): boolean {
    return this.settings.statusFile !== null;
  }

  /** status.dat as last read whole; null without a status file or before the first read. */
  get status(): NagiosStatus | null {
    return this.watch.status;
  }

  start(): Promise<void> {
    return this.watch.poll();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.watch.close();
  }

  subscribe(events: MonitorEvents): () => void {
    this.listeners.add(events);
    return () => this.listeners.delete(events);
  }

  /**
   * Reachable while neither the command file nor status.dat has a problem (as /healthz says them);
   * `problem` is the command file's first, else status.dat's (missing, stale).
   */
  health(): LinkHealth {
    return nagiosLinkHealth(this.healthParts);
  }

  /** While Nagios reads its command file (a full pipe is Nagios alive but behind). */
  get delivering(): boolean {
    return this.watch.reachable;
  }

  readBackAgeSeconds(now: number): number | null {
    return this.watch.statusAgeSeconds(now);
  }

  mappingProblem(slave: SlaveRef): string | null {
    return this.readBack.mappingProblem(slave);
  }

  knows(slave: SlaveRef): boolean {
    return this.readBack.knows(slave);
  }

  async submit(results: readonly PassiveResult[]): Promise<Answer[]> {
    return answersOf((await this.bridge.submitResults(results)).results);
  }

  act(action: MonitorAction, targets: readonly SlaveRef[]): Promise<Answer[]> {
    return this.carryOut(this.bridge, action, targets);
  }

  async preview(action: MonitorAction, targets: readonly SlaveRef[]): Promise<ActOutcome> {
    const lines: string[] = [];
    const recorder: LineWriter = {
      write(written) {
        lines.push(...written);
        return Promise.resolve({ lines: written.length, writes: 0, bytes: 0 });
      },
    };
    const answers = await this.carryOut(this.bridgeWriting(recorder), action, targets);
    return { answers, lines };
  }

  confirmed(action: ActionFacts, slave: SlaveRef): boolean {
    return this.readBack.confirmed(action, slave);
  }

  service(slave: SlaveRef): MonitoringView | null {
    const view = this.readBack.service(slave);
    return view && { backend: this.backend, ...view };
  }

  mutings(slaves: readonly SlaveRef[]): Map<string, SlaveMutes> {
    return this.readBack.mutings(slaves);
  }

  private bridgeWriting(writer: LineWriter): NagiosBridge {
    return new NagiosBridge({
      commandFile: this.settings.commandFile,
      statusFile: this.settings.statusFile,
      // The copy parsed in the worker thread: the bridge reads status.dat itself only while there is none.
      status: () => this.watch.status,
      mapping: this.mapping,
      writer,
    });
  }

  /**
   * Fails the targets Nagios cannot take as it stands (no such service, nothing to acknowledge),
   * then sends the rest through the bridge in one packed write.
   */
  private async carryOut(
    bridge: NagiosBridge,
    action: MonitorAction,
    targets: readonly SlaveRef[],
  ): Promise<Answer[]> {
    const status = this.watch.status;
    const refused = new Map<string, string>();
    const go: SlaveRef[] = [];
    for (const ref of targets) {
      const target = this.readBack.targetOrProblem(ref);
      // A name or attribute that cannot be a Nagios service fails this target alone, saying why.
      const why =
        typeof target === 'string' ? target : status && precheck(action.kind, status, target);
      if (why) refused.set(ref.name, why);
      else go.push(ref);
    }
    const results = go.length === 0 ? [] : (await this.send(bridge, action, go)).results;
    const byName = new Map(answersOf(results).map((a) => [a.slave, a]));
    return targets.map(
      ({ name }): Answer =>
        byName.get(name) ??
        (refused.has(name)
          ? { slave: name, outcome: 'refused', reason: refused.get(name)! }
          : { slave: name, outcome: 'unsent', reason: 'not sent' }),
    );
  }

  private send(
    bridge: NagiosBridge,
    action: MonitorAction,
    slaves: SlaveRef[],
  ): Promise<ActionOutcome> {
    switch (action.kind) {
      case 'downtime':
        return bridge.scheduleDowntime(slaves, {
          startMs: action.start,
          endMs: action.end,
          fixed: action.fixed,
          durationSeconds: action.durationSeconds,
          author: action.author,
          comment: action.comment,
        });
      case 'cancel-downtime':
        return bridge
          .cancelDowntimes(slaves, (d) => downtimeMatches(action.only, d))
          .catch((err: Error) => ({
            results: slaves.map((s) => ({
              slave: s.name,
              ok: false as const,
              error: err.message,
              unwritten: true as const,
            })),
            write: null,
          }));
      case 'ack':
        return bridge.acknowledge(slaves, action);
      case 'remove-ack':
        return bridge.removeAcknowledgement(slaves);
      case 'force-check':
        return bridge.forceCheck(slaves);
      case 'recheck':
        return bridge.submitResults(slaves.flatMap((s) => action.results.get(s.name) ?? []));
    }
  }

  private emit(call: (listener: MonitorEvents) => void): void {
    for (const listener of this.listeners) call(listener);
  }
}

/** The bridge's per-slave outcomes in the seam's words. */
function answersOf(results: ActionOutcome['results']): Answer[] {
  return results.map((r): Answer => {
    if (r.ok) return { slave: r.slave, outcome: 'sent' };
    return { slave: r.slave, outcome: r.unwritten ? 'unsent' : 'refused', reason: r.error };
  });
}

/** The link as the command file's and status.dat's health say it: both problems, in one line. */
export function nagiosLinkHealth(health: HealthParts): LinkHealth {
  const shown = health
    .report()
    .problems.filter((p) => p.part === 'nagios-commands' || p.part === 'nagios-status')
    .sort((a, b) => (a.part === b.part ? 0 : a.part === 'nagios-commands' ? -1 : 1));
  return {
    backend: 'nagios',
    reachable: shown.length === 0,
    problem: shown.length === 0 ? null : shown.map((p) => p.problem).join('; '),
    since: shown[0]?.since ?? null,
  };
}
