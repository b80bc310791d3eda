// A private Icinga 2 for tests: its own temp dir and port, a CA and node certificate made by openssl
// (the certificate names only the node, so clients must give `servername`), the objects of
// `corral icinga2-config` for the slaves given, and an admin ApiUser the tests read Icinga with.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateIcinga2Objects } from '../../src/icinga2/objects.js';
import { DEFAULT_MAPPING } from '../../src/nagios/mapping.js';
import { CORRAL_BIN } from './collector.js';
import { available } from './requires.js';

export const ICINGA2_BIN = process.env.ICINGA2_BIN ?? '/usr/sbin/icinga2';
/** Whether the real-Icinga suites run: a skip with a warning on a developer's machine, a failure under CI. */
export const hasIcinga2 = available(
  ICINGA2_BIN,
  existsSync(ICINGA2_BIN),
  'apt-get install --no-install-recommends icinga2',
);

export const NODE_NAME = 'corral-test';
export const CORRAL_USER = 'corral';
export const CORRAL_PASSWORD = 'corral test password "quoted" \\ and $dollar';
const ADMIN_USER = 'test-admin';
const ADMIN_PASSWORD = 'test-admin-password';

type Method = 'GET' | 'POST' | 'QUERY';
/** Icinga's JSON, as tests read it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into Icinga's answers freely
export type Json = Record<string, any>;

export interface Icinga2Options {
  slaves: readonly string[];
  /** More object definitions (another ApiUser, a service with passive checks off). */
  extra?: string;
}

