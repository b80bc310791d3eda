// A large inventory is read off the collector's event loop: heartbeats keep their answers during a
// 100k-slave reload; an oversized, hostile or unreadable file is refused and the last good one kept.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getJson,
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

// The thread runs the built worker (node cannot run the .ts one), so this comes from dist/.
const { readInventoryInThread } = (await import(
  path.resolve(import.meta.dirname, '../../../dist/collector/inventory-thread.js')
)) as typeof import('../../../src/collector/inventory-thread.js');

/** Like the farm's: a name, pool and master per slave, in block YAML (~6 MB for 100k). */
function inventoryText(count: number): string {
  const lines = ['slaves:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - name: slave-${String(i).padStart(6, '0')}`, `    pool: pool-${i % 50}`);
    lines.push(`    master: bm${i % 20}`);
  }
  return lines.join('\n') + '\n';
}

/** Written beside and renamed into place, as an editor or config management does. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

type Health = {
  status: string;
  slaves: number;
  problems: Array<{ part: string; problem: string }>;
};
const health = async () => (await getJson<Health>(`${c!.url}/healthz`)).body;
const loaded = (slaves: number) => () =>
  c!.logs.some((l) => l.msg === 'inventory loaded' && l.slaves === slaves);
const refusals = () =>
  c!.logs.filter((l) => l.msg === 'inventory not loaded; keeping the last good one');

/** `corral beat` gives up after 5 s; a heartbeat must be answered well within that. */
const BEAT_BUDGET_MS = 5000;

describe('a large inventory', () => {
  it('is reloaded while heartbeats are answered within their budget', async () => {
    c = await startCollector({
      config: 'inventory: inventory.yaml\n',
      files: { 'inventory.yaml': inventoryText(10) },
    });
    const file = path.join(c.dir, 'inventory.yaml');
    const text = inventoryText(100_000);
    replace(file, text);
    c.process.kill('SIGHUP');

    // One heartbeat after another until the reload is applied; each one timed.
    const latencies: number[] = [];
    while (!loaded(100_000)()) {
      const started = performance.now();
      const res = await fetch(`${c.url}/api/v1/slaves/beat-1/heartbeat`, {
        method: 'POST',
        signal: AbortSignal.timeout(60_000),
      });
      expect(res.status).toBe(202);
      latencies.push(performance.now() - started);
      if (latencies.length > 100_000) throw new Error('the inventory was never applied');
    }
    latencies.sort((a, b) => a - b);
    const worst = latencies.at(-1)!;
    const median = latencies[Math.floor(latencies.length / 2)]!;
    console.log(
      `100k-slave reload (${(text.length / 1e6).toFixed(1)} MB): ${latencies.length} heartbeats, median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms`,
    );
    expect(worst).toBeLessThan(BEAT_BUDGET_MS);
    expect((await health()).slaves).toBe(100_001);
  }, 240_000);

  it('over limits.inventory_bytes is refused before reading; the last good one is kept', async () => {
    c = await startCollector({
      config: 'inventory: inventory.yaml\nlimits: {inventory_bytes: 65536}\n',
      files: { 'inventory.yaml': inventoryText(3) },
    });
    const file = path.join(c.dir, 'inventory.yaml');
    expect(await health()).toMatchObject({ status: 'ok', slaves: 3 });

    replace(file, inventoryText(2000)); // ~70 KB
    c.process.kill('SIGHUP');
    await waitFor(() => refusals().length === 1, 10_000, 'the refusal');
    expect(String(refusals()[0]!.reason)).toMatch(
      /inventory\.yaml: the inventory is \d+ bytes, over limits\.inventory_bytes \(65536\): raise the limit/,
    );
    const degraded = await health();
    expect(degraded).toMatchObject({ status: 'degraded', slaves: 3 });
    expect(degraded.problems).toEqual([
      expect.objectContaining({ part: 'inventory', problem: expect.stringMatching(/over limits/) }),
    ]);

    // Hostile YAML is refused the same way, naming the key.
    replace(file, 'slaves: &s [*s]\n');
    c.process.kill('SIGHUP');
    await waitFor(() => refusals().length === 2, 10_000, 'the second refusal');
    expect(String(refusals()[1]!.reason)).toMatch(
      /inventory\.yaml: slaves\.0: alias \*s refers to itself/,
    );
    expect((await health()).slaves).toBe(3);

    replace(file, inventoryText(5));
    c.process.kill('SIGHUP');
    await waitFor(loaded(5), 10_000, 'the good inventory');
    expect(await health()).toMatchObject({ status: 'ok', slaves: 5, problems: [] });
  });

  it('that needs more memory than its thread may use fails in the thread, not the collector', async () => {
    c = await startCollector({}); // a dir to write into
    const file = path.join(c.dir, 'inventory.yaml');
    writeFileSync(file, inventoryText(20_000));
    const read = readInventoryInThread(file, 64 * 1024 * 1024, 16);
    await expect(read.entries).rejects.toThrow(
      /inventory\.yaml: reading the inventory needs more than 16 MB of memory/,
    );
    // The same file with the heap it is given by default.
    expect((await readInventoryInThread(file, 64 * 1024 * 1024).entries).length).toBe(20_000);
  }, 60_000);

  it('whose directory cannot be watched says so once, with what to do', async () => {
    c = await startCollector({ config: 'inventory: no-such-dir/inventory.yaml\n' });
    const warnings = c.logs.filter((l) => String(l.msg).startsWith('not watching for changes'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      reason: expect.stringMatching(/cannot watch \S+no-such-dir: no such directory/),
      msg: expect.stringMatching(/after each edit, reload with SIGHUP/),
    });
  });
});
