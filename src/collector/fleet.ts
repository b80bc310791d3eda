// Every slave the collector knows, in memory: the truth consoles see, kept in step with SQLite.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { InventoryEntry } from '../domain/inventory.js';
import { parkView, reviewDue, type Park } from '../domain/park.js';
import type { Muting, SlaveView } from '../domain/slave.js';
import {
  applyHeartbeat,
  newRecord,
  recordState,
  toView,
  type SlaveMutes,
  type SlaveReboot,
  type SlaveRecord,
} from '../domain/slave-record.js';
import { compareByStateThenAge } from '../domain/sort.js';
import type { SlaveState } from '../domain/state.js';
import type { ThresholdPolicy } from '../domain/thresholds.js';

export interface StateChange {
  name: string;
  from: SlaveState;
  to: SlaveState;
}

export class Fleet {
  private readonly records = new Map<string, SlaveRecord>();
  /** The state each slave was last seen in, to notice crossings as time passes. */
  private readonly states = new Map<string, SlaveState>();
  private changed = new Set<string>();
  private removed = new Set<string>();
  private readonly listeners = new Set<() => void>();
  /** Slaves in the inventory: setInventory gives each a record, and only it changes the count. */
  private listed = 0;
  /** Parked slaves (kept apart from the records, which inventory reloads rebuild). */
  private readonly parks = new Map<string, Park>();
  /** Parked slaves whose review date had passed at the last tick: a crossing is a change. */
  private readonly reviewsDue = new Set<string>();

  constructor(
    readonly policy: ThresholdPolicy,
    private readonly maxStarts: number,
  ) {}

  get size(): number {
    return this.records.size;
  }

  /** Slaves known only from their heartbeats. */
  get unlistedCount(): number {
    // Between the steps of an inventory being applied, its new names may not all be records yet.
    return Math.max(0, this.records.size - this.listed);
  }

  get(name: string): SlaveRecord | undefined {
    return this.records.get(name);
  }

  load(records: Array<Omit<SlaveRecord, 'inventory'>>, now: number): void {
    for (const r of records) {
      const record = { ...r, inventory: this.records.get(r.name)?.inventory ?? null };
      this.records.set(r.name, record);
      this.states.set(r.name, recordState(record, this.policy, now));
    }
  }

  /**
   * Makes committed heartbeats the truth, in the order they were written. Muting, inventory and
   * a reboot under way stay as they are, except that a start at or after a reboot ends it.
   */
  apply(heartbeats: readonly Heartbeat[], now: number): StateChange[] {
    const touched = new Set<string>();
    for (const h of heartbeats) {
      const current = this.records.get(h.slave) ?? newRecord(h.slave);
      this.records.set(h.slave, applyHeartbeat(current, h, this.maxStarts));
      touched.add(h.slave);
    }
    const changes: StateChange[] = [];
    for (const name of touched) {
      this.markChanged(name);
      const change = this.refreshState(this.records.get(name)!, now);
      if (change) changes.push(change);
    }
    this.notify();
    return changes;
  }

  /**
   * Applies a new inventory: never-heard slaves appear or go; known slaves gain or lose attributes.
   * Returns the state changes it made (a slave moved to a pool with shorter thresholds is late now).
   */
  setInventory(entries: readonly InventoryEntry[], now: number): StateChange[] {
    const steps = this.inventorySteps(entries, now, Infinity);
    let step = steps.next();
    while (!step.done) step = steps.next();
    return step.value;
  }

  /**
   * `setInventory` in steps of `slice` slaves: the caller runs one step per event-loop turn, so
   * 100k slaves never hold the loop (heartbeats change the fleet between steps; each step reads
   * the records afresh). Consoles see each step's changes as they happen.
   */
  *inventorySteps(
    entries: readonly InventoryEntry[],
    now: number,
    slice: number,
  ): Generator<void, StateChange[]> {
    const changes: StateChange[] = [];
    const refresh = (record: SlaveRecord) => {
      const change = this.refreshState(record, now);
      if (change) changes.push(change);
    };
    const wanted = new Set(entries.map((e) => e.name));
    this.listed = wanted.size;
    let done = 0;
    for (const name of [...this.records.keys()]) {
      if (++done % slice === 0) yield this.notify();
      const record = this.records.get(name);
      if (!record || wanted.has(name) || record.inventory === null) continue;
      if (record.lastHeartbeat === null) {
        this.records.delete(name);
        this.states.delete(name);
        this.changed.delete(name);
        this.removed.add(name);
      } else {
        const next = { ...record, inventory: null };
        this.records.set(name, next);
        this.markChanged(name);
        refresh(next);
      }
    }
    for (const entry of entries) {
      if (++done % slice === 0) yield this.notify();
      const record = this.records.get(entry.name);
      if (record && sameEntry(record.inventory, entry)) continue;
      const next = record ? { ...record, inventory: entry } : newRecord(entry.name, entry);
      this.records.set(entry.name, next);
      this.removed.delete(entry.name);
      this.markChanged(entry.name);
      refresh(next);
    }
    this.notify();
    return changes;
  }