export interface Icinga2Instance {
  dir: string;
  url: string;
  port: number;
  /** The CA that signed the node certificate. */
  ca: string;
  /** A CA that signed nothing here. */
  otherCa: string;
  /** The corral.yaml `icinga2:` section for this instance (user `corral`, password in a file). */
  configYaml(passwordFile: string): string;
  /** GET, POST or a query (GET with a body) as the admin user; the parsed JSON answer. */
  api(
    method: Method,
    pathAndQuery: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }>;
  /** The slave's service attributes as Icinga has them now. */
  service(slave: string): Promise<Json | null>;
  downtimes(slave?: string): Promise<Json[]>;
  /** Polls until the predicate holds; throws naming `what` on timeout. */
  waitFor<T>(check: () => Promise<T>, timeoutMs?: number, what?: string): Promise<NonNullable<T>>;
  /** SIGTERM to the process group, SIGKILL after a bound; resolves once it is gone. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT to its process group: an Icinga that hangs, connections open, answering nothing. */
  pause(): void;
  resume(): void;
  /** The same config and state dir in a new process; resolves once the API answers. */
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const openssl = (args: string[], cwd: string) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

async function makeCerts(dir: string, certs: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  for (const name of ['ca', 'other-ca']) {
    openssl(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=corral test icinga ${name}`,
      ],
      dir,
    );
  }
  openssl(
    [
      'req',
      ...ec,
      '-keyout',
      path.join(certs, `${NODE_NAME}.key`),
      '-out',
      'node.csr',
      '-subj',
      `/CN=${NODE_NAME}`,
    ],
    dir,
  );
  await writeFile(
    path.join(dir, 'node.ext'),
    `subjectAltName=DNS:${NODE_NAME}\nbasicConstraints=CA:FALSE\n`,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'node.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(Date.now()),
      '-days',
      '2',
      '-extfile',
      'node.ext',
      '-out',
      path.join(certs, `${NODE_NAME}.crt`),
    ],
    dir,
  );
  execFileSync('cp', [path.join(dir, 'ca.crt'), path.join(certs, 'ca.crt')]);
}

export async function startIcinga2(opts: Icinga2Options): Promise<Icinga2Instance> {
  const dir = await mkdtemp(path.join(tmpdir(), 'corral-icinga2-'));
  const dirs = Object.fromEntries(
    ['DataDir', 'LogDir', 'CacheDir', 'SpoolDir', 'InitRunDir'].map((d) => [d, path.join(dir, d)]),
  );
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
  const certs = path.join(dirs.DataDir!, 'certs');
  await mkdir(certs);
  await makeCerts(dir, certs);
  const port = await freePort();
  const objects = generateIcinga2Objects({
    slaves: opts.slaves.map((name) => ({ name, pool: null, master: null, attributes: {} })),
    thresholds: { default: { warningSeconds: 21600, criticalSeconds: 25200 }, pools: {} },
    mapping: DEFAULT_MAPPING,
    corral: [process.execPath, CORRAL_BIN],
    collectorUrl: 'http://127.0.0.1:1',
    apiUser: CORRAL_USER,
    password: CORRAL_PASSWORD,
  });
  const conf = path.join(dir, 'icinga2.conf');
  await writeFile(
    conf,
    [
      `const NodeName = "${NODE_NAME}"`,
      `const ZoneName = "master"`,
      `include <itl>`,
      `object Endpoint NodeName {}`,
      `object Zone "master" { endpoints = [ NodeName ] }`,
      `object ApiListener "api" { bind_host = "127.0.0.1"; bind_port = ${port} }`,
      `object ApiUser "${ADMIN_USER}" { password = "${ADMIN_PASSWORD}"; permissions = [ "*" ] }`,
      objects,
      opts.extra ?? '',
    ].join('\n'),
  );
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  const env = { ...process.env, ICINGA2_USER: userInfo().username, ICINGA2_GROUP: group };
  const args = ['daemon', '-c', conf, ...Object.entries(dirs).map(([k, v]) => `-D${k}=${v}`)];

  let child: ChildProcess | null = null;
  let output = '';
  let exited: Promise<void> = Promise.resolve();
  const url = `https://127.0.0.1:${port}`;
  const ca = path.join(dir, 'ca.crt');
  const caPem = execFileSync('cat', [ca]);

  const api = (method: Method, pathAndQuery: string, body?: unknown) =>
    new Promise<{ status: number; body: Json }>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${url}${pathAndQuery}`,
        {
          method: method === 'QUERY' ? 'POST' : method,
          ca: caPem,
          servername: NODE_NAME,
          auth: `${ADMIN_USER}:${ADMIN_PASSWORD}`,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            ...(method === 'QUERY' && { 'x-http-method-override': 'GET' }),
          },
          timeout: 10_000,
        },
        (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : null });
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('Icinga did not answer in 10 s')));
      req.on('error', reject);
      req.end(text);
    });

  const waitFor = async <T>(
    check: () => Promise<T>,
    timeoutMs = 20_000,
    what = 'the expected state',
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => null);
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline)
        throw new Error(`Icinga 2 did not show ${what} within ${timeoutMs} ms`);
      await sleep(100);
    }
  };

  const start = async () => {
    const proc = spawn(ICINGA2_BIN, args, {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const killOnExit = () => killGroup(proc, 'SIGKILL');
    process.once('exit', killOnExit);
    void exited.then(() => process.off('exit', killOnExit));
    let gone = false;
    void exited.then(() => (gone = true));
    await waitFor(
      async () => {
        if (gone)
          throw new Error(`Icinga 2 exited: ${output.trim().split('\n').slice(-5).join(' | ')}`);
        return (await api('GET', '/v1/status/ApiListener')).status === 200;
      },
      60_000,
      'its API answering',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; output: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    });
  };

  const stop = async () => {
    const proc = child;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    killGroup(proc, 'SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    // Icinga's worker process may outlive the main one: the whole group goes.
    killGroup(proc, 'SIGKILL');
    if (!done) await exited;
    child = null;
  };

  const instance: Icinga2Instance = {
    dir,
    url,
    port,
    ca,
    otherCa: path.join(dir, 'other-ca.crt'),
    configYaml: (passwordFile) =>
      [
        'icinga2:',
        `  url: ${url}`,
        `  ca: ${ca}`,
        `  servername: ${NODE_NAME}`,
        `  user: ${CORRAL_USER}`,
        `  password_file: ${passwordFile}`,
        '',
      ].join('\n'),
    api,
    async service(slave) {
      const r = await api('QUERY', '/v1/objects/services', {
        filter: 'host.name == h',
        filter_vars: { h: slave },
      });
      return (r.body?.results?.[0]?.attrs as Json | undefined) ?? null;
    },
    async downtimes(slave) {
      const r = await api(
        'QUERY',
        '/v1/objects/downtimes',
        slave === undefined ? {} : { filter: 'downtime.host_name == h', filter_vars: { h: slave } },
      );
      return ((r.body?.results ?? []) as Array<{ attrs: Json }>).map((x) => x.attrs);
    },
    waitFor,
    stop,
    start,
    pause: () => child && killGroup(child, 'SIGSTOP'),
    resume: () => child && killGroup(child, 'SIGCONT'),
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (err) {
    await instance.cleanup();
    throw err;
  }
  return instance;
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid!, signal);
  } catch {
    // already gone
  }
}
