// The collector's inventory: the inventory file (parsed in a worker thread) and Nagios's
// objects.cache, merged (the file wins on a name) and applied to the fleet a slice per event-loop
// turn, one reload at a time. A file that cannot be loaded keeps the last good inventory.
import type { InventoryEntry } from '../domain/inventory.js';
import type { NagiosMapping } from '../nagios/mapping.js';
import { readObjectCacheInventory } from '../nagios/object-cache.js';
import type { Fleet, StateChange } from './fleet.js';
import type { Health } from './health.js';
import { mergeInventories, watchInventory } from './inventory.js';
import { readInventoryInThread, type InventoryRead } from './inventory-thread.js';
import type { Logger } from './logger.js';

export interface InventorySourcesOptions {
  file: string | null;
  maxBytes: number;
  objectCache: string | null;
  mapping: NagiosMapping;
  fleet: Fleet;
  health: Health;
  log: Logger;
  /** Called once an inventory is applied, with the state changes it made (for Nagios). */
  onChanges(changes: StateChange[], now: number): void;
}

/** Slaves applied per event-loop turn: a few milliseconds of work. */
const SLICE = 1000;

export class InventorySources {
  private fromFile: InventoryEntry[] = [];
  private fromNagios: InventoryEntry[] = [];
  /** Loads run one after another; a reload asked for while one waits joins it. */
  private queue: Promise<void> = Promise.resolve();
  private readonly waiting = new Map<'file' | 'nagios', Promise<void>>();
  private reading: InventoryRead | null = null;
  private unwatchers: Array<() => void> = [];
  private closed = false;

  constructor(private readonly o: InventorySourcesOptions) {}

  /** Reads the inventory file again (SIGHUP, a change, the start); never rejects. */
  reloadFile(): Promise<void> {
    return this.enqueue('file', () => this.loadFile());
  }

  reloadObjectCache(): Promise<void> {
    return this.enqueue('nagios', () => this.loadObjectCache());
  }

  /** Watches both files; a watch that cannot be set up is said once, with what to do instead. */
  watch(): void {
    const sources = [
      { file: this.o.file, reload: () => void this.reloadFile() },
      { file: this.o.objectCache, reload: () => void this.reloadObjectCache() },
    ];
    for (const { file, reload } of sources) {
      if (file === null) continue;
      this.unwatchers.push(
        watchInventory(file, reload, (reason) =>
          this.o.log.warn(
            { file, reason },
            'not watching for changes: after each edit, reload with SIGHUP (kill -HUP <collector pid>)',
          ),
        ),
      );
    }
  }

  close(): void {
    this.closed = true;
    for (const unwatch of this.unwatchers) unwatch();
    this.reading?.cancel();
  }

  private enqueue(source: 'file' | 'nagios', load: () => Promise<void>): Promise<void> {
    const waiting = this.waiting.get(source);
    if (waiting) return waiting;
    const next = this.queue
      .then(() => {
        this.waiting.delete(source);
        return this.closed ? undefined : load();
      })
      // Never a rejected queue: one reload gone wrong must not stop every later one.
      .catch((err: Error) => this.o.log.error({ reason: err.message }, 'inventory reload failed'));
    this.waiting.set(source, next);
    this.queue = next;
    return next;
  }

  private async loadFile(): Promise<void> {
    const file = this.o.file;
    if (file === null) return;
    this.reading = readInventoryInThread(file, this.o.maxBytes);
    try {
      this.fromFile = await this.reading.entries;
    } catch (err) {
      if (this.closed) return;
      const reason = (err as Error).message;
      this.o.health.set('inventory', `${reason} (the last good inventory is kept)`);
      this.o.log.error({ file, reason }, 'inventory not loaded; keeping the last good one');
      return;
    } finally {
      this.reading = null;
    }
    this.o.health.set('inventory', null);
    await this.apply();
    this.o.log.info({ file, slaves: this.fromFile.length }, 'inventory loaded');
  }

  private async loadObjectCache(): Promise<void> {
    const file = this.o.objectCache;
    if (file === null) return;
    try {
      this.fromNagios = await readObjectCacheInventory(file, this.o.mapping);
    } catch (err) {
      this.o.log.error(
        { reason: (err as Error).message },
        "Nagios's objects not loaded; keeping the last",
      );
      return;
    }
    await this.apply();
    this.o.log.info({ file, slaves: this.fromNagios.length }, "Nagios's objects loaded");
  }

  /** Applies the merged inventory a slice per turn, so heartbeats are answered meanwhile. */
  private async apply(): Promise<void> {
    const now = Date.now();
    const entries =
      this.fromNagios.length === 0
        ? this.fromFile
        : mergeInventories(this.fromFile, this.fromNagios);
    const steps = this.o.fleet.inventorySteps(entries, now, SLICE);
    let step = steps.next();
    while (!step.done) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.closed) return;
      step = steps.next();
    }
    for (const c of step.value) this.o.log.info(c, 'state changed');
    this.o.onChanges(step.value, now);
  }
}
