// Ownership on a real PostgreSQL (a private cluster): one advisory lock names the owner; its
// connection dying (terminated, the server stopped) ends ownership at once, and another takes it
// within 15 s; never two owners at once.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AdvisoryLockOwnership } from '../../../src/collector/ownership.js';
import { waitFor } from '../../support/collector.js';
import { postgresInstalled, testPostgres, type PostgresCluster } from '../../support/postgres.js';
import { available } from '../../support/requires.js';

const hasPostgres = available('PostgreSQL 15', postgresInstalled(), 'apt-get install postgresql');

let cluster: PostgresCluster;
let url: string;
const started: AdvisoryLockOwnership[] = [];

beforeAll(async () => {
  if (!hasPostgres) return;
  cluster = await testPostgres();
  url = await cluster.createDatabase();
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map((o) => o.close()));
});

/** A collector's ownership, with every change it heard (and how many others owned then). */
function collector(name: string, opts: { diesWithConnection?: boolean } = {}) {
  const changes: Array<{ owns: boolean; at: number; othersOwning: number }> = [];
  const troubles: string[] = [];
  const o = new AdvisoryLockOwnership({
    connection: { connectionString: url },
    trouble: (reason) => troubles.push(reason),
  });
  void o.start(name, (owns) => {
    changes.push({
      owns,
      at: Date.now(),
      othersOwning: started.filter((x) => x !== o && x.owns).length,
    });
    // Its host died: it never connects again (else it may take the lock back before the other).
    if (!owns && opts.diesWithConnection) void o.close();
  });
  started.push(o);
  return { o, changes, troubles };
}

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!hasPostgres)('ownership through a PostgreSQL advisory lock', () => {
  test('one owner; its connection dying ends it at once and the other takes over within 15 s', async () => {
    const a = collector('http://a.example:7420', { diesWithConnection: true });
    await waitFor(() => a.o.owns, 10_000, 'a to own');
    const b = collector('http://b.example:7420');
    // b tried (its connection is up and it names the owner) and does not own.
    expect(await waitFor(() => b.o.owner(), 10_000, 'b to see the owner')).toBe(
      'corral http://a.example:7420',
    );
    expect(b.o.owns).toBe(false);

    // The owner's session ends on the server (as when its host dies and TCP gives up).
    const [owner] = await sql<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'corral http://a.example:7420'`,
    );
    const killed = Date.now();
    await sql(`SELECT pg_terminate_backend(${owner!.pid})`);
    await waitFor(() => !a.o.owns, 5000, 'a to stop owning');
    await waitFor(() => b.o.owns, 15_000, 'b to take over');
    const takenAt = b.changes.find((c) => c.owns)!.at;
    expect(takenAt - killed).toBeLessThan(15_000);
    expect(a.troubles.join('\n')).toMatch(/ownership connection/);
    // a started again finds b the owner.
    const again = collector('http://a.example:7420');
    expect(await waitFor(() => again.o.owner(), 10_000)).toBe('corral http://b.example:7420');
    expect(again.o.owns).toBe(false);
    // Never two at once: each gain came while the other did not own.
    for (const c of [...a.changes, ...b.changes]) if (c.owns) expect(c.othersOwning).toBe(0);
    await Promise.all([again.o.close(), b.o.close()]);
  }, 60_000);

  test('the server stopped: the owner stops owning at once; once it is back, one owns again', async () => {
    const c = collector('http://c.example:7420');
    await waitFor(() => c.o.owns, 10_000, 'c to own');
    const d = collector('http://d.example:7420');
    await waitFor(() => d.o.owner(), 10_000, 'd to see the owner');
    await cluster.stop('fast');
    try {
      await waitFor(() => !c.o.owns, 5000, 'c to stop owning');
      expect(d.o.owns).toBe(false);
    } finally {
      await cluster.start();
    }
    await waitFor(() => c.o.owns || d.o.owns, 15_000, 'one to own again');
    expect(c.o.owns && d.o.owns).toBe(false);
    for (const x of [...c.changes, ...d.changes]) if (x.owns) expect(x.othersOwning).toBe(0);
    // Said once while it lasted, not every try.
    expect(c.troubles.filter((t) => t === c.troubles[0]).length).toBeLessThanOrEqual(2);
  }, 60_000);
});
