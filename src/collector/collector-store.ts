// The store as the collector sees it, whichever engine holds it (a SQLite file, PostgreSQL): reads
// as promises, writes as promises that resolve only once committed, action ids from the store.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { RebootAttemptView } from '../domain/protocol.js';
import type { RecordedChain } from '../reboot/resume.js';
import type { LoadedSlaves, SlaveUpdate, StoredAction, StoredMessage } from './store.js';

export type StoreEngine = 'sqlite' | 'postgres';

export interface CollectorStore {
  readonly engine: StoreEngine;
  /** Where the store is, safe to log: the file, or the URL without a password. */
  readonly where: string;

  /** The slaves as stored, brought up to date from the heartbeat log's tail. */
  loadSlaves(startsPerSlave: number): Promise<LoadedSlaves>;
  /** The slave's most recent heartbeats that carried a message, newest first. */
  recentMessages(slave: string, limit: number): Promise<StoredMessage[]>;
  /** The audit log, newest first; only actions naming `slave` when given. */
  listActions(limit: number, slave?: string): Promise<StoredAction[]>;
  getAction(id: number): Promise<StoredAction | undefined>;
  /** An action's reboot commands, in the order they ended. */
  listAttempts(actionId: number): Promise<RebootAttemptView[]>;
  /** Every reboot chain of an action not yet finished, as last recorded (the owner resumes them). */
  rebootChains(): Promise<RecordedChain[]>;
  /** A new action's id, never given twice (on PostgreSQL, not even to two collectors). */
  nextActionId(): Promise<number>;

  /** Appends heartbeats to the log; resolves with the id of the last once committed. */
  write(heartbeats: Heartbeat[], now: number): Promise<number>;
  /** Checkpoints slaves' summaries; with `through`, the last heartbeat id they all hold. */
  writeSummaries(slaves: SlaveUpdate[], through: number | null): Promise<number>;
  /** Records an action as it stands (inserted the first time, its progress after). */
  saveAction(action: StoredAction): Promise<number>;
  /** Records one reboot command run for an action. */
  saveAttempt(actionId: number, attempt: RebootAttemptView): Promise<number>;
  /** Keeps (or clears) that a slave needs hands, so a restart does not forget it. */
  setNeedsHands(slave: string, since: number | null): Promise<number>;
  /** Records where a reboot chain stands; resolves once committed (before its command runs). */
  saveChain(chain: RecordedChain): Promise<number>;
  /** Forgets the chains of a finished reboot action. */
  dropChains(actionId: number): Promise<number>;
  /** Drops heartbeats received before `before` that a checkpoint holds; resolves with how many. */
  prune(before: number): Promise<number>;

  /** Age of the oldest write still waiting for its commit, in ms (0 when none waits). */
  oldestWaitMs(now?: number): number;
  /** Waits for the writes under way, then closes. */
  close(): Promise<void>;
}

/** What the store tells the collector about its own health. */
export interface StoreEvents {
  /** Told what is wrong with the store when that changes, and null once writes succeed again. */
  onTrouble?: (problem: string | null) => void;
  /** Told each write the database refused. */
  onFailedWrite?: (op: string) => void;
}

/** A read the store could not answer now (PostgreSQL away): the API says 503, not 500. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}
