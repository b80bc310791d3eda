// bench:reboot: 1,000 slaves rebooted through a fast method at concurrency 16, against the real
// collector receiving their next starts: total time against the ideal (1,000 / 16 x the method's
// own mean duration), and the collector's CPU while it takes the heartbeats.
// The "reboot" is curl posting the slave's start heartbeat: the cheapest real command there is.
// Until the scheduler runs inside the collector, it runs here, fed by the collector's stream.
// Not a test: it prints figures. BENCH_SLAVES and BENCH_CONCURRENCY override the defaults.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { valuesFor } from '../dist/reboot/placeholders.js';
import { RebootScheduler } from '../dist/reboot/scheduler.js';

const SLAVES = Number(process.env.BENCH_SLAVES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const corral = path.join(import.meta.dirname, '../bin/corral.js');

function startCollector(dir) {
  const args = [corral, 'collector', '--listen', '127.0.0.1:0', '--db', path.join(dir, 'c.db')];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'listening') resolve({ child, url: entry.url });
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-reboot-'));
const { child, url } = await startCollector(dir);
try {
  const names = Array.from({ length: SLAVES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  // The fleet exists and is dead: last start 8h ago.
  const at = new Date(Date.now() - 8 * 3600_000).toISOString();
  const res = await fetch(`${url}/api/v1/heartbeats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(names.map((slave) => ({ slave, at }))),
  });
  if (res.status !== 202) throw new Error(`seeding the fleet: HTTP ${res.status}`);

  let scheduler;
  const ws = new WebSocket(url.replace('http:', 'ws:') + '/api/v1/stream');
  await new Promise((resolve) =>
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'snapshot') resolve();
      for (const view of m.slaves ?? m.changed ?? []) {
        if (view.lastStart) scheduler?.noteStart(view.name, Date.parse(view.lastStart));
      }
    }),
  );

  const method = {
    name: 'fast',
    argv: [
      'curl',
      '-fsS',
      '-o',
      '/dev/null',
      '-X',
      'POST',
      `${url}/api/v1/slaves/{slave}/heartbeat`,
    ],
    timeoutMs: 30_000,
    waitMs: 120_000,
    hands: false,
  };
  const durations = [];
  let maxRunning = 0;
  scheduler = new RebootScheduler({
    concurrency: CONCURRENCY,
    onEvent: (e) => {
      if (e.type === 'attempt') durations.push(e.durationMs);
      maxRunning = Math.max(maxRunning, scheduler.running);
    },
    onStatus: () => {},
  });
  const targets = names.map((slave) => ({
    values: valuesFor(slave, {}),
    methods: [method],
    muted: false,
    rebooting: false,
  }));

  const cpuBefore = cpuSeconds(child.pid);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const result = await scheduler.submit(targets, { includeMuted: false }).done;
  const totalMs = performance.now() - started;
  const cpu = cpuSeconds(child.pid) - cpuBefore;
  const own = process.cpuUsage(ownBefore);
  ws.close();

  const back = result.slaves.filter((s) => s.outcome === 'back').length;
  const meanMs = durations.reduce((a, b) => a + b, 0) / durations.length;
  const idealMs = (SLAVES / CONCURRENCY) * meanMs;
  const summary = {
    slaves: SLAVES,
    concurrency: CONCURRENCY,
    back,
    maxRunning,
    methodMeanMs: Math.round(meanMs),
    idealSeconds: +(idealMs / 1000).toFixed(2),
    totalSeconds: +(totalMs / 1000).toFixed(2),
    overheadPercent: Math.round(((totalMs - idealMs) / idealMs) * 100),
    collectorCpuSeconds: +cpu.toFixed(2),
    collectorCpuPercentOfOneCore: Math.round((cpu / (totalMs / 1000)) * 100),
    // What the scheduler (spawning the commands, following the stream) costs, here in this
    // process; it will run inside the collector once wired.
    schedulerCpuSeconds: +((own.user + own.system) / 1e6).toFixed(2),
  };
  console.log(JSON.stringify(summary));
} finally {
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  rmSync(dir, { recursive: true, force: true });
}
