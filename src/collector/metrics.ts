// Prometheus metrics at /metrics: heartbeats received, slaves per state, consoles, ingest latency.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SLAVE_STATES, type SlaveState } from '../domain/state.js';

export interface MetricsSources {
  countByState: () => Map<SlaveState, number>;
  consoles: () => number;
  /** Age of the oldest write waiting for its commit, in seconds. */
  oldestWriteSeconds: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly heartbeats: Counter<'kind'>;
  readonly rejected: Counter<'reason'>;
  readonly ingestLatency: Histogram;
  readonly resyncs: Counter;
  readonly dropped: Counter<'reason'>;
  readonly nagiosResults: Counter<'outcome'>;
  readonly actions: Counter<'kind' | 'outcome'>;
  readonly storeWritesFailed: Counter<'op'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'corral_' });
    this.heartbeats = new Counter({
      name: 'corral_heartbeats_received_total',
      help: 'Heartbeats stored, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.rejected = new Counter({
      name: 'corral_requests_rejected_total',
      help: 'Requests refused, by reason (bad_input, too_large, auth).',
      labelNames: ['reason'],
      registers,
    });
    this.ingestLatency = new Histogram({
      name: 'corral_ingest_latency_seconds',
      help: 'From a heartbeat request being read to its 202, including the durable write.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.resyncs = new Counter({
      name: 'corral_console_snapshots_total',
      help: 'Snapshots sent to consoles (on connect, on resync, after falling behind).',
      registers,
    });
    this.dropped = new Counter({
      name: 'corral_consoles_dropped_total',
      help: 'Consoles disconnected by the collector, by reason (slow, no_pong).',
      labelNames: ['reason'],
      registers,
    });
    this.nagiosResults = new Counter({
      name: 'corral_nagios_results_total',
      help: 'Passive results forwarded to Nagios (heartbeats, threshold crossings), by outcome (sent, failed, not_in_nagios: Nagios has no such service).',
      labelNames: ['outcome'],
      registers,
    });
    this.actions = new Counter({
      name: 'corral_action_targets_total',
      help: 'Targets of operator actions, by kind and outcome (sent, failed, confirmed, unconfirmed).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.storeWritesFailed = new Counter({
      name: 'corral_store_writes_failed_total',
      help: 'Writes the database refused (disk full, I/O error, locked too long), by operation (write: heartbeats, summaries, action, attempt, needs-hands, prune).',
      labelNames: ['op'],
      registers,
    });
    new Gauge({
      name: 'corral_store_oldest_write_seconds',
      help: 'How long the oldest write still waiting for its commit has waited (0 when none waits).',
      registers,
      collect() {
        this.set(sources.oldestWriteSeconds());
      },
    });
    new Gauge({
      name: 'corral_slaves',
      help: 'Slaves per state.',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = sources.countByState();
        for (const state of SLAVE_STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'corral_consoles_connected',
      help: 'Consoles connected to the WebSocket stream.',
      registers,
      collect() {
        this.set(sources.consoles());
      },
    });
  }
}
