// bench:inventory: how long the collector's event loop stalls while it reloads a 100k-slave
// inventory (monitorEventLoopDelay), how much main-thread time the reload costs
// (eventLoopUtilization) and how long until it is applied. Not a test: it prints figures.
// BENCH_SLAVES (default 100000) sets the inventory's size.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const SLAVES = Number(process.env.BENCH_SLAVES ?? 100_000);
const dist = path.join(import.meta.dirname, '../dist/collector');
const { loadSettings } = await import(path.join(dist, 'config.js'));
const { startCollector } = await import(path.join(dist, 'collector.js'));
const { createLogger } = await import(path.join(dist, 'logger.js'));

function inventoryText(count, variant) {
  const lines = ['slaves:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  - name: slave-${String(i).padStart(6, '0')}`, `    pool: pool-${i % 50}`);
    lines.push(`    master: bm${(i + variant) % 20}`);
  }
  return lines.join('\n') + '\n';
}

const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-inventory-'));
const file = path.join(dir, 'inventory.yaml');
writeFileSync(file, 'slaves: [seed-1]\n');
const settings = loadSettings(undefined, {
  listen: '127.0.0.1:0',
  db: path.join(dir, 'corral.db'),
  inventory: file,
});
const collector = await startCollector(settings, createLogger({ file: '/dev/null' }));

async function reload(what, text) {
  writeFileSync(file, text);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  delay.enable();
  // Let the monitor tick first, so a reload that blocks the loop shows as one long stall.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await collector.reloadInventory();
  // A reload that runs on the event loop is over when the call returns; wait one more turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  delay.disable();
  const busy = performance.eventLoopUtilization(elu);
  console.log(
    `${what}: ${(text.length / 1e6).toFixed(1)} MB applied in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `event loop: worst stall ${(delay.max / 1e6).toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, ` +
      `main thread busy ${(busy.active / 1000).toFixed(2)} s; slaves ${collector.fleet.size}`,
  );
}

await reload(`${SLAVES} new slaves`, inventoryText(SLAVES, 0));
await reload(`${SLAVES} slaves, unchanged`, inventoryText(SLAVES, 0));
await reload(`${SLAVES} slaves, every master changed`, inventoryText(SLAVES, 1));
await collector.close();
rmSync(dir, { recursive: true, force: true });
