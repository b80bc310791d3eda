// One action run on a real SQLite file: recorded before it is announced, each step streamed then
// saved, finished once and shown as it stands until its end is saved; an action the store refuses
// is not taken, and a later save that fails is logged while the action goes on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionRuns, type ActionLedger } from '../../../src/actions/action-run.js';
import type { StoredActionLike } from '../../../src/actions/action-record.js';
import { ActionRefused, type PlannedAction } from '../../../src/actions/request.js';
import { openStoreReads, Store } from '../../../src/collector/store.js';
import type { AnyServerMessage } from '../../../src/domain/protocol.js';

let dir: string | null = null;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const plan: PlannedAction = {
  kind: 'recheck',
  targets: ['s1', 's2'],
  author: 'jdoe',
  at: Date.now(),
  params: {},
  dryRun: false,
};

/** A ledger saving into `store` (as the writer thread does, asynchronously), keeping what it hears. */
function ledger(store: Store, lastId = 0) {
  const messages: AnyServerMessage[] = [];
  const warnings: string[] = [];
  let id = lastId;
  const parts: ActionLedger = {
    nextActionId: () => Promise.resolve(++id),
    save: (a: StoredActionLike) => Promise.resolve().then(() => store.saveAction(a)),
    broadcast: (m) => messages.push(m),
    warn: (_details, msg) => warnings.push(msg),
  };
  return { parts, messages, warnings };
}

function files() {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-run-'));
  const file = path.join(dir, 'c.db');
  const store = new Store(file);
  const reads = openStoreReads(file);
  opened.push(store, reads);
  return { file, store, reads };
}

const events = (messages: AnyServerMessage[]) =>
  messages.map((m) => (m.type === 'action' ? `${m.event} ${m.action.id}` : m.type));

describe('ActionRuns', () => {
  it('records, announces, streams each step and finishes once; under way until its end is saved', async () => {
    const { store, reads } = files();
    const { parts, messages } = ledger(store, 41);
    const runs = new ActionRuns(parts);

    const run = await runs.begin(plan, 'recheck 2 slaves', 'req-1');
    expect(run.action.id).toBe(42);
    expect(reads.getAction(42)?.targets.map((t) => t.status)).toEqual(['pending', 'pending']);
    run.action.targets[0]!.status = 'sent';
    await run.step('sent');
    expect(reads.getAction(42)?.targets[0]!.status).toBe('sent');

    run.action.targets[1]!.status = 'failed';
    const finishing = run.finish();
    // Announced at once, and shown finished while the store still holds the unfinished one.
    expect(events(messages)).toEqual(['started 42', 'sent 42', 'finished 42']);
    expect(messages.every((m) => m.type === 'action' && m.requestId === 'req-1')).toBe(true);
    expect(reads.getAction(42)?.finishedAt).toBeNull();
    expect(runs.inFlight(42)).toMatchObject({ finishedAt: expect.any(String) });
    await finishing;
    expect(runs.inFlight(42)).toBeUndefined();
    expect(reads.getAction(42)).toMatchObject({ finishedAt: run.action.finishedAt });
    expect(reads.lastActionId()).toBe(42);
  });

  it('takes no action the store refuses, and numbers the next one on', async () => {
    const { reads, store } = files();
    // The main thread's connection refuses writes: a real failing save.
    const refusing = ledger(reads as Store);
    const runs = new ActionRuns(refusing.parts);
    const refused = await runs.begin(plan, 'recheck 2 slaves').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ActionRefused);
    expect(refused).toMatchObject({ reason: 'unavailable' });
    expect((refused as Error).message).toMatch(
      /^cannot record the action \(.*\); nothing was done$/,
    );
    expect(refusing.messages).toEqual([]);
    expect(runs.inFlight(1)).toBeUndefined();
    expect(reads.lastActionId()).toBe(0);

    // Recorded, then the store fails: the action goes on and finishes, the failure logged.
    let failing = false;
    const { parts, messages, warnings } = ledger(store);
    const flaky: ActionLedger = {
      ...parts,
      save: (a) => (failing ? Promise.reject(new Error('disk I/O error')) : parts.save(a)),
    };
    const run = await new ActionRuns(flaky).begin(plan, 'recheck 2 slaves');
    failing = true;
    await run.finish();
    expect(events(messages)).toEqual(['started 1', 'finished 1']);
    expect(warnings).toEqual(["cannot record an action's progress"]);
  });
});
