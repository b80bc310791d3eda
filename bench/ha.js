// bench:ha: two collectors on one PostgreSQL. Durable heartbeats per second with one collector on
// SQLite, one on PostgreSQL and two on the same PostgreSQL, measured in the same run; and the
// cross-collector delta latency: a heartbeat posted to collector A, timed to the delta that carries
// it on a console of collector B, idle and under load; and failover: the owner killed (SIGKILL) to
// the survivor owning the single-owner work. Not a test: it prints figures.
// BENCH_SECONDS (default 10) sets each load phase's length. Needs Debian's postgresql.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startPostgres } from './postgres.js';
import { startServer, stop } from './server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;
const SLAVES = 10_000;
const PROBE_EVERY_MS = 100;
const here = import.meta.dirname;
const corral = path.join(here, '../bin/corral.js');

function runLoad(url, connections) {
  const args = [path.join(here, 'load.js'), url, connections, SECONDS, SLAVES];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve) =>
    child.once('exit', () => resolve(JSON.parse(out.trim().split('\n').at(-1)))),
  );
}

function startCollector(db, options = {}) {
  const args = [corral, 'collector', '--listen', '127.0.0.1:0', '--db', db];
  return startServer(options.config ? [...args, '--config', options.config] : args, options);
}

const OWNS = 'this collector owns the single-owner work (forwarding, reboot chains)';
const FAILOVER_ROUNDS = 3;

/**
 * Two collectors that can own (reboot methods configured); the owner is killed with SIGKILL and
 * the time until the survivor says it owns is taken, FAILOVER_ROUNDS times (the killed one is
 * started again each round, and owns next time round).
 */
async function failover(db, config) {
  const start = async () => {
    const started = { owns: null };
    const s = await startCollector(db, {
      config,
      onLog: (entry) => {
        if (entry.msg === OWNS) started.owns = performance.now();
      },
    });
    return Object.assign(started, s);
  };
  const waitOwner = async (list, ms) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const owner = list.find((c) => c.owns !== null);
      if (owner) return owner;
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  };
  let running = [await start(), await start()];
  const times = [];
  for (let round = 0; round < FAILOVER_ROUNDS; round++) {
    const owner = await waitOwner(running, 30_000);
    if (!owner) break; // this corral has no ownership
    const survivor = running.find((c) => c !== owner);
    survivor.owns = null;
    const killedAt = performance.now();
    await new Promise((resolve) => {
      owner.child.once('exit', resolve);
      owner.child.kill('SIGKILL');
    });
    const next = await waitOwner([survivor], 30_000);
    if (!next) break;
    times.push(next.owns - killedAt);
    running = [survivor, await start()];
  }
  await Promise.all(running.map((c) => (c.child.exitCode === null ? stop(c.child) : null)));
  return times;
}

const DELTA = Buffer.from('{"type":"delta"');
const SNAPSHOT = Buffer.from('{"type":"snapshot"');

