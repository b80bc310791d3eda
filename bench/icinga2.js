// bench:icinga2: the real collector wired to a private Icinga 2, then to a private Nagios 4, in the
// same run: the time from a 1,000-slave downtime request to the action confirmed, and from 10,000
// start heartbeats accepted to every service showing them in the monitoring system's own state
// (Icinga's API, Nagios's status.dat). Not a test: it prints figures. BENCH_SLAVES (10000) and
// BENCH_DOWNTIME (1000) set the sizes. Needs `npm run build` and icinga2, nagios4.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateIcinga2Objects } from '../dist/icinga2/objects.js';
import { DEFAULT_MAPPING } from '../dist/nagios/mapping.js';
import { parseStatus } from '../dist/nagios/status-file.js';
import { layOutNagios } from './nagios.js';
import { startServer, stop } from './server.js';

const N = Number(process.env.BENCH_SLAVES ?? 10_000);
const D = Number(process.env.BENCH_DOWNTIME ?? 1000);
const ICINGA2 = process.env.ICINGA2_BIN ?? '/usr/sbin/icinga2';
const NAGIOS = process.env.NAGIOS_BIN ?? '/usr/sbin/nagios4';
const CORRAL = new URL('../bin/corral.js', import.meta.url).pathname;
const TOKEN = 'bench-operator-token-0123456789';
const NODE = 'corral-bench';
const PASSWORD = 'bench-password';
const slaves = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function until(check, timeoutMs, what) {
  const start = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - start;
    if (performance.now() - start > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A private Icinga 2: openssl PKI (the certificate names the node only), the objects of `corral icinga2-config`. */
async function startIcinga() {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-icinga2-'));
  const at = (p) => path.join(dir, p);
  const dirs = ['DataDir', 'LogDir', 'CacheDir', 'SpoolDir', 'InitRunDir'];
  for (const d of dirs) mkdirSync(at(d));
  mkdirSync(at('DataDir/certs'));
  const ssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=bench ca',
  ]);
  ssl([
    'req',
    ...ec,
    '-keyout',
    `DataDir/certs/${NODE}.key`,
    '-out',
    'n.csr',
    '-subj',
    `/CN=${NODE}`,
  ]);
  writeFileSync(at('ext'), `subjectAltName=DNS:${NODE}\n`);
  ssl([
    'x509',
    '-req',
    '-in',
    'n.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '1',
    '-days',
    '2',
    '-extfile',
    'ext',
    '-out',
    `DataDir/certs/${NODE}.crt`,
  ]);
  execFileSync('cp', [at('ca.crt'), at('DataDir/certs/ca.crt')]);
  const port = await freePort();
  writeFileSync(
    at('icinga2.conf'),
    [
      `const NodeName = "${NODE}"`,
      'include <itl>',
      'object Endpoint NodeName {}',
      'object Zone "master" { endpoints = [ NodeName ] }',
      `object ApiListener "api" { bind_host = "127.0.0.1"; bind_port = ${port} }`,
      'object ApiUser "bench-admin" { password = "bench-admin"; permissions = [ "*" ] }',
      generateIcinga2Objects({
        slaves: slaves.map((name) => ({ name, pool: null, master: null, attributes: {} })),
        thresholds: { default: { warningSeconds: 21600, criticalSeconds: 25200 }, pools: {} },
        mapping: DEFAULT_MAPPING,
        corral: ['/bin/true'],
        collectorUrl: 'http://127.0.0.1:1',
        apiUser: 'corral',
        password: PASSWORD,
      }),
    ].join('\n'),
  );
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  const child = spawn(
    ICINGA2,
    ['daemon', '-c', at('icinga2.conf'), ...dirs.map((d) => `-D${d}=${at(d)}`)],
    {
      env: { ...process.env, ICINGA2_USER: userInfo().username, ICINGA2_GROUP: group },
      detached: true,
      stdio: 'ignore',
    },
  );
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // gone
    }
  };
  process.once('exit', () => kill('SIGKILL'));
  const ca = readFileSync(at('ca.crt'));
  const query = (pathAndQuery, body) =>
    new Promise((resolve, reject) => {
      const req = request(
        `https://127.0.0.1:${port}${pathAndQuery}`,
        {
          method: 'POST',
          ca,
          servername: NODE,
          auth: 'bench-admin:bench-admin',
          headers: { accept: 'application/json', 'x-http-method-override': 'GET' },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const startMs = await until(
    async () => (await query('/v1/status/ApiListener', {})).status === 200,
    180_000,
    'Icinga 2 up',
  );
  return {
    startMs,
    query,
    config: [
      'icinga2:',
      `  url: https://127.0.0.1:${port}`,
      `  ca: ${at('ca.crt')}`,
      `  servername: ${NODE}`,
      '  user: corral',
      `  password: ${PASSWORD}`,
    ].join('\n'),
    /** How many services show this output now. */
    async showing(output) {
      const r = await query('/v1/objects/services', {
        attrs: ['last_check_result'],
        filter: 'service.last_check_result && service.last_check_result.output == o',
        filter_vars: { o: output },
      });
      return r.body?.results?.length ?? 0;
    },
    async close() {
      kill('SIGTERM');
      await sleep(2000);
      kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startNagios() {
  const { dir, at } = layOutNagios('corral-bench-nagios-', slaves);
  const child = spawn(NAGIOS, [at('nagios.cfg')], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  const status = () => parseStatus(readFileSync(at('status.dat'), 'utf8'));
  return until(async () => status() && true, 120_000, 'Nagios up').then((startMs) => ({
    startMs,
    config: [
      'nagios:',
      `  command_file: ${at('rw/nagios.cmd')}`,
      `  status_file: ${at('status.dat')}`,
      '  confirm_within: 120s',
    ].join('\n'),
    async showing(output) {
      let n = 0;
      for (const s of status().services.values()) if (s.output === output) n++;
      return n;
    },
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  }));
}

async function measure(name, backend) {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-collector-'));
  writeFileSync(path.join(dir, 'inventory.txt'), slaves.join('\n'));
  writeFileSync(
    path.join(dir, 'corral.yaml'),
    [
      'inventory: inventory.txt',
      'tokens:',
      `  - {name: bench, role: operator, token: ${TOKEN}}`,
      backend.config,
      '',
    ].join('\n'),
  );
  const collector = await startServer([
    CORRAL,
    'collector',
    '--listen',
    '127.0.0.1:0',
    '--db',
    path.join(dir, 'c.db'),
    '--config',
    path.join(dir, 'corral.yaml'),
  ]);
  const post = (p, body) =>
    fetch(`${collector.url}${p}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  try {
    // Let the collector's first read of the monitoring system finish.
    await sleep(3000);
    const t0 = performance.now();
    const r = await post('/api/v1/actions', {
      kind: 'downtime',
      targets: slaves.slice(0, D),
      params: { comment: 'bench', duration: '2h' },
    });
    const body = await r.json();
    const id = (body.action ?? body).id;
    let counts;
    await until(
      async () => {
        const a = (
          await (await fetch(`${collector.url}/api/v1/actions/${id}`, { headers: auth })).json()
        ).action;
        counts = a.counts;
        return a.finishedAt !== null;
      },
      180_000,
      `${name}: downtime confirmed`,
    );
    const downtimeMs = performance.now() - t0;

    const master = `bm-${name}`;
    const t1 = performance.now();
    for (let i = 0; i < N; i += 1000) {
      const res = await post(
        '/api/v1/heartbeats',
        slaves.slice(i, i + 1000).map((slave) => ({ slave, master })),
      );
      if (res.status !== 202) throw new Error(`heartbeats answered ${res.status}`);
    }
    const acceptedMs = performance.now() - t1;
    await until(
      async () => (await backend.showing(`buildbot started on ${master}`)) === N,
      300_000,
      `${name}: heartbeats in state`,
      250,
    );
    const stateMs = performance.now() - t1;
    return { downtimeMs, counts, acceptedMs, stateMs };
  } finally {
    await stop(collector.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const [name, start] of [
  ['Icinga 2', startIcinga],
  ['Nagios', startNagios],
]) {
  const backend = await start();
  try {
    const m = await measure(name === 'Nagios' ? 'nagios' : 'icinga2', backend);
    rows.push({ name, startMs: backend.startMs, ...m });
  } finally {
    await backend.close();
  }
}
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`${N} slaves, a ${D}-slave downtime, ${N} start heartbeats (10 requests of 1,000)`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(8)} downtime request to confirmed: ${s(r.downtimeMs)} (confirmed ${r.counts.confirmed}, failed ${r.counts.failed}); heartbeats accepted in ${s(r.acceptedMs)}, all in its state after ${s(r.stateMs)}; started in ${s(r.startMs)}`,
  );
}
