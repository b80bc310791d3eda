// Prometheus metrics at /metrics: heartbeats received, slaves per state, consoles, ingest latency,
// actions, and how the link to Nagios fares.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SLAVE_STATES, type SlaveState } from '../domain/state.js';

export interface MetricsSources {
  countByState: () => Map<SlaveState, number>;
  consoles: () => number;
  /** Age of the last whole status.dat (null before the first); only with a Nagios status file. */
  nagiosStatusAge?: () => number | null;
  /** Slaves whose result waits to be sent to Nagios again; only with a Nagios command file. */
  nagiosOwed?: () => number;
  unlistedSlaves: () => number;
  /** Age of the oldest write waiting for its commit, in seconds. */
  oldestWriteSeconds: () => number;
  /** Whether this collector owns the single-owner work (docs/ha.md). */
  owner: () => boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly heartbeats: Counter<'kind'>;
  readonly rejected: Counter<'reason'>;
  readonly ingestLatency: Histogram;
  readonly snapshotsSent: Counter;
  readonly dropped: Counter<'reason'>;
  readonly nagiosResults: Counter<'outcome'>;
  readonly actions: Counter<'kind' | 'outcome'>;
  readonly actionsFinished: Counter<'kind' | 'outcome'>;
  readonly nagiosWriteFailures: Counter<'problem'>;
  readonly connectionsOpen: Gauge;
  readonly connectionsRefused: Counter<'limit'>;
  readonly connectionsIdleClosed: Counter;
  readonly storeWritesFailed: Counter<'op'>;
  readonly peerHeartbeats: Counter;

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
      help: 'Requests refused, by reason (bad_input, too_large, content_type, auth, origin, host, unlisted_slaves).',
      labelNames: ['reason'],
      registers,
    });
    this.ingestLatency = new Histogram({
      name: 'corral_ingest_latency_seconds',
      help: 'From a heartbeat request being read to its 202, including the durable write.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.snapshotsSent = new Counter({
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
    this.actionsFinished = new Counter({
      name: 'corral_actions_total',
      help: 'Operator actions finished, by kind and outcome (failed: at least one target failed or was not confirmed; nothing: every target was skipped; ok: otherwise).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.nagiosWriteFailures = new Counter({
      name: 'corral_nagios_command_write_failures_total',
      help: "Writes to Nagios's command file that failed, by problem (not-reading, missing, not-fifo, denied, full, io).",
      labelNames: ['problem'],
      registers,
    });
    const statusAge = sources.nagiosStatusAge;
    if (statusAge) {
      new Gauge({
        name: 'corral_nagios_status_age_seconds',
        help: 'Seconds since Nagios wrote the last whole status.dat the collector read (NaN before the first).',
        registers,
        collect() {
          this.set(statusAge() ?? NaN);
        },
      });
    }
    const owed = sources.nagiosOwed;
    if (owed) {
      new Gauge({
        name: 'corral_nagios_results_owed',
        help: 'Slaves whose current state waits to be sent to Nagios again (after Nagios came back or a write failed).',
        registers,
        collect() {
          this.set(owed());
        },
      });
    }
    this.connectionsOpen = new Gauge({
      name: 'corral_connections_open',
      help: 'HTTP and WebSocket connections open (bounded by http.max_connections).',
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'corral_connections_refused_total',
      help: 'Connections refused with 503, by the limit reached (total, per_address).',
      labelNames: ['limit'],
      registers,
    });
    this.connectionsIdleClosed = new Counter({
      name: 'corral_connections_idle_closed_total',
      help: 'Connections closed for sending no request within http.idle_timeout.',
      registers,
    });
    this.storeWritesFailed = new Counter({
      name: 'corral_store_writes_failed_total',
      help: 'Writes the database refused (disk full, I/O error, locked too long), by operation (write: heartbeats, summaries, action, attempt, needs-hands, prune).',
      labelNames: ['op'],
      registers,
    });
    this.peerHeartbeats = new Counter({
      name: 'corral_peer_heartbeats_total',
      help: 'Heartbeats other collectors stored in the shared PostgreSQL, folded into this one (docs/ha.md).',
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
      name: 'corral_unlisted_slaves',
      help: 'Slaves known only from their heartbeats, not from the inventory (bounded by limits.unlisted_slaves).',
      registers,
      collect() {
        this.set(sources.unlistedSlaves());
      },
    });
    new Gauge({
      name: 'corral_owner',
      help: 'Whether this collector owns the single-owner work: forwarding to the monitoring system, reboot chains (1) or not (0).',
      registers,
      collect() {
        this.set(sources.owner() ? 1 : 0);
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
