// bench:crash: kill -9 the collector under load, again and again, and count what it acknowledged
// against what a restart brings back; how long each restart takes to listen and to load.
// Not a test: it prints figures. BENCH_ROUNDS (default 3) crashes, BENCH_SECONDS (default 5) of load before each.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './server.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SENDERS = 32;
const corral = path.join(import.meta.dirname, '../bin/corral.js');

/** One heartbeat POST over a kept-alive connection; resolves with the status, rejects when the collector is gone. */
function post(url, agent, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/v1/heartbeats`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

async function getSlaves(url) {
  const res = await fetch(`${url}/api/v1/slaves`);
  const body = await res.json();
  return new Set(body.slaves.map((s) => s.name));
}

const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-crash-'));
const db = path.join(dir, 'corral.db');
// Every heartbeat names a new slave (so a lost one shows by name): lift the cap on unlisted slaves.
const config = path.join(dir, 'corral.yaml');
writeFileSync(config, 'limits: {unlisted_slaves: 100000000}\n');
const collectorArgs = [
  corral,
  'collector',
  '--config',
  config,
  '--listen',
  '127.0.0.1:0',
  '--db',
  db,
];
const acknowledged = new Set();
const rows = [];
let collector = await startServer(collectorArgs);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const before = acknowledged.size;
    let stop = false;
    const senders = Array.from({ length: SENDERS }, async (_, sender) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; !stop; i++) {
        const slave = `crash-r${round}-s${sender}-${i}`;
        try {
          const status = await post(collector.url, agent, JSON.stringify({ slave }));
          if (status === 202) acknowledged.add(slave);
        } catch {
          break; // gone: this one was never acknowledged
        }
      }
      agent.destroy();
    });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    collector.child.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);
    collector = await startServer(collectorArgs);
    const present = await getSlaves(collector.url);
    const lost = [...acknowledged].filter((name) => !present.has(name)).length;
    rows.push({
      round,
      acknowledged: acknowledged.size - before,
      'total acknowledged': acknowledged.size,
      lost,
      'restart to listening (ms)': Math.round(collector.ms),
      'slaves loaded': collector.entry.slaves,
    });
  }
} finally {
  collector.child.kill('SIGTERM');
  await new Promise((r) => collector.child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.table(rows);
const worst = rows.reduce((n, r) => Math.max(n, r.lost), 0);
console.log(
  `${acknowledged.size} heartbeats acknowledged over ${ROUNDS} kill -9s; at worst ${worst} missing after a restart`,
);
