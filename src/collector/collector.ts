// The collector assembled: store, fleet, inventory, HTTP API and WebSocket hub on one port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionEngine } from '../actions/engine.js';
import { poolOf } from '../domain/slave-record.js';
import { NagiosBridge } from '../nagios/bridge.js';
import { serviceView } from '../nagios/service-view.js';
import { rebootChains } from '../reboot/methods.js';
import { valuesFor } from '../reboot/placeholders.js';
import { Auth, isLoopback } from './auth.js';
import { parseListen, type Settings } from './config.js';
import { Fleet } from './fleet.js';
import { GroupCommit } from './group-commit.js';
import { createApi } from './http.js';
import { Health } from './health.js';
import { Hub } from './hub.js';
import { InventorySources } from './inventory-sources.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { NagiosLink, slaveRef } from './nagios-link.js';
import { Store } from './store.js';
import { StoreWriter } from './store-writer.js';
import { SummaryCheckpoint } from './summary-checkpoint.js';

export interface Collector {
  /** http://host:port, with the port actually bound. */
  url: string;
  fleet: Fleet;
  /** Reads the inventory file again; resolves once it is applied or refused (never rejects). */
  reloadInventory(): Promise<void>;
  /** Stops accepting, answers what is in flight, flushes and closes the database. */
  close(): Promise<void>;
}

const TICK_MS = 1000;
const PRUNE_MS = 3600_000;

export async function startCollector(settings: Settings, log: Logger): Promise<Collector> {
  const { host, port } = parseListen(settings.listen);
  // The main thread reads; a writer thread commits (so an fsync never stalls the event loop).
  const store = new Store(settings.db);
  const writer = new StoreWriter(settings.db);
  const fleet = new Fleet(settings.thresholds, settings.history.starts);
  const loaded = store.loadSlaves(settings.history.starts);
  fleet.load(loaded.slaves, Date.now());
  if (loaded.replayed.length > 0) {
    log.info(
      { slaves: loaded.replayed.length },
      'slaves brought up to date from the heartbeat log (heartbeats after the last checkpoint)',
    );
  }
  const checkpoint = new SummaryCheckpoint(writer, fleet, loaded);

  const health = new Health();
  const auth = new Auth(settings.tokens);
  const metrics = new Metrics({
    countByState: () => fleet.countByState(),
    consoles: (): number => hub.connected,
  });
  const nagios = settings.nagios;
  const link =
    nagios.commandFile === null
      ? null
      : new NagiosLink({ ...nagios, commandFile: nagios.commandFile }, fleet, metrics, log);
  if (link !== null) {
    log.info(
      { commandFile: nagios.commandFile, statusFile: nagios.statusFile },
      'forwarding to Nagios; actions enabled',
    );
  }
  if (link === null && nagios.statusFile !== null) {
    log.warn('nagios.status_file is ignored without nagios.command_file');
  }

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
    onChanges: (changes, now) => link?.afterTick(changes, now),
  });
  await inventory.reloadFile();
  await inventory.reloadObjectCache();
  inventory.watch();
  const unwatch = () => inventory.close();

  // Metrics reads the hub's count only when scraped, by which time the hub exists.
  const hub: Hub = new Hub(fleet, settings, metrics, log);
  const commits = new GroupCommit(writer, fleet, checkpoint, (heartbeats) => {
    for (const h of heartbeats) {
      metrics.heartbeats.inc({ kind: h.kind });
      // The proof a rebooting slave came back.
      if (h.kind === 'start') actions.reboots?.noteStart(h.slave, h.at);
    }
    // After the 202s are sent: Nagios never delays an acknowledgement.
    link?.afterCommit(heartbeats);
  });
  const actions = new ActionEngine({
    nagios: link && {
      bridge: link.bridge,
      dryRunBridge: (writer) =>
        new NagiosBridge({
          commandFile: link.settings.commandFile,
          statusFile: link.settings.statusFile,
          status: () => link.status,
          mapping: link.mapping,
          writer,
        }),
      status: () => link.status,
      hasStatusFile: link.settings.statusFile !== null,
      onStatus: (listener) => link.onStatus(listener),
    },
    reboot: rebootChains(settings.reboot) && {
      settings: settings.reboot,
      slave: (name) => {
        const record = fleet.get(name);
        if (!record) return undefined;
        const pool = poolOf(record);
        const master = record.master ?? record.inventory?.master ?? null;
        const attributes = record.inventory?.attributes ?? {};
        return {
          values: valuesFor(name, { pool, master, attributes }),
          pool,
          muted: (record.muted ?? null) !== null,
          reboot: record.reboot ?? null,
        };
      },
      setStatus: (name, status) => {
        const change = fleet.setReboot(name, status, Date.now());
        if (change) log.info(change, 'state changed');
        if (status?.phase === 'rebooting') return; // a chain does not outlive the process
        writer.setNeedsHands(name, status?.since ?? null).catch((err: Error) => {
          log.warn(
            { slave: name, reason: err.message },
            'cannot record that the slave needs hands',
          );
        });
      },
      saveAttempt: (actionId, attempt) => writer.saveAttempt(actionId, attempt),
    },
    slave: (name) => {
      const record = fleet.get(name);
      return record && slaveRef(record);
    },
    views: (names) => {
      const now = Date.now();
      return names.flatMap((n) => fleet.view(n, now) ?? []);
    },
    save: (action) => writer.saveAction(action),
    broadcast: (message) => hub.broadcast(message),
    lastActionId: store.lastActionId(),
    confirmWithinMs: nagios.confirmWithinSeconds * 1000,
    onTargets: (kind, outcome, n) => metrics.actions.inc({ kind, outcome }, n),
    warn: (details, msg) => log.warn(details, msg),
  });
  hub.handleActions((body, author, requestId) => actions.submit(body, author, requestId));
  const nagiosView =
    link &&
    ((name: string) => {
      const record = fleet.get(name);
      const status = link.status;
      if (!record || !status) return null;
      try {
        return serviceView(status, link.bridge.targetOf(slaveRef(record)));
      } catch {
        return null; // a name that cannot be a Nagios host has no service there
      }
    });
  const parts = { settings, auth, fleet, store, commits, health, hub, metrics, log, actions };
  const api = createApi(nagiosView ? { ...parts, nagiosView } : parts);

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000 }, (req, res) => {
    void api.handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => api.upgrade(req, socket, head));
  server.on('clientError', (_err, socket) => socket.destroy());
  try {
    await listen(server, host, port);
  } catch (err) {
    unwatch();
    hub.close();
    await actions.close();
    await link?.close();
    await writer.close();
    store.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;

  const tick = setInterval(() => {
    const now = Date.now();
    const changes = fleet.tick(now);
    for (const c of changes) log.info(c, 'state changed');
    link?.afterTick(changes, now);
  }, TICK_MS);
  // Reads status.dat, then sends Nagios the late and dead slaves: crossings made while stopped.
  void link?.start();
  const prune = setInterval(() => {
    writer.prune(Date.now() - settings.history.retentionSeconds * 1000).then(
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

  log.info({ url, db: settings.db, slaves: fleet.size }, 'listening');
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
    close() {
      closing ??= (async () => {
        clearInterval(tick);
        clearInterval(prune);
        unwatch();
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
        // Running reboot commands are stopped and every reboot is recorded as cancelled.
        await actions.close();
        await link?.close();
        server.closeIdleConnections();
        const forced = setTimeout(() => server.closeAllConnections(), 5000);
        await closed;
        clearTimeout(forced);
        await writer.close();
        store.close();
        log.info('stopped');
      })();
      return closing;
    },
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
