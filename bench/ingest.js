// bench:ingest: durable heartbeats per second against a bare node:http server measured in the same
// run, POST-to-delta latency at 20 consoles, and the collector's RSS with 10,000 slaves.
// Not a test: it prints figures. BENCH_SECONDS (default 10) sets each load phase's length;
// BENCH_DB a PostgreSQL URL to measure on it (default: a SQLite file).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, stop } from './server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;
const CONSOLES = 20;
const SLAVES = 10_000;
const here = import.meta.dirname;
const corral = path.join(here, '../bin/corral.js');

/** wrk (C, from Debian's package) if present: it leaves more of the two cores to the servers. */
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));

function runLoad(url) {
  const args = WRK
    ? ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '-s', path.join(here, 'load.lua'), url]
    : [path.join(here, 'load.js'), url, CONNECTIONS, SECONDS, SLAVES];
  const child = spawn(WRK ?? process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // wrk prints its own report first; our JSON summary is the last line.
  return new Promise((resolve) =>
    child.once('exit', () => resolve(JSON.parse(out.trim().split('\n').at(-1)))),
  );
}

const DELTA = Buffer.from('{"type":"delta"');

/** Connects consoles and, while the load runs, times probe heartbeats from POST to each console's delta. */
async function probeLatency(url, consoles, until) {
  const wsUrl = url.replace('http:', 'ws:') + '/api/v1/stream';
  // Probes start once every console has its snapshot: what is timed is a delta, not the
  // transfer of 20 whole fleets.
  const SNAPSHOT = Buffer.from('{"type":"snapshot"');
  const sockets = await Promise.all(
    Array.from({ length: consoles }, () => {
      const ws = new WebSocket(wsUrl);
      return new Promise((resolve) => {
        const onMessage = (data) => {
          if (!data.subarray(0, SNAPSHOT.length).equals(SNAPSHOT)) return;
          ws.off('message', onMessage);
          resolve(ws);
        };
        ws.on('message', onMessage);
      });
    }),
  );
  const waiting = new Map(); // probe name -> { sentAt, remaining }
  const latencies = [];
  for (const ws of sockets) {
    // Searched as bytes, not decoded: 20 consoles' deltas of ~0.5 MB each every 100 ms, read in
    // this one process, would otherwise add the probe's own decoding to what it measures.
    ws.on('message', (data) => {
      if (!data.subarray(0, DELTA.length).equals(DELTA)) return;
      for (const [name, probe] of waiting) {
        if (!data.includes(`"${name}"`)) continue;
        latencies.push(performance.now() - probe.sentAt);
        if (--probe.remaining === 0) waiting.delete(name);
      }
    });
  }
  let n = 0;
  while (Date.now() < until) {
    const name = `probe-${n++}`;
    waiting.set(name, { sentAt: performance.now(), remaining: consoles });
    await fetch(`${url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slave: name }),
    });
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const ws of sockets) ws.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    probes: n,
    samples: latencies.length,
    missing: n * consoles - latencies.length,
    p50: at(0.5),
    p99: at(0.99),
  };
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

console.log(
  `bench:ingest: ${CONNECTIONS} keep-alive connections (${WRK ? 'wrk' : 'autocannon'}), ${SECONDS}s per phase, ` +
    `${SLAVES} slave names, one heartbeat per POST`,
);
const row = (label, rest) => console.log(`${label.padEnd(42)}${rest}`);
const load = (r) =>
  `${fmt(r.ok / r.seconds)}/s   p50 ${r.latencyP50} ms  p99 ${r.latencyP99} ms` +
  (r.non2xx || r.errors ? `   non-2xx ${r.non2xx}, errors ${r.errors}` : '');
const delta = (p) =>
  p.samples === 0
    ? `no delta arrived (${p.missing} missing): the consoles saw none of the probes`
    : `p50 ${fmt(p.p50, 1)} ms  p99 ${fmt(p.p99, 1)} ms  (${p.samples} samples, ${p.missing} missing)`;

// 1. The baseline: a bare node:http server answering 204.
const bare = await startServer([path.join(here, 'bare-server.js')]);
const baseline = await runLoad(bare.url);
await stop(bare.child);
const bareRate = baseline.ok / baseline.seconds;

// 2. The collector alone, then 3. with 20 consoles connected and probes timed to their deltas.
const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-'));
const collector = await startServer([
  corral,
  'collector',
  '--listen',
  '127.0.0.1:0',
  '--db',
  // BENCH_DB=postgres://user@host:port/db measures the collector on PostgreSQL instead.
  process.env.BENCH_DB ?? path.join(dir, 'corral.db'),
]);
const alone = await runLoad(collector.url);
const quiet = await probeLatency(collector.url, CONSOLES, Date.now() + 3000);
const rssNow = () => metric(collector.url, 'corral_process_resident_memory_bytes');
let peakRss = 0;
const sampling = setInterval(async () => (peakRss = Math.max(peakRss, await rssNow())), 500);
const [watched, loaded] = await Promise.all([
  runLoad(collector.url),
  probeLatency(collector.url, CONSOLES, Date.now() + SECONDS * 1000 - 500),
]);
clearInterval(sampling);
const rss = await rssNow();
peakRss = Math.max(peakRss, rss);
const slaves = (await (await fetch(`${collector.url}/healthz`)).json()).slaves;
await stop(collector.child);
rmSync(dir, { recursive: true, force: true });
const rate = alone.ok / alone.seconds;

console.log('');
row('bare node:http, 204', `${load(baseline)}`);
row('collector, durable 202, no console', `${load(alone)}`);
row(
  '  as a share of the bare server',
  `${fmt((rate / bareRate) * 100, 1)}%   (targets: >= 40%, >= 15,000/s)`,
);
row(`collector, ${CONSOLES} consoles connected`, `${load(watched)}`);
row(`POST -> delta at ${CONSOLES} consoles, idle`, delta(quiet));
row(`POST -> delta at ${CONSOLES} consoles, loaded`, `${delta(loaded)}   (target: p99 < 150 ms)`);
const mb = (bytes) => fmt(bytes / 1024 / 1024, 1);
row(
  'collector RSS, after the load',
  `${mb(rss)} MB with ${fmt(slaves)} slaves (peak under load ${mb(peakRss)} MB)   (target: < 200 MB)`,
);
