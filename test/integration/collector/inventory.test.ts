// The inventory: never-heard slaves, reload on SIGHUP and on change, a bad file keeps the last good one.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

let c: RunningCollector | undefined;
afterEach(async () => {
  await c?.stop();
  c?.cleanup();
  c = undefined;
});

type Slaves = {
  slaves: Array<{
    name: string;
    state: string;
    pool: string | null;
    attributes: Record<string, string>;
  }>;
};
const names = async () =>
  (await getJson<Slaves>(`${c!.url}/api/v1/slaves`)).body.slaves
    .map((s) => `${s.name}:${s.state}`)
    .sort();

describe('inventory', () => {
  it('lists slaves never heard from, and reloads on SIGHUP and when the file changes', async () => {
    c = await startCollector({ config: 'inventory: inventory.yaml\n' });
    // The config names inventory.yaml beside it; the file does not exist yet: the start still works.
    const file = path.join(c.dir, 'inventory.yaml');
    expect(c.logs.some((l) => l.msg === 'inventory not loaded; keeping the last good one')).toBe(
      true,
    );

    writeFileSync(file, 'slaves:\n  - {name: inv-1, pool: talos-r3-fed, pdu: pdu-4}\n  - inv-2\n');
    c.process.kill('SIGHUP');
    await waitFor(
      async () => (await names()).join() === 'inv-1:never,inv-2:never',
      5000,
      'the inventory',
    );
    const inv1 = (await getJson<Slaves>(`${c.url}/api/v1/slaves`)).body.slaves.find(
      (s) => s.name === 'inv-1',
    );
    expect(inv1).toMatchObject({ pool: 'talos-r3-fed', attributes: { pdu: 'pdu-4' } });

    await postJson(`${c.url}/api/v1/heartbeats`, { slave: 'inv-1' });
    expect(await names()).toEqual(['inv-1:ok', 'inv-2:never']);

    // Edited in place: picked up without a signal. inv-2 goes; inv-1 stays (it was heard from).
    writeFileSync(file, 'slaves:\n  - inv-3\n');
    await waitFor(
      async () => (await names()).join() === 'inv-1:ok,inv-3:never',
      5000,
      'the edited inventory',
    );

    // A bad edit keeps the last good inventory and says why.
    writeFileSync(file, 'slaves:\n  - {name: "bad name"}\n');
    await waitFor(
      () =>
        c!.logs.filter((l) => l.msg === 'inventory not loaded; keeping the last good one').length >=
        2,
      5000,
      'the bad inventory to be reported',
    );
    const reason = c.logs
      .filter((l) => l.msg === 'inventory not loaded; keeping the last good one')
      .at(-1)?.reason;
    expect(String(reason)).toMatch(/"bad name" is not a slave name/);
    expect(await names()).toEqual(['inv-1:ok', 'inv-3:never']);
  });

  it('reads a plain list of names', async () => {
    c = await startCollector({ config: 'inventory: slaves.txt\n' });
    writeFileSync(path.join(c.dir, 'slaves.txt'), '# farm\nlist-1\nlist-2\n');
    c.process.kill('SIGHUP');
    await waitFor(
      async () => (await names()).join() === 'list-1:never,list-2:never',
      5000,
      'the list',
    );
  });
});
