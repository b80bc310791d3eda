// bench:nagios-outage: how long a real Nagios 4 takes to be told the truth again after an outage.
// N slaves beat (OK in status.dat), Nagios stops, every slave reports `critical` while it is down,
// Nagios starts again (state retention on, as on Debian, so it comes back showing OK): times from
// Nagios's start to the collector re-sending, and to all N CRITICAL in status.dat.
// Not a test: it prints figures. BENCH_SLAVES (default 5000) sets N. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStatus } from '../dist/nagios/status-file.js';
import { startServer } from './server.js';
import { layOutNagios } from './nagios.js';

const N = Number(process.env.BENCH_SLAVES ?? 5000);
const NAGIOS = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
const CORRAL = path.resolve(import.meta.dirname, '../bin/corral.js');
const slaves = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
const { dir, at } = layOutNagios('corral-bench-nagios-outage-', slaves, {
  retain_state_information: 1,
});
writeFileSync(at('inventory.txt'), slaves.join('\n') + '\n');
writeFileSync(
  at('corral.yaml'),
  [
    `inventory: ${at('inventory.txt')}`,
    'nagios:',
    `  command_file: ${at('rw/nagios.cmd')}`,
    `  status_file: ${at('status.dat')}`,
    '  status_interval: 1s',
    '',
  ].join('\n'),
);

let nagios = null;
let collector = null;
const logs = [];
process.once('exit', () => {
  nagios?.kill('SIGKILL');
  collector?.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

function startNagios() {
  nagios = spawn(NAGIOS, [at('nagios.cfg')], { stdio: 'ignore' });
}
async function stopNagios() {
  const exited = new Promise((r) => nagios.once('exit', r));
  nagios.kill('SIGTERM');
  await exited;
}

async function waitForStatus(predicate, timeoutMs = 120_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      if (predicate(parseStatus(readFileSync(at('status.dat'), 'utf8')))) return performance.now();
    } catch {
      // not there yet, or caught mid-write
    }
    await sleep(20);
  }
  throw new Error(`status.dat did not get there in ${timeoutMs} ms`);
}
/** Every slave in that state, with that output if one is given (a re-sent OK has other words). */
const all = (state, output) => (s) =>
  slaves.every((h) => {
    const svc = s.services.get(`${h};buildbot-start`);
    return svc?.state === state && (output === undefined || svc.output === output);
  });

async function startCollector() {
  const started = await startServer(
    [CORRAL, 'collector', '--listen', '127.0.0.1:0', '--db', at('corral.db')].concat([
      '--config',
      at('corral.yaml'),
    ]),
    { onLog: (entry) => logs.push({ ...entry, seenAt: performance.now() }) },
  );
  collector = started.child;
  return started.url;
}

/** In POSTs of at most 1,000 (under the collector's batch limit). */
async function beat(url, heartbeats) {
  for (let i = 0; i < heartbeats.length; i += 1000) {
    const res = await fetch(`${url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(heartbeats.slice(i, i + 1000)),
    });
    if (res.status !== 202) throw new Error(`heartbeats answered ${res.status}`);
  }
}

try {
  startNagios();
  await waitForStatus(() => statSync(at('rw/nagios.cmd')).isFIFO(), 30_000);
  const url = await startCollector();
  await beat(
    url,
    slaves.map((slave) => ({ slave, master: 'bm01' })),
  );
  await waitForStatus(all(0));

  await stopNagios();
  await beat(
    url,
    slaves.map((slave) => ({ slave, kind: 'critical', message: 'disk full' })),
  );

  const back = performance.now();
  startNagios();
  const seen = (await waitForStatus(all(2, 'CRITICAL - disk full'))) - back;
  let healthy = null;
  let said = '';
  while (healthy === null) {
    const res = await fetch(`${url}/healthz`);
    const body = await res.text();
    if (res.status === 200) healthy = performance.now() - back;
    else {
      if (body !== said) console.log(`  ${(performance.now() - back).toFixed(0)} ms: ${body}`);
      said = body;
      await sleep(20);
    }
  }
  const since = (msg) => {
    const l = logs.find((e) => e.seenAt > back && String(e.msg).includes(msg));
    return l ? `${(l.seenAt - back).toFixed(0)} ms` : 'never';
  };
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const failures = /corral_nagios_command_write_failures_total\{problem="not-reading"\} (\d+)/.exec(
    metrics,
  )?.[1];
  console.log(
    `${N} slaves, every one CRITICAL while Nagios was down (${failures} failed write(s)); from Nagios's start: re-sending began after ${since('sending every slave')}, all handed over after ${since('owed results handed')}, all ${N} CRITICAL in status.dat after ${seen.toFixed(0)} ms, /healthz ok after ${healthy.toFixed(0)} ms`,
  );
  const triggers = logs.filter((e) => e.seenAt > back && String(e.msg).includes('sending every'));
  console.log(
    `  triggers: ${triggers.map((t) => `${(t.seenAt - back).toFixed(0)} ms: ${t.msg}`).join('; ')}`,
  );
} finally {
  collector?.kill('SIGTERM');
  if (collector) await new Promise((r) => collector.once('exit', r));
  if (nagios && nagios.exitCode === null) await stopNagios();
  rmSync(dir, { recursive: true, force: true });
}
