// bench:check: what one Nagios check costs the Nagios host. Against one real collector, BENCH_RUNS
// (default 10) runs of BENCH_BATCH (default 10) executions each of `corral check`, its sh twin
// bin/corral-check.sh, curl alone and check_http on the same endpoint, and bare `node -e 0`:
// medians of wall time, CPU (user + system) and peak RSS, measured by GNU time, and the ratios to
// the baselines measured in the same run. Not a test: it prints figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 10);
const CHECK_HTTP = process.env.BENCH_CHECK_HTTP ?? '/usr/lib/nagios/plugins/check_http';
const TIME = '/usr/bin/time';
const bin = path.join(import.meta.dirname, '../bin');
const corral = path.join(bin, 'corral.js');

/**
 * One run: BATCH executions in a row under GNU time (one alone is below its 10 ms resolution), so
 * the figures are per execution: wall and CPU seconds, the peak RSS in MiB, and the first line.
 */
function measure(argv, dir) {
  const out = path.join(dir, 'time.txt');
  const loop = `i=0; while [ $i -lt ${BATCH} ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done`;
  const started = process.hrtime.bigint();
  execFileSync(TIME, ['-f', '%U %S %M', '-o', out, 'sh', '-c', loop, 'sh', ...argv]);
  const wall = Number(process.hrtime.bigint() - started) / 1e9 / BATCH;
  const [user, sys, kb] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ');
  return { wall, cpu: (Number(user) + Number(sys)) / BATCH, mib: Number(kb) / 1024 };
}

function firstLine(argv) {
  const run = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return `exit ${run.status}: ${run.stdout.split('\n')[0]}`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: apt-get install time`);
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-check-'));
  const { child, url } = await startServer([
    corral,
    'collector',
    '--listen',
    '127.0.0.1:0',
    '--db',
    path.join(dir, 'c.db'),
  ]);
  try {
    const res = await fetch(`${url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slave: 'bench-001', master: 'bm01' }),
    });
    if (res.status !== 202) throw new Error(`heartbeat: HTTP ${res.status}`);
    const { hostname, port } = new URL(url);
    const contenders = [
      ['node -e 0 (bare Node)', [process.execPath, '-e', '0']],
      ['corral check', [process.execPath, corral, 'check', 'bench-001', '--collector', url]],
      [
        'corral-check.sh',
        ['sh', path.join(bin, 'corral-check.sh'), 'bench-001', '--collector', url],
      ],
    ];
    const endpoint = '/api/v1/slaves/bench-001/check';
    // The sh twin's floor: curl alone on the same endpoint.
    contenders.push(['curl alone', ['curl', '-sS', `${url}${endpoint}`]]);
    if (existsSync(CHECK_HTTP)) {
      contenders.push(['check_http', [CHECK_HTTP, '-H', hostname, '-p', port, '-u', endpoint]]);
    } else {
      console.log(`${CHECK_HTTP} is missing (monitoring-plugins-basic): no check_http baseline`);
    }
    const figures = new Map();
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so that a noisy moment on a shared machine falls on every contender alike.
      for (const [name, argv] of contenders) {
        const list = figures.get(name) ?? [];
        list.push(measure(argv, dir));
        figures.set(name, list);
      }
    }
    console.log(
      `${RUNS} runs of ${BATCH} executions each, medians per execution; collector at ${url}`,
    );
    const med = {};
    for (const [name, runs] of figures) {
      med[name] = {
        wall: median(runs.map((r) => r.wall)),
        cpu: median(runs.map((r) => r.cpu)),
        mib: median(runs.map((r) => r.mib)),
      };
      const m = med[name];
      console.log(
        `${name.padEnd(24)} ${(m.wall * 1000).toFixed(1)} ms wall  ${(m.cpu * 1000).toFixed(1)} ms CPU  ${m.mib.toFixed(1)} MiB  | ${firstLine(contenders.find(([n]) => n === name)[1])}`,
      );
    }
    const ratio = (a, b, key) => (med[b] ? (med[a][key] / med[b][key]).toFixed(2) : 'n/a');
    const bare = 'node -e 0 (bare Node)';
    console.log(
      `corral check / bare Node: wall ${ratio('corral check', bare, 'wall')}x, CPU ${ratio('corral check', bare, 'cpu')}x, memory ${ratio('corral check', bare, 'mib')}x (target <= 1.5x)`,
    );
    console.log(
      `corral-check.sh / check_http: wall ${ratio('corral-check.sh', 'check_http', 'wall')}x, CPU ${ratio('corral-check.sh', 'check_http', 'cpu')}x, memory ${ratio('corral-check.sh', 'check_http', 'mib')}x (target <= 3x)`,
    );
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
