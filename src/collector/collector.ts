// The collector assembled: store, fleet, inventory, HTTP API and WebSocket hub on one port.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { auditLine, outcomeOf } from '../actions/audit-log.js';
import { ActionEngine } from '../actions/engine.js';
import { MadeByIndex } from '../actions/made-by-index.js';
import { MAX_DOWNTIME_SECONDS } from '../domain/downtime-window.js';
import { CLAIMS_OF } from '../domain/made-by.js';
import { parkDowntimes } from '../domain/park.js';
import type { ParkLedger } from '../actions/park-actions.js';
import { ParkKeeper } from '../actions/park-keeper.js';
import type { ActionKind, ActionMessage } from '../domain/protocol.js';
import { isShownIn, markUntilBack } from '../domain/until-back.js';
import { rebootChains } from '../reboot/methods.js';
import { Auth, isLoopback } from './auth.js';
import { parseListen, type Settings } from './config.js';
import { Fleet } from './fleet.js';
import { GroupCommit } from './group-commit.js';
import { ConnectionLimit } from './connection-limit.js';
import { createApi } from './http.js';
import { Health } from './health.js';
import { Hub } from './hub.js';
import { HygieneWatch } from './hygiene-watch.js';
import { InventorySources } from './inventory-sources.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { MonitorFeed, slaveRef } from './monitor-feed.js';
import { MonitoringStatus } from './monitoring-status.js';
import { NagiosMonitor } from '../monitoring/nagios.js';
import { NagiosRemoteMonitor } from '../monitoring/nagios-remote.js';
import type { Monitor } from '../monitoring/monitor.js';
import { icinga2Monitor } from './icinga2-wiring.js';
import { Queries } from './queries.js';
import { createCollectorServer } from './server.js';
import { DatabaseWatch } from './database-status.js';
import { OwnerJobs } from './owner-jobs.js';
import { ownershipFor, SoleOwnership } from './ownership.js';
import type { CollectorStore } from './collector-store.js';
import { openCollectorStore, type StoreSettings } from './open-store.js';
import { rebootsFromAction } from './peer-reboots.js';
import { PeerSync } from './peer-sync.js';
import { SummaryCheckpoint } from './summary-checkpoint.js';
import { UntilBackWatch } from './until-back-watch.js';

export interface Collector {
  /** http://host:port (https:// with `tls:`), with the port actually bound. */
  url: string;
  fleet: Fleet;
  /** Reads the inventory file again; resolves once it is applied or refused (never rejects). */
  reloadInventory(): Promise<void>;
  /** Takes a renewed TLS certificate and key (SIGHUP); nothing without `tls:`. */
  reloadCertificate(): void;
  /** Stops accepting, answers what is in flight, flushes and closes the database. */
  close(): Promise<void>;
}

const TICK_MS = 1000;
const PRUNE_MS = 3600_000;

export interface CollectorOptions {
  /** Why no monitoring is wired, for the consoles' header (the demo's missing Nagios). */
  noMonitoring?: string;
}

export async function startCollector(
  settings: Settings,
  log: Logger,
  options: CollectorOptions = {},
): Promise<Collector> {
  // Whatever startup opened, closed again in reverse if it fails: a thread or watcher left
  // behind would keep a collector that never listens alive, deaf to SIGTERM.
  const undo: Array<() => unknown> = [];
  try {
    return await assemble(settings, log, undo, options);
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // the first error is the one to report
      }
    }
    throw err;
  }
}