  /** Applies who muted which slave in Nagios; returns how many changed. */
  setMuting(muting: ReadonlyMap<string, SlaveMutes>): number {
    let changed = 0;
    for (const [name, { muted, mutes }] of muting) {
      const record = this.records.get(name);
      if (!record || sameMutes(record, muted, mutes)) continue;
      this.records.set(name, { ...record, muted, mutes });
      this.markChanged(name);
      changed++;
    }
    if (changed > 0) this.notify();
    return changed;
  }

  /** Sets a slave's reboot status (the reboot scheduler's); the state follows. */
  setReboot(name: string, reboot: SlaveReboot | null, now: number): StateChange | null {
    const record = this.records.get(name);
    if (!record) return null;
    const next = { ...record, reboot };
    this.records.set(name, next);
    this.markChanged(name);
    const change = this.refreshState(next, now);
    this.notify();
    return change;
  }

  /** Sets or (null) forgets a slave's park; consoles see it in the next delta. */
  setPark(name: string, park: Park | null, now: number): void {
    if (park === null) {
      if (!this.parks.delete(name)) return;
      this.reviewsDue.delete(name);
    } else {
      this.parks.set(name, park);
      if (reviewDue(park, now)) this.reviewsDue.add(name);
      else this.reviewsDue.delete(name);
    }
    if (this.records.has(name)) {
      this.markChanged(name);
      this.notify();
    }
  }

  park(name: string): Park | undefined {
    return this.parks.get(name);
  }

  /** Every park, in no particular order. */
  allParks(): Park[] {
    return [...this.parks.values()];
  }

  /** Every record, in no particular order. */
  all(): IterableIterator<SlaveRecord> {
    return this.records.values();
  }

  /** Re-evaluates every state against the clock; the crossings time alone brought. */
  tick(now: number): StateChange[] {
    const changes: StateChange[] = [];
    for (const record of this.records.values()) {
      const change = this.refreshState(record, now);
      if (change) {
        this.markChanged(record.name);
        changes.push(change);
      }
    }
    const reviews = this.reviewsFallingDue(now);
    if (changes.length > 0 || reviews) this.notify();
    return changes;
  }

  /** Marks the parks whose review date passed since the last tick; whether there were any. */
  private reviewsFallingDue(now: number): boolean {
    let any = false;
    for (const park of this.parks.values()) {
      if (this.reviewsDue.has(park.slave) || !reviewDue(park, now)) continue;
      this.reviewsDue.add(park.slave);
      if (this.records.has(park.slave)) this.markChanged(park.slave);
      any = true;
    }
    return any;
  }

  /** Hands over (and forgets) what changed since the last call: the makings of one delta. */
  takeChanges(): { changed: string[]; removed: string[] } {
    const out = { changed: [...this.changed], removed: [...this.removed] };
    this.changed = new Set();
    this.removed = new Set();
    return out;
  }

  hasChanges(): boolean {
    return this.changed.size > 0 || this.removed.size > 0;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(name: string, now: number): SlaveView | undefined {
    const record = this.records.get(name);
    return record && this.toView(record, now);
  }

  /** All slaves in the console's default order. */
  views(now: number): SlaveView[] {
    return [...this.records.values()]
      .map((r) => ({
        name: r.name,
        state: recordState(r, this.policy, now),
        lastStart: r.lastStart,
        r,
      }))
      .sort(compareByStateThenAge)
      .map(({ r }) => this.toView(r, now));
  }

  /** The record's view with its park. */
  private toView(record: SlaveRecord, now: number): SlaveView {
    const park = this.parks.get(record.name);
    return { ...toView(record, this.policy, now), parked: park ? parkView(park, now) : null };
  }

  countByState(): Map<SlaveState, number> {
    const counts = new Map<SlaveState, number>();
    for (const s of this.states.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    return counts;
  }

  private refreshState(record: SlaveRecord, now: number): StateChange | null {
    const to = recordState(record, this.policy, now);
    const from = this.states.get(record.name);
    if (from === to) return null;
    this.states.set(record.name, to);
    return from === undefined ? null : { name: record.name, from, to };
  }

  private markChanged(name: string): void {
    this.changed.add(name);
    this.removed.delete(name);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}

function sameMutes(r: SlaveRecord, muted: Muting | null, mutes: Muting[]): boolean {
  const before = r.mutes ?? [];
  if ((r.muted ?? null) === null && muted === null && before.length === 0 && mutes.length === 0) {
    return true; // the common case, without JSON
  }
  return JSON.stringify([r.muted ?? null, before]) === JSON.stringify([muted, mutes]);
}

/** Field by field: a reload compares every slave of the inventory, so no JSON per entry. */
function sameEntry(a: InventoryEntry | null, b: InventoryEntry): boolean {
  if (a === null) return false;
  if (a.name !== b.name || a.pool !== b.pool || a.master !== b.master) return false;
  const keys = Object.keys(a.attributes);
  if (keys.length !== Object.keys(b.attributes).length) return false;
  return keys.every((k) => a.attributes[k] === b.attributes[k]);
}
