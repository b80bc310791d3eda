// bench:reboot: 1,000 slaves rebooted by the collector through a fast method at concurrency 16,
// each done when its next start arrives: total time against the ideal (1,000 / 16 x the method's
// own mean duration), and the collector's CPU meanwhile; then 1,000 slaves waiting for their
// starts, to show what waiting costs. The "reboot" is curl posting the slave's start heartbeat:
// the cheapest real command there is. Not a test: it prints figures.
// BENCH_SLAVES, BENCH_CONCURRENCY and BENCH_WAIT_SECONDS override the defaults.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer } from './server.js';

const SLAVES = Number(process.env.BENCH_SLAVES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WAIT_SECONDS = Number(process.env.BENCH_WAIT_SECONDS ?? 10);
const corral = path.join(import.meta.dirname, '../bin/corral.js');

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

async function post(url, path, body) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-reboot-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
writeFileSync(
  path.join(dir, 'corral.yaml'),
  JSON.stringify({
    listen: `127.0.0.1:${port}`,
    reboot: {
      concurrency: CONCURRENCY,
      methods: [
        {
          name: 'fast',
          argv: [
            'curl',
            '-fsS',
            '-o',
            '/dev/null',
            '-X',
            'POST',
            `${base}/api/v1/slaves/{slave}/heartbeat`,
          ],
          timeout: '30s',
          wait: '2m',
        },
      ],
      pools: {
        // Succeeds and never comes back: the chains wait, holding no slot.
        waiting: [{ name: 'quiet', argv: ['true'], timeout: '30s', wait: '1h' }],
      },
    },
  }),
);
// The method needs the collector's address: a fixed free port is chosen by the OS first.
const { child, url } = await startServer([
  corral,
  'collector',
  '--config',
  path.join(dir, 'corral.yaml'),
  '--db',
  path.join(dir, 'c.db'),
]);
const ws = new WebSocket(url.replace('http:', 'ws:') + '/api/v1/stream');
const finished = new Map();
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  if (m.type === 'action' && m.event === 'finished') finished.get(m.action.id)?.(m.action);
});
await new Promise((resolve) => ws.once('open', resolve));
try {
  const names = Array.from({ length: SLAVES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const idle = names.map((n) => `${n}-w`);
  // The fleet exists and is dead: last start 8h ago.
  const at = new Date(Date.now() - 8 * 3600_000).toISOString();
  await post(url, '/api/v1/heartbeats', [
    ...names.map((slave) => ({ slave, at })),
    ...idle.map((slave) => ({ slave, at, pool: 'waiting' })),
  ]);

  const cpuBefore = cpuSeconds(child.pid);
  const started = performance.now();
  const { action } = await post(url, '/api/v1/actions', { kind: 'reboot', targets: names });
  const done = await new Promise((resolve) => finished.set(action.id, resolve));
  const totalMs = performance.now() - started;
  const cpu = cpuSeconds(child.pid) - cpuBefore;
  const attempts = (await (await fetch(`${url}/api/v1/actions/${action.id}`)).json()).attempts;
  const meanMs = attempts.reduce((a, x) => a + x.durationMs, 0) / attempts.length;
  const idealMs = (SLAVES / CONCURRENCY) * meanMs;

  // 1,000 chains waiting for starts that do not come.
  const waiting = (await post(url, '/api/v1/actions', { kind: 'reboot', targets: idle })).action;
  // Once every `true` has run, the chains only wait.
  for (;;) {
    const { attempts: ran } = await (await fetch(`${url}/api/v1/actions/${waiting.id}`)).json();
    if (ran.length >= idle.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const waitBefore = cpuSeconds(child.pid);
  await new Promise((r) => setTimeout(r, WAIT_SECONDS * 1000));
  const waitCpu = cpuSeconds(child.pid) - waitBefore;
  const rebooting = (await (await fetch(`${url}/api/v1/slaves?state=rebooting`)).json()).slaves
    .length;

  console.log(
    JSON.stringify({
      slaves: SLAVES,
      concurrency: CONCURRENCY,
      back: done.counts.back,
      methodMeanMs: Math.round(meanMs),
      idealSeconds: +(idealMs / 1000).toFixed(2),
      totalSeconds: +(totalMs / 1000).toFixed(2),
      overheadPercent: Math.round(((totalMs - idealMs) / idealMs) * 100),
      collectorCpuSeconds: +cpu.toFixed(2),
      collectorCpuPercentOfOneCore: Math.round((cpu / (totalMs / 1000)) * 100),
      waitingSlaves: rebooting,
      waitingCpuPercentOfOneCore: +((waitCpu / WAIT_SECONDS) * 100).toFixed(1),
    }),
  );
} finally {
  ws.close();
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  rmSync(dir, { recursive: true, force: true });
}
