// The query service on a real fleet and a real SQLite file: a slave's detail and the audit log
// show an action under way as it stands now, a finished one as stored, and nothing for the unknown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toView, type StoredActionLike } from '../../../src/actions/action-record.js';
import { Fleet } from '../../../src/collector/fleet.js';
import { Queries } from '../../../src/collector/queries.js';
import { openStoreReads, Store, type StoreReads } from '../../../src/collector/store.js';
import type { ActionView } from '../../../src/domain/protocol.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';

let dir: string | null = null;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const NOW = Date.now();

function action(id: number, targets: string[], finished: boolean): StoredActionLike {
  return {
    id,
    at: NOW - 1000,
    author: 'jdoe',
    kind: 'recheck',
    params: {},
    summary: `action ${id}`,
    finishedAt: finished ? NOW : null,
    targets: targets.map((slave) => ({ slave, status: 'pending', error: null })),
  };
}

/** A fleet of two slaves, a store holding actions 1 (finished) and 2 (as first recorded). */
function setUp(inFlight: Map<number, ActionView>): Queries {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-queries-'));
  const file = path.join(dir, 'c.db');
  const writer = new Store(file);
  const reads: StoreReads = openStoreReads(file);
  opened.push(writer, reads);
  writer.saveAction(action(1, ['s1'], true));
  writer.saveAction(action(2, ['s1', 's2'], false));
  const fleet = new Fleet(DEFAULT_POLICY, 10);
  fleet.apply(
    ['s1', 's2'].map((slave) => ({
      slave,
      kind: 'start' as const,
      at: NOW - 60_000,
      master: null,
      pool: null,
      message: null,
    })),
    NOW,
  );
  // The store seam's reads are promises; SQLite answers them from this read-only connection.
  const store = {
    recentMessages: async (slave: string, limit: number) => reads.recentMessages(slave, limit),
    listActions: async (limit: number, slave?: string) => reads.listActions(limit, slave),
    getAction: async (id: number) => reads.getAction(id),
    listAttempts: async (id: number) => reads.listAttempts(id),
  };
  return new Queries({ fleet, store, inFlight: (id) => inFlight.get(id) });
}

describe('Queries', () => {
  it('shows an action under way as it stands, not as first recorded, everywhere it appears', async () => {
    const now = action(2, ['s1', 's2'], false);
    now.targets[0]!.status = 'confirmed';
    now.targets[1]!.status = 'sent';
    const queries = setUp(new Map([[2, toView(now)]]));

    expect((await queries.action(2))?.action.targets.map((t) => t.status)).toEqual([
      'confirmed',
      'sent',
    ]);
    expect((await queries.actions(10)).map((a) => [a.id, a.counts.confirmed])).toEqual([
      [2, 1],
      [1, 0],
    ]);
    // A slave's detail: its own target of each action, newest first.
    const detail = (await queries.slave('s2', NOW))!;
    expect(detail.actions?.map((a) => [a.id, a.targets])).toEqual([
      [2, [{ slave: 's2', status: 'sent', error: null }]],
    ]);
    expect(detail.state).toBe('ok');
    expect(detail).not.toHaveProperty('nagios');
  });

  it('shows a finished action as stored; nothing for an unknown action or slave', async () => {
    const queries = setUp(new Map());
    expect((await queries.action(1))?.action).toMatchObject({
      id: 1,
      finishedAt: new Date(NOW).toISOString(),
    });
    expect(await queries.action(1)).not.toHaveProperty('attempts');
    expect((await queries.action(2))?.action.targets.map((t) => t.status)).toEqual([
      'pending',
      'pending',
    ]);
    expect(await queries.action(3)).toBeUndefined();
    expect(await queries.action(2 ** 60)).toBeUndefined();
    expect(await queries.slave('nobody', NOW)).toBeUndefined();
    expect(queries.slaves(NOW, new Set(['late']))).toEqual([]);
    expect(queries.slaves(NOW).map((s) => s.name)).toEqual(['s1', 's2']);
  });
});
