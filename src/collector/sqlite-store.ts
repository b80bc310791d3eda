// SQLite behind the store seam: the main thread's read-only connection answers reads, the writer
// thread commits (group commit), and action ids count on from the file's highest (one collector
// per file).
import type { Heartbeat } from '../domain/heartbeat.js';
import type { RebootAttemptView } from '../domain/protocol.js';
import type { RecordedChain } from '../reboot/resume.js';
import type { CollectorStore, StoreEvents } from './collector-store.js';
import { openStoreReads, type SlaveUpdate, type StoredAction, type StoreReads } from './store.js';
import { StoreWriter } from './store-writer.js';

export class SqliteStore implements CollectorStore {
  readonly engine = 'sqlite';
  private readonly reads: StoreReads;
  private readonly writer: StoreWriter;
  private lastActionId: number;

  /** Checks the file and brings its schema up to date (throws a DatabaseError), then starts the writer. */
  constructor(
    readonly where: string,
    events: StoreEvents = {},
  ) {
    this.reads = openStoreReads(where);
    try {
      this.writer = new StoreWriter(where, events);
    } catch (err) {
      this.reads.close();
      throw err;
    }
    this.lastActionId = this.reads.lastActionId();
  }

  /** What opening did: created, upgraded, how long the check took. */
  get opened(): StoreReads['opened'] {
    return this.reads.opened;
  }

  loadSlaves(startsPerSlave: number) {
    return Promise.resolve().then(() => this.reads.loadSlaves(startsPerSlave));
  }

  recentMessages(slave: string, limit: number) {
    return Promise.resolve().then(() => this.reads.recentMessages(slave, limit));
  }

  listActions(limit: number, slave?: string) {
    return Promise.resolve().then(() => this.reads.listActions(limit, slave));
  }

  getAction(id: number) {
    return Promise.resolve().then(() => this.reads.getAction(id));
  }

  listAttempts(actionId: number) {
    return Promise.resolve().then(() => this.reads.listAttempts(actionId));
  }

  rebootChains() {
    return Promise.resolve().then(() => this.reads.rebootChains());
  }

  /** Only this collector writes the file: counting on from its highest id is enough. */
  nextActionId(): Promise<number> {
    return Promise.resolve(++this.lastActionId);
  }

  write(heartbeats: Heartbeat[], now: number): Promise<number> {
    return this.writer.write(heartbeats, now);
  }

  writeSummaries(slaves: SlaveUpdate[], through: number | null): Promise<number> {
    return this.writer.writeSummaries(slaves, through);
  }

  saveAction(action: StoredAction): Promise<number> {
    return this.writer.saveAction(action);
  }

  saveAttempt(actionId: number, attempt: RebootAttemptView): Promise<number> {
    return this.writer.saveAttempt(actionId, attempt);
  }

  setNeedsHands(slave: string, since: number | null): Promise<number> {
    return this.writer.setNeedsHands(slave, since);
  }

  saveChain(chain: RecordedChain): Promise<number> {
    return this.writer.saveChain(chain);
  }

  dropChains(actionId: number): Promise<number> {
    return this.writer.dropChains(actionId);
  }

  prune(before: number): Promise<number> {
    return this.writer.prune(before);
  }

  oldestWaitMs(now?: number): number {
    return this.writer.oldestWaitMs(now);
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.reads.close();
  }
}
