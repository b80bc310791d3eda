// bench:nagios: against a private Nagios 4 in a temp dir, the time from writing an N-slave
// downtime to all N in effect in status.dat, and the rate of passive results through the FIFO;
// each beside a baseline from the same run (one downtime; the same writes to a FIFO that `cat`
// drains). Not a test: it prints figures. BENCH_SLAVES (default 1000) sets N. Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandFileWriter } from '../dist/nagios/command-file.js';
import { processServiceCheckResult, scheduleServiceDowntime } from '../dist/nagios/commands.js';
import { parseStatus } from '../dist/nagios/status-file.js';
import { layOutNagios } from './nagios.js';

const N = Number(process.env.BENCH_SLAVES ?? 1000);
const NAGIOS = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
const slaves = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
const { dir, at } = layOutNagios('corral-bench-nagios-', slaves, {
  illegal_macro_output_chars: '`~$&|\'"<>',
});

const nagios = spawn(NAGIOS, [at('nagios.cfg')], { stdio: 'ignore' });
process.once('exit', () => nagios.kill('SIGKILL'));

/** Polls status.dat (tolerating a half-written one) until the predicate holds; returns ms waited. */
async function waitForStatus(predicate, timeoutMs = 60_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      if (predicate(parseStatus(readFileSync(at('status.dat'), 'utf8')))) {
        return performance.now() - start;
      }
    } catch {
      // not there yet, or caught mid-write
    }
    await sleep(20);
  }
  throw new Error(`status.dat did not get there in ${timeoutMs} ms`);
}

/** Writes `hosts` a fixed one-hour downtime by `author`; ms from the write to all in effect. */
async function downtimeInEffect(writer, hosts, author) {
  const now = Date.now();
  const lines = hosts.map((host) =>
    scheduleServiceDowntime(
      now,
      { host, service: 'buildbot-start' },
      { startMs: now, endMs: now + 3600_000, fixed: true, author, comment: 'bench' },
    ),
  );
  const t0 = performance.now();
  const written = await writer.write(lines);
  const writeMs = performance.now() - t0;
  await waitForStatus(
    (s) => s.downtimes.filter((d) => d.author === author && d.inEffect).length === hosts.length,
  );
  return { written, writeMs, allMs: performance.now() - t0 };
}

/** `rounds` rounds of one passive result per slave; ms to write them all. */
async function writeResults(writer, rounds) {
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const stamp = Date.now();
    await writer.write(
      slaves.map((host) =>
        processServiceCheckResult(stamp, { host, service: 'buildbot-start' }, 0, {
          text: `round ${r}`,
        }),
      ),
    );
  }
  return performance.now() - t0;
}

/** The same writes into a FIFO that `cat` holds open read-write (as Nagios does) and drains. */
async function bareFifoMs(rounds) {
  const fifo = at('bare.fifo');
  spawnSync('mkfifo', [fifo]);
  const reader = spawn('sh', ['-c', 'exec cat <>"$0" >/dev/null', fifo], { stdio: 'ignore' });
  try {
    const writer = new CommandFileWriter(fifo);
    await waitFor(async () => (await writer.probe()) === null);
    return await writeResults(writer, rounds);
  } finally {
    reader.kill('SIGKILL');
  }
}

async function waitFor(check) {
  while (!(await check())) await sleep(20);
}

const rate = (n, ms) => Math.round(n / (ms / 1000));

try {
  await waitForStatus(() => statSync(at('rw/nagios.cmd')).isFIFO(), 30_000);
  const writer = new CommandFileWriter(at('rw/nagios.cmd'));
  const one = await downtimeInEffect(writer, slaves.slice(0, 1), 'baseline');
  const all = await downtimeInEffect(writer, slaves, 'bench');
  console.log(
    `1 downtime: in effect in status.dat after ${one.allMs.toFixed(0)} ms (the baseline: status_update_interval=1)`,
  );
  console.log(
    `${N} downtimes: ${all.written.writes} writes (${all.written.bytes} bytes) in ${all.writeMs.toFixed(1)} ms; all in effect after ${all.allMs.toFixed(0)} ms (${(all.allMs / one.allMs).toFixed(2)} × the baseline)`,
  );

  const rounds = 10;
  const bareMs = await bareFifoMs(rounds);
  const resultsMs = await writeResults(writer, rounds);
  const seenMs = await waitForStatus((s) =>
    [...s.services.values()].every(
      (svc) => svc.host === 'corral-collector' || svc.output === `round ${rounds - 1}`,
    ),
  );
  console.log(
    `${rounds * N} passive results into a FIFO that cat drains: ${bareMs.toFixed(0)} ms (${rate(rounds * N, bareMs)}/s, the baseline)`,
  );
  console.log(
    `${rounds * N} passive results into Nagios's FIFO: ${resultsMs.toFixed(0)} ms (${rate(rounds * N, resultsMs)}/s, ${(rate(rounds * N, resultsMs) / rate(rounds * N, bareMs)).toFixed(2)} of the baseline); the last round in status.dat ${seenMs.toFixed(0)} ms after the last write`,
  );
} finally {
  nagios.kill('SIGTERM');
  await new Promise((r) => nagios.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
