// bench:nagios-collector: the real collector wired to a private Nagios 4 (temp dir), N slaves.
// Times `corral downtime --match ... --yes` from the command's start to all N downtimes in
// effect in status.dat (and to the collector confirming them), then the rate of heartbeats
// through the collector into Nagios (HTTP batches in, results in status.dat).
// Not a test: it prints figures. BENCH_SLAVES (default 1000) sets N. Needs `npm run build`.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseStatus } from '../dist/nagios/status-file.js';
import { startServer } from './server.js';
import { layOutNagios } from './nagios.js';

const N = Number(process.env.BENCH_SLAVES ?? 1000);
const ROUNDS = 10;
const NAGIOS = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
const CORRAL = path.resolve(import.meta.dirname, '../bin/corral.js');
const run = promisify(execFile);
const slaves = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
const { dir, at } = layOutNagios('corral-bench-nagios-collector-', slaves, {
  log_external_commands: 1,
  log_passive_checks: 1,
});
writeFileSync(at('inventory.txt'), slaves.join('\n') + '\n');
writeFileSync(
  at('corral.yaml'),
  [
    `inventory: ${at('inventory.txt')}`,
    'nagios:',
    `  command_file: ${at('rw/nagios.cmd')}`,
    `  status_file: ${at('status.dat')}`,
    '',
  ].join('\n'),
);

const nagios = spawn(NAGIOS, [at('nagios.cfg')], { stdio: 'ignore' });
let collector = null;
process.once('exit', () => {
  nagios.kill('SIGKILL');
  collector?.kill('SIGKILL');
});
// Interrupted, it still takes its Nagios and collector with it (through the exit handler).
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

async function waitForStatus(predicate, timeoutMs = 120_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      if (predicate(parseStatus(readFileSync(at('status.dat'), 'utf8')))) {
        return performance.now();
      }
    } catch {
      // not there yet, or caught mid-write
    }
    await sleep(20);
  }
  throw new Error(`status.dat did not get there in ${timeoutMs} ms`);
}

async function startCollector() {
  const started = await startServer([
    CORRAL,
    'collector',
    '--listen',
    '127.0.0.1:0',
    '--db',
    at('corral.db'),
    '--config',
    at('corral.yaml'),
  ]);
  collector = started.child;
  return started.url;
}

try {
  await waitForStatus(() => statSync(at('rw/nagios.cmd')).isFIFO(), 30_000);
  const url = await startCollector();

  const t0 = performance.now();
  const cli = run(process.execPath, [
    CORRAL,
    'downtime',
    '--collector',
    url,
    '--match',
    '^bench-',
    '--for',
    '1h',
    '--comment',
    'bench',
    '--yes',
  ]);
  const inEffect = waitForStatus(
    (s) => s.downtimes.filter((d) => d.inEffect && d.author === 'local').length === N,
  );
  const { stdout } = await cli;
  const cliMs = performance.now() - t0;
  const effectMs = (await inEffect) - t0;
  const id = /\(action (\d+)\)/.exec(stdout)[1];
  let confirmedMs = null;
  for (;;) {
    const { action } = await (await fetch(`${url}/api/v1/actions/${id}`)).json();
    if (action.finishedAt !== null) {
      confirmedMs = performance.now() - t0;
      console.log(`  collector: ${JSON.stringify(action.counts)}`);
      break;
    }
    await sleep(20);
  }
  console.log(
    `${N}-slave downtime via corral downtime: command done in ${cliMs.toFixed(0)} ms; all ${N} in effect in status.dat after ${effectMs.toFixed(0)} ms; confirmed by the collector after ${confirmedMs.toFixed(0)} ms (status_update_interval=1)`,
  );

  // Heartbeats: ROUNDS rounds of one POST with all N slaves; each round names its own master,
  // so status.dat shows when the last round's results are all in.
  const t1 = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    const res = await fetch(`${url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slaves.map((slave) => ({ slave, master: `bm${r}` }))),
    });
    if (res.status !== 202) throw new Error(`heartbeats answered ${res.status}`);
  }
  const postedMs = performance.now() - t1;
  // Nagios logs each external command as it reads it: the last round read, all N of them.
  const lastRound = new RegExp(
    `EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;[^;]+;buildbot-start;0;buildbot started on bm${ROUNDS - 1}$`,
    'gm',
  );
  let readMs;
  while (readMs === undefined) {
    const log = readFileSync(at('nagios.log'), 'utf8');
    if ((log.match(lastRound) ?? []).length >= N) readMs = performance.now() - t1;
    else if (performance.now() - t1 > 120_000)
      throw new Error('Nagios did not read the last round');
    else await sleep(10);
  }
  const last = `buildbot started on bm${ROUNDS - 1}`;
  const seenMs =
    (await waitForStatus((s) =>
      slaves.every((h) => s.services.get(`${h};buildbot-start`)?.output === last),
    )) - t1;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const sent = /corral_nagios_results_total\{outcome="sent"\} (\d+)/.exec(metrics)?.[1];
  console.log(
    `${ROUNDS * N} heartbeats (${ROUNDS} POSTs of ${N}) accepted in ${postedMs.toFixed(0)} ms; the last round all read by Nagios (nagios.log) after ${readMs.toFixed(0)} ms: ${Math.round((ROUNDS * N) / (readMs / 1000))} heartbeats/s into Nagios`,
  );
  console.log(
    `  ${ROUNDS * N} heartbeats (${ROUNDS} POSTs of ${N}) accepted in ${postedMs.toFixed(0)} ms; the last round all in status.dat after ${seenMs.toFixed(0)} ms: ${Math.round((ROUNDS * N) / (seenMs / 1000))} heartbeats/s end to end; ${sent} results written to the FIFO (a slave's newer heartbeat replaces one not yet written)`,
  );
} finally {
  collector?.kill('SIGTERM');
  if (collector) await new Promise((r) => collector.once('exit', r));
  nagios.kill('SIGTERM');
  await new Promise((r) => nagios.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
