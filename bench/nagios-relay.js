// bench:nagios-relay: one private Nagios 4, driven by a collector on its host (nagios: files) and by
// a collector through `corral nagios-relay` (nagios.relay), one after the other in the same run:
// an N-slave downtime from `corral downtime --wait` to every target confirmed, and N heartbeats
// from the POST to every result in status.dat. Not a test: it prints figures. BENCH_SLAVES (default
// 1000) sets N. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseStatus } from '../dist/nagios/status-file.js';
import { layOutNagios } from './nagios.js';
import { startServer, stop } from './server.js';

const N = Number(process.env.BENCH_SLAVES ?? 1000);
const NAGIOS = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
const CORRAL = path.resolve(import.meta.dirname, '../bin/corral.js');
const OPERATOR = 'bench-operator-token-0123456789';
const RELAY = 'bench-relay-token-0123456789ab';
const slaves = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
const { dir, at } = layOutNagios('corral-bench-relay-', slaves);
const work = mkdtempSync(path.join(tmpdir(), 'corral-bench-relay-work-'));
const run = promisify(execFile);

const nagios = spawn(NAGIOS, [at('nagios.cfg')], { stdio: 'ignore' });
process.once('exit', () => nagios.kill('SIGKILL'));

async function waitForStatus(predicate, timeoutMs = 120_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      if (predicate(parseStatus(readFileSync(at('status.dat'), 'utf8')))) return;
    } catch {
      // not there yet, or caught mid-write
    }
    await sleep(20);
  }
  throw new Error(`status.dat did not get there in ${timeoutMs} ms`);
}

/** A collector (and, for `relay`, the relay beside Nagios); resolved once it can act. */
async function startSide(name, relay) {
  const config = path.join(work, `${name}.yaml`);
  writeFileSync(path.join(work, 'inventory.txt'), slaves.join('\n') + '\n');
  writeFileSync(
    config,
    [
      `inventory: ${path.join(work, 'inventory.txt')}`,
      'tokens:',
      `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
      `  - {name: relay, role: relay, token: ${RELAY}}`,
      'nagios:',
      ...(relay
        ? ['  relay: true']
        : [`  command_file: ${at('rw/nagios.cmd')}`, `  status_file: ${at('status.dat')}`]),
      '  status_interval: 1s',
      '',
    ].join('\n'),
  );
  const collector = await startServer([
    CORRAL,
    'collector',
    '--config',
    config,
    '--listen',
    '127.0.0.1:0',
    '--db',
    path.join(work, `${name}.db`),
  ]);
  let relayChild = null;
  if (relay) {
    writeFileSync(
      path.join(work, 'relay.yaml'),
      `nagios:\n  command_file: ${at('rw/nagios.cmd')}\n  status_file: ${at('status.dat')}\n  status_interval: 1s\n`,
    );
    writeFileSync(path.join(work, 'relay-token'), RELAY);
    relayChild = spawn(
      process.execPath,
      [
        CORRAL,
        'nagios-relay',
        '--collector',
        collector.url,
        '--token-file',
        path.join(work, 'relay-token'),
        '--config',
        path.join(work, 'relay.yaml'),
      ],
      { stdio: 'ignore' },
    );
    // Connected and read back: the collector's /healthz is well.
    for (;;) {
      const res = await fetch(`${collector.url}/healthz`);
      if (res.status === 200) break;
      await sleep(50);
    }
  }
  return { collector, relayChild };
}

async function downtime(url, comment) {
  const t0 = performance.now();
  await run(
    process.execPath,
    [
      CORRAL,
      'downtime',
      '--match',
      '^bench-',
      '--for',
      '1h',
      '--comment',
      comment,
      '--yes',
      '--wait',
    ],
    { env: { ...process.env, CORRAL_URL: url, CORRAL_TOKEN: OPERATOR }, maxBuffer: 1 << 24 },
  );
  const ms = performance.now() - t0;
  await run(
    process.execPath,
    [CORRAL, 'downtime', '--cancel', '--match', '^bench-', '--yes', '--wait'],
    { env: { ...process.env, CORRAL_URL: url, CORRAL_TOKEN: OPERATOR }, maxBuffer: 1 << 24 },
  );
  return ms;
}

async function heartbeats(url, master) {
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    const res = await fetch(`${url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
      body: JSON.stringify(slaves.slice(i, i + 500).map((slave) => ({ slave, master }))),
    });
    if (res.status !== 202) throw new Error(`heartbeats: ${res.status}`);
  }
  // `buildbot started on M`, or the same slave's current state (`... 0s ago on M`) when the
  // relay's connection had every slave's state sent again.
  await waitForStatus((s) =>
    [...s.services.values()].every(
      (svc) => svc.host === 'corral-collector' || svc.output.endsWith(`on ${master}`),
    ),
  );
  return performance.now() - t0;
}

try {
  await waitForStatus(() => statSync(at('rw/nagios.cmd')).isFIFO(), 30_000);
  const figures = [];
  for (const [name, relay] of [
    ['local', false],
    ['relay', true],
  ]) {
    const side = await startSide(name, relay);
    try {
      const beatsMs = await heartbeats(side.collector.url, `bm-${name}`);
      const downtimeMs = await downtime(side.collector.url, `bench ${name}`);
      figures.push({ name, beatsMs, downtimeMs });
    } finally {
      if (side.relayChild) await stop(side.relayChild);
      await stop(side.collector.child);
    }
  }
  for (const f of figures) {
    const how = f.name === 'local' ? 'Nagios on this host' : 'Nagios through corral nagios-relay';
    console.log(
      `${how}: ${N} heartbeats to status.dat ${f.beatsMs.toFixed(0)} ms; a ${N}-slave downtime from the command to confirmed ${f.downtimeMs.toFixed(0)} ms`,
    );
  }
} finally {
  nagios.kill('SIGTERM');
  await new Promise((r) => nagios.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