/** Posts a probe heartbeat to `postTo` every 100 ms until `until`; times each to the delta on `watch`'s console. */
async function crossLatency(postTo, watch, until) {
  const ws = new WebSocket(watch.replace('http:', 'ws:') + '/api/v1/stream');
  await new Promise((resolve) => {
    const onMessage = (data) => {
      if (!data.subarray(0, SNAPSHOT.length).equals(SNAPSHOT)) return;
      ws.off('message', onMessage);
      resolve();
    };
    ws.on('message', onMessage);
  });
  const waiting = new Map(); // probe name -> sentAt
  const latencies = [];
  ws.on('message', (data) => {
    if (!data.subarray(0, DELTA.length).equals(DELTA)) return;
    for (const [name, sentAt] of waiting) {
      if (!data.includes(`"${name}"`)) continue;
      latencies.push(performance.now() - sentAt);
      waiting.delete(name);
    }
  });
  let n = 0;
  const run = `${Date.now().toString(36)}`;
  while (Date.now() < until) {
    const name = `probe-${run}-${n++}`;
    waiting.set(name, performance.now());
    await fetch(`${postTo}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slave: name }),
    });
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  await new Promise((r) => setTimeout(r, 2000));
  ws.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    probes: n,
    samples: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1),
  };
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const row = (label, rest) => console.log(`${label.padEnd(48)}${rest}`);
const rateOf = (...loads) => loads.reduce((sum, r) => sum + r.ok / r.seconds, 0);
const load = (...loads) =>
  `${fmt(rateOf(...loads))}/s   p50 ${loads.map((r) => r.latencyP50).join('/')} ms  p99 ` +
  `${loads.map((r) => r.latencyP99).join('/')} ms` +
  (loads.some((r) => r.non2xx || r.errors)
    ? `   non-2xx ${loads.map((r) => r.non2xx).join('/')}, errors ${loads.map((r) => r.errors).join('/')}`
    : '');
const latency = (p) =>
  p.samples === 0
    ? `no delta arrived for ${p.probes} probes`
    : `p50 ${fmt(p.p50, 1)} ms  p99 ${fmt(p.p99, 1)} ms  max ${fmt(p.max, 1)} ms  (${p.samples} of ${p.probes} probes)`;

console.log(
  `bench:ha: ${CONNECTIONS} keep-alive connections in all (autocannon), ${SECONDS}s per phase, ` +
    `${SLAVES} slave names, one heartbeat per POST`,
);

// 1. One collector on SQLite, the embedded default.
const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-ha-'));
const sqlite = await startCollector(path.join(dir, 'corral.db'));
const sqliteLoad = await runLoad(sqlite.url, CONNECTIONS);
await stop(sqlite.child);
rmSync(dir, { recursive: true, force: true });

const postgres = await startPostgres();
try {
  // 2. One collector on PostgreSQL.
  const one = await startCollector(await postgres.createDatabase('one'));
  const oneLoad = await runLoad(one.url, CONNECTIONS);
  await stop(one.child);

  // 3. Two collectors on one PostgreSQL, loaded together; then 4. probes posted to A, seen on B.
  const shared = await postgres.createDatabase('shared');
  const a = await startCollector(shared);
  const b = await startCollector(shared);
  const [twoA, twoB] = await Promise.all([
    runLoad(a.url, CONNECTIONS / 2),
    runLoad(b.url, CONNECTIONS / 2),
  ]);
  const idle = await crossLatency(a.url, b.url, Date.now() + 5000);
  const [, , loaded] = await Promise.all([
    runLoad(a.url, CONNECTIONS / 2),
    runLoad(b.url, CONNECTIONS / 2),
    crossLatency(a.url, b.url, Date.now() + SECONDS * 1000 - 500),
  ]);
  await Promise.all([stop(a.child), stop(b.child)]);

  // 5. Failover: the owner killed, the survivor owns.
  const config = path.join(mkdtempSync(path.join(tmpdir(), 'corral-bench-ha-')), 'corral.yaml');
  writeFileSync(
    config,
    'reboot:\n  methods:\n    - {name: noop, argv: [/bin/true], timeout: 5s, wait: 60s}\n',
  );
  const failovers = await failover(await postgres.createDatabase('failover'), config);
  rmSync(path.dirname(config), { recursive: true, force: true });

  console.log('');
  row('one collector, SQLite', load(sqliteLoad));
  row('one collector, PostgreSQL', load(oneLoad));
  row('two collectors, one PostgreSQL (A/B)', load(twoA, twoB));
  row('POST to A -> delta on a console of B, idle', latency(idle));
  row('POST to A -> delta on B, both loaded', `${latency(loaded)}   (target: p99 < 500 ms)`);
  row(
    'owner killed -> the survivor owns',
    failovers.length === 0
      ? 'no collector said it owns: this corral has no ownership'
      : `${failovers.map((ms) => `${fmt(ms / 1000, 2)} s`).join(', ')}   (target: < 15 s)`,
  );
} finally {
  postgres.stop();
}