async function assemble(
  settings: Settings,
  log: Logger,
  undo: Array<() => unknown>,
  options: CollectorOptions,
): Promise<Collector> {
  const { host, port } = parseListen(settings.listen);
  // SQLite: the main thread reads, a writer thread commits (an fsync never stalls the event
  // loop); PostgreSQL: a bounded pool. The schema is brought up to date before anything loads.
  const health = new Health();
  const store = await openCollectorStore(settings, log, {
    onTrouble: (problem) => {
      health.set('store', problem);
      if (problem) log.error({ problem }, 'store in trouble');
      else log.info('store writing again');
    },
    onFailedWrite: (op) => metrics.storeWritesFailed.inc({ op }),
  });
  undo.push(() => store.close());
  const fleet = new Fleet(settings.thresholds, settings.history.starts);
  const loaded = await store.loadSlaves(settings.history.starts);
  fleet.load(loaded.slaves, Date.now());
  if (loaded.replayed.length > 0) {
    log.info(
      { slaves: loaded.replayed.length },
      'slaves brought up to date from the heartbeat log (heartbeats after the last checkpoint)',
    );
  }
  if (loaded.unreadable.length > 0) {
    log.warn(
      { slaves: loaded.unreadable.slice(0, 20), count: loaded.unreadable.length },
      "slaves' stored starts history unreadable (damaged rows): taken from the heartbeat log instead, rewritten at the next checkpoint",
    );
  }
  for (const park of await store.loadParks()) fleet.setPark(park.slave, park, Date.now());
  const parks = parkLedger(fleet, store);
  const checkpoint = new SummaryCheckpoint(store, fleet, {
    through: loaded.through,
    replayed: [...loaded.replayed, ...loaded.unreadable],
  });

  const auth = new Auth(settings.tokens);
  const nagios = settings.nagios;
  // Read only when scraped, by which time the hub and the link exist.
  const metrics = new Metrics({
    countByState: () => fleet.countByState(),
    consoles: (): number => hub.connected,
    ...(nagios.commandFile === null && !nagios.relay
      ? {}
      : { nagiosOwed: (): number => link?.owedCount ?? 0 }),
    ...((nagios.commandFile === null || nagios.statusFile === null) && !nagios.relay
      ? {}
      : {
          nagiosStatusAge: (): number | null =>
            link?.monitor.readBackAgeSeconds?.(Date.now()) ?? null,
        }),
    unlistedSlaves: () => fleet.unlistedCount,
    oldestWriteSeconds: () => store.oldestWaitMs() / 1000,
    owner: () => ownership.owns,
  });
  // The one monitoring backend corral.yaml names; the feed, the engine and the detail see only the seam.
  const relay = nagios.relay ? new NagiosRemoteMonitor(nagios, health, log) : null;
  const monitor: Monitor | null = settings.icinga2
    ? icinga2Monitor(settings.icinga2, health, log)
    : (relay ??
      (nagios.commandFile === null
        ? null
        : new NagiosMonitor({ ...nagios, commandFile: nagios.commandFile }, health, metrics, log)));
  const madeBy = await madeByFromAuditLog(store, parks);
  const link = monitor && new MonitorFeed(monitor, fleet, metrics, log, madeBy);
  undo.push(() => link?.close());
  if (link !== null && settings.icinga2) {
    log.info({ url: settings.icinga2.url }, 'forwarding to Icinga 2; actions enabled');
  } else if (relay !== null) {
    log.info(
      'Nagios is on another host: waiting for its relay (corral nagios-relay); actions enabled',
    );
  } else if (link !== null) {
    log.info(
      { commandFile: nagios.commandFile, statusFile: nagios.statusFile },
      'forwarding to Nagios; actions enabled',
    );
  }
  if (link === null && nagios.statusFile !== null) {
    log.warn('nagios.status_file is ignored without nagios.command_file');
  }
  // Single-owner work: only the owner forwards and runs reboot chains (docs/ha.md). Only a
  // collector that can do that work tries for it.
  const ownership = ownershipFor(
    settings,
    monitor !== null || rebootChains(settings.reboot) !== null,
    (reason) => log.warn({ reason }, 'ownership of the single-owner work in trouble'),
  );
  undo.push(() => ownership.close());
  const jobs = new OwnerJobs((details, msg) => log.warn(details, msg));
  undo.push(() => jobs.close());
  // The store's trouble (writes failing, the database unreachable) as consoles' banner shows it.
  const database = new DatabaseWatch(
    () => health.troubleOf('store'),
    (current) => hub.broadcast({ type: 'database', database: current }),
  );

  // Two inventory sources: the inventory file and Nagios's objects.cache (the file wins on a name).
  const inventory = new InventorySources({
    file: settings.inventory,
    maxBytes: settings.limits.inventoryBytes,
    objectCache: nagios.objectCacheFile,
    mapping: { hostTemplate: nagios.host, service: nagios.service },
    fleet,
    health,
    log,
    // A slave the new inventory made late or dead (its pool's thresholds) is so in Nagios too.
    onChanges: (changes, now) => {
      link?.afterInventory(now);
      link?.afterTick(changes, now);
    },
  });
  undo.push(() => inventory.close());
  await inventory.reloadFile();
  await inventory.reloadObjectCache();
  inventory.watch();
  const unwatch = () => inventory.close();

  // On PostgreSQL, what other collectors commit folded in: their heartbeats into the fleet (and
  // to the reboots and the monitoring link, as if taken here), their actions to the consoles.
  const peers =
    store.engine === 'postgres'
      ? new PeerSync({
          connection: peerConnection(settings),
          heartbeatsThrough: loaded.through,
          onHeartbeats: (heartbeats) => {
            metrics.peerHeartbeats.inc(heartbeats.length);
            fleet.apply(heartbeats, Date.now());
            checkpoint.noteCommitted(heartbeats, peers!.settledThrough);
            for (const h of heartbeats) {
              if (h.kind === 'start') {
                actions.reboots?.noteStart(h.slave, h.at);
                untilBack.noteStart(h.slave, h.at);
              }
            }
            link?.afterCommit(heartbeats);
          },
          readAction: async (id) => (await queries.action(id))?.action,
          onAction: (message) => {
            hub.broadcast(message);
            const now = Date.now();
            // Their downtimes are corral's here too; their parks are this collector's to show.
            madeBy.addAction(message.action, now);
            if (message.event === 'finished' && message.action.params.untilBack) {
              void untilBack
                .refresh()
                .catch((err: Error) =>
                  log.warn(
                    { reason: err.message },
                    "cannot read another collector's until-back downtimes",
                  ),
                );
            }
            if (message.event === 'finished' && isParkKind(message.action.kind)) {
              void reloadParks(store, fleet).catch((err: Error) =>
                log.warn({ reason: err.message }, "cannot read another collector's parks"),
              );
            }
            for (const n of rebootsFromAction(message.action, (name) => fleet.get(name), now)) {
              fleet.setReboot(n.slave, n.reboot, now);
            }
          },
          onReboot: (n) => fleet.setReboot(n.slave, n.reboot, Date.now()),
          log,
        })
      : null;
  if (peers) checkpoint.holdBelow(() => peers.settledThrough);
  undo.push(() => peers?.close());
  const actionSaves = peers?.watchActionSaves(store) ?? store;

  const commits = new GroupCommit(
    peers?.watchWrites(store) ?? store,
    fleet,
    checkpoint,
    (heartbeats) => {
      for (const h of heartbeats) {
        metrics.heartbeats.inc({ kind: h.kind });
        // The proof a rebooting slave came back, and the end of its until-back downtimes.
        if (h.kind === 'start') {
          actions.reboots?.noteStart(h.slave, h.at);
          untilBack.noteStart(h.slave, h.at);
        }
      }
      // After the 202s are sent: Nagios never delays an acknowledgement.
      link?.afterCommit(heartbeats);
    },
  );
  // Until-back downtimes: ended at their slave's next start (single-owner work).
  let monitorRead = false;
  const unsubscribeRead = monitor?.subscribe({ readBack: () => (monitorRead = true) });
  undo.push(() => unsubscribeRead?.());
  let remarking = false;
  const untilBack = new UntilBackWatch({
    load: () => store.listUntilBack(),
    save: (downtimes) => store.addUntilBack(downtimes),
    forget: (d) => store.removeUntilBack(d.slave, d.actionId),
    lastStart: (slave) => fleet.get(slave)?.lastStart ?? null,
    shown: (d) => {
      // Unknown without a monitoring system read: kept until one shows whether it is there.
      const record = fleet.get(d.slave);
      if (monitor === null || !monitorRead) return null;
      if (record === undefined) return false;
      return isShownIn(d, monitor.service(slaveRef(record))?.downtimes ?? []);
    },
    cancel: async (d, at) =>
      (await actions.endUntilBack(d, at)).targets.every(
        (t) => t.status === 'sent' || t.status === 'confirmed',
      ),
    // Marked on the slaves' mutes once per turn, however many changed.
    changed: () => {
      if (remarking) return;
      remarking = true;
      setImmediate(() => {
        remarking = false;
        link?.applyReadBack();
      });
    },
    log,
  });
  undo.push(() => untilBack.close());
  // The engine broadcasts through the hub, made next; it acts only once the server listens.
  const actions: ActionEngine = new ActionEngine({
    monitor,
    reboot: rebootChains(settings.reboot) && {
      settings: settings.reboot,
      slave: (name) => fleet.get(name),
      setStatus: (name, status) => {
        const change = fleet.setReboot(name, status, Date.now());
        if (change) log.info(change, 'state changed');
        peers?.rebootChanged(name, status);
      },
      saveNeedsHands: (name, since) => store.setNeedsHands(name, since),
      saveAttempt: (actionId, attempt) => store.saveAttempt(actionId, attempt),
      saveChain: (chain) => store.saveChain(chain),
      dropChains: (actionId) => store.dropChains(actionId),
      storedAction: (id) => store.getAction(id),
    },
    parks: { ledger: parks, settings: settings.parking },
    slave: (name) => {
      const record = fleet.get(name);
      return record && slaveRef(record);
    },
    views: (names) => queries.views(names, Date.now()),
    action: async (id) => (await queries.action(id))?.action,
    untilBack,
    madeBy,
    nextActionId: () => store.nextActionId(),
    save: (action) => actionSaves.saveAction(action),
    broadcast: (message) => {
      if (message.type === 'action') auditAction(message, metrics, log);
      hub.broadcast(message);
    },
    confirmWithinMs: nagios.confirmWithinSeconds * 1000,
    onTargets: (kind, outcome, n) => metrics.actions.inc({ kind, outcome }, n),
    warn: (details, msg) => log.warn(details, msg),
    refusal: () => database.refusal(),
    ownerRefusal: async () =>
      ownership.owns
        ? null
        : `reboots run on the collector that owns the single-owner work (${(await ownership.owner()) ?? 'none just now: another takes over within 15 s'}), not on this one: send it there, or list both with --collector and it goes there`,
  });
  undo.push(() => actions.close());
  if (link !== null) {
    // Sole: as at every start, crossings made while it was down; taking over: everything again.
    const everything = !(ownership instanceof SoleOwnership);
    jobs.register({
      name: `forwarding to ${link.monitor.label}`,
      start: () => link.startForwarding(everything),
      close: () => link.stopForwarding(),
    });
  }
  const reboots = actions.reboots;
  if (reboots !== null) {
    jobs.register({
      name: 'reboot chains',
      start: async () => reboots.resume(await store.rebootChains()),
      close: () => reboots.close(),
    });
  }
  // Single-owner work: parked slaves' downtimes renewed before they end.
  const keeper =
    monitor &&
    new ParkKeeper({
      ledger: parks,
      settings: settings.parking,
      monitor,
      slave: (name) => {
        const record = fleet.get(name);
        return record && slaveRef(record);
      },
      audit: (fields, msg) => log.info(fields, msg),
      warn: (fields, msg) => log.warn(fields, msg),
    });
  if (keeper !== null) {
    jobs.register({
      name: 'park renewals',
      start: () => keeper.start(),
      close: () => keeper.close(),
    });
  }
  if (link !== null) link.markMutes = (slave, mutes) => markUntilBack(mutes, untilBack.of(slave));
  jobs.register({
    name: 'until-back downtimes',
    start: () =>
      untilBack
        .start()
        .catch((err: Error) =>
          log.error({ reason: err.message }, 'cannot read the until-back downtimes; none is ended'),
        ),
    close: () => untilBack.close(),
  });
  const queries: Queries = new Queries({
    fleet,
    store,
    inFlight: (id) => actions.inFlight(id),
    ...(link && { nagiosView: (name: string) => link.serviceView(name) }),
  });
  // Read again each tick; consoles hear of a change in a `monitoring` message.
  const monitoring = new MonitoringStatus(
    () =>
      monitor === null
        ? { backend: 'none', problem: options.noMonitoring ?? null }
        : { backend: monitor.backend, problem: monitor.health().problem },
    (current) => hub.broadcast({ type: 'monitoring', monitoring: current }),
  );
  const hygiene = new HygieneWatch(
    fleet,
    { policy: settings.thresholds, healthyStarts: settings.hygiene.healthyStarts },
    (items) => hub.broadcast({ type: 'hygiene', items }),
  );
  const hub = new Hub(
    fleet,
    queries,
    (body, author, requestId) => actions.submit(body, author, requestId),
    settings,
    metrics,
    log,
    () => monitoring.current,
    () => database.current,
    () => hygiene.current,
  );
  undo.push(() => hub.close());
  const connections = new ConnectionLimit(settings.http, metrics, log);
  const api = createApi({
    settings,
    auth,
    fleet,
    queries,
    commits,
    health,
    hub,
    metrics,
    log,
    actions,
    connections,
    relay,
    owner: () => ownership.owns,
    hygiene: () => hygiene.current,
  });

  const { server, scheme, reloadCertificate } = createCollectorServer(settings.tls, api, log);
  connections.watch(server);
  await listen(server, host, port);
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${shownHost}:${address.port}`;

  const tick = setInterval(() => {
    const now = Date.now();
    const changes = fleet.tick(now);
    for (const c of changes) log.info(c, 'state changed');
    link?.afterTick(changes, now);
    monitoring.refresh(now);
    database.refresh();
    hygiene.refresh(now);
  }, TICK_MS);
  // Reads status.dat (every collector wired to it); the owner then forwards (crossings made while stopped).
  void link?.start();
  peers?.start();
  await ownership.start(url, (owns) => {
    log.info(
      { owner: owns },
      owns
        ? 'this collector owns the single-owner work (forwarding, reboot chains)'
        : 'no longer the owner: single-owner work stopped',
    );
    void jobs.follow(owns);
  });
  const prune = setInterval(() => {
    store.prune(Date.now() - settings.history.retentionSeconds * 1000).then(
      (removed) => removed > 0 && log.info({ removed }, 'old heartbeats pruned'),
      (err: Error) => log.error({ reason: err.message }, 'pruning old heartbeats failed'),
    );
  }, PRUNE_MS);
  prune.unref();
  checkpoint.start(settings.history.checkpointSeconds * 1000, (err) =>
    log.error(
      { reason: err.message },
      'checkpointing slaves failed; retrying (heartbeats are safe in the log)',
    ),
  );

  log.info({ url, db: store.where, slaves: fleet.size }, 'listening');
  if (auth.open) {
    log.warn(
      isLoopback(address.address)
        ? 'no tokens configured: serving loopback clients only, without authentication'
        : `no tokens configured: listening on ${url} but refusing every client that is not on loopback`,
    );
  }

  let closing: Promise<void> | null = null;
  return {
    url,
    fleet,
    reloadInventory: () => inventory.reloadFile(),
    reloadCertificate,
    close() {
      closing ??= (async () => {
        clearInterval(tick);
        clearInterval(prune);
        unwatch();
        await peers?.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        hub.close();
        await commits.close();
        await checkpoint
          .close()
          .catch((err: Error) =>
            log.error(
              { reason: err.message },
              'last checkpoint failed; the next start replays the log',
            ),
          );
        // The owner's work stops first (reboot chains stay recorded for the next start or owner),
        // then the lock is let go.
        await jobs.close();
        unsubscribeRead?.();
        await actions.close();
        await link?.close();
        await ownership.close();
        server.closeIdleConnections();
        const forced = setTimeout(() => server.closeAllConnections(), 5000);
        await closed;
        clearTimeout(forced);
        await store.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}

/** An action's start and end as audit log lines, and each finished action counted by outcome. */
function auditAction(message: ActionMessage, metrics: Metrics, log: Logger): void {
  const audit = auditLine(message);
  if (audit) log.info(audit.fields, audit.msg);
  if (message.event === 'finished') {
    metrics.actionsFinished.inc({ kind: message.action.kind, outcome: outcomeOf(message.action) });
  }
}

/** Which action made each downtime that can still be in effect, from the audit log (kept across restarts). */
async function madeByFromAuditLog(store: CollectorStore, parks: ParkLedger): Promise<MadeByIndex> {
  // A parked slave's downtimes (the first and every renewal) are its park action's while parked.
  const index = new MadeByIndex((slave) => {
    const park = parks.get(slave);
    return park
      ? [{ actionId: park.actionId, slaves: [slave], match: parkDowntimes(park), until: Infinity }]
      : [];
  });
  const now = Date.now();
  const kinds = Object.keys(CLAIMS_OF) as ActionKind[];
  const since = new Date(now - MAX_DOWNTIME_SECONDS * 1000).toISOString();
  for (const action of await store.actionsStartingAfter(kinds, since)) {
    index.addAction(action, now);
  }
  return index;
}

/** Parks in the fleet (the slaves' views) and in the store, written to the store. */
function parkLedger(fleet: Fleet, store: CollectorStore): ParkLedger {
  return {
    get: (slave) => fleet.park(slave),
    all: () => fleet.allParks(),
    async save(save, remove = []) {
      await store.saveParks(save, remove);
      const now = Date.now();
      for (const park of save) fleet.setPark(park.slave, park, now);
      for (const slave of remove) fleet.setPark(slave, null, now);
    },
  };
}

/** Park and unpark: another collector's finished one changes who is parked here too. */
function isParkKind(kind: ActionKind): boolean {
  return kind === 'park' || kind === 'unpark' || kind === 'undo';
}

/** The parks as the shared store holds them, into the fleet (after another collector's park or unpark). */
async function reloadParks(store: CollectorStore, fleet: Fleet): Promise<void> {
  const stored = await store.loadParks();
  const now = Date.now();
  const kept = new Set(stored.map((p) => p.slave));
  for (const park of fleet.allParks())
    if (!kept.has(park.slave)) fleet.setPark(park.slave, null, now);
  for (const park of stored) fleet.setPark(park.slave, park, now);
}

/** The shared database, for the sync's own connection (the password never in a URL we log). */
function peerConnection(settings: StoreSettings): pg.ClientConfig {
  return {
    connectionString: settings.db,
    ...(settings.dbPassword ? { password: settings.dbPassword } : {}),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `${where} is already in use: is another collector running? (choose another with --listen)`
            : err.code === 'EADDRNOTAVAIL'
              ? `${where}: this machine has no such address (check --listen)`
              : `cannot listen on ${where}: ${err.message}`,
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
}
