// `corral check` and its sh twin bin/corral-check.sh against the real collector: the same exit code
// and the same first line for every answer, tokens read from files, and UNKNOWN for every failure.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scheduleForcedServiceCheck } from '../../../src/nagios/commands.js';
import { serviceKey } from '../../../src/nagios/status-file.js';
import { freePort } from '../agent/run-cli.js';
import {
  CORRAL_BIN,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { neverAnswers } from '../../support/never-answers.js';
import { hasNagios, PLUGIN_DIR, startNagios, type NagiosInstance } from '../../support/nagios.js';

const SH_PLUGIN = path.resolve(import.meta.dirname, '../../../bin/corral-check.sh');
const VIEWER = 'viewer-token-check-0123456789';
const OPERATOR = 'operator-token-check-0123456789';
const HOUR = 3600_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(argv: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      {
        // Nothing of the test runner's environment may answer for the plugin.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const node = (args: string[], env: Record<string, string> = {}) =>
  run([process.execPath, CORRAL_BIN, 'check', ...args], env);
const sh = (args: string[], env: Record<string, string> = {}) =>
  run(['/bin/sh', SH_PLUGIN, ...args], env);

/** Ages tick between the two runs: compare the words, not the seconds. */
const words = (line: string) => line.replace(/\d+/g, 'N');

let collector: RunningCollector;
let dir: string;
let tokenFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-check-plugins-'));
  tokenFile = path.join(dir, 'viewer-token');
  writeFileSync(tokenFile, `${VIEWER}\n`, { mode: 0o600 });
  collector = await startCollector({
    config: [
      'thresholds: {warning: 6h, critical: 7h}',
      'inventory: inventory.txt',
      'tokens:',
      `  - {name: nagios, role: viewer, token: ${VIEWER}}`,
      `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
      '',
    ].join('\n'),
    files: { 'inventory.txt': 'never-1\n' },
  });
  const now = Date.now();
  const posted = await postJson(
    `${collector.url}/api/v1/heartbeats`,
    [
      { slave: 'ok-1', kind: 'start', master: 'bm01', at: new Date(now - 2 * HOUR).toISOString() },
      { slave: 'late-1', kind: 'start', at: new Date(now - 6.5 * HOUR).toISOString() },
      { slave: 'dead-1', kind: 'start', at: new Date(now - 8 * HOUR).toISOString() },
      { slave: 'crit-1', kind: 'critical', message: 'cannot reach "bm02" | port 9010' },
    ],
    { authorization: `Bearer ${OPERATOR}` },
  );
  expect(posted.status).toBe(202);
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  collector?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('both plugins answer alike from the real collector', () => {
  test.each([
    ['ok-1', 0, /^OK - buildbot started 2h0\dm ago on bm01\|age=7\d{3}s\n$/],
    ['late-1', 1, /^WARNING - no buildbot start for 6h\d\dm\|age=23\d{3}s\n$/],
    ['dead-1', 2, /^CRITICAL - no buildbot start for 8h0\dm\|age=28\d{3}s\n$/],
    ['crit-1', 2, /^CRITICAL - cannot reach "bm02" \/ port 9010\n$/],
    ['never-1', 2, /^CRITICAL - no heartbeat ever received from never-1\n$/],
    [
      'nobody-1',
      3,
      /^UNKNOWN - the collector at http:\/\/127\.0\.0\.1:\d+ answered 404: no slave named "nobody-1" has been heard from or is in the inventory\n$/,
    ],
  ])('%s: exit %i', async (slave, code, line) => {
    const args = [slave, '--collector', collector.url, '--token-file', tokenFile];
    const [n, s] = await Promise.all([node(args), sh(args)]);
    expect(n).toMatchObject({ code, stderr: '' });
    expect(n.stdout).toMatch(line);
    expect(n.stdout.split('\n')).toHaveLength(2); // one line, newline-terminated
    expect(s).toMatchObject({ code, stderr: '' });
    expect(words(s.stdout)).toBe(words(n.stdout));
  });

  test('the token file may come from CORRAL_TOKEN_FILE, the collector from CORRAL_URL', async () => {
    const env = { CORRAL_URL: collector.url, CORRAL_TOKEN_FILE: tokenFile };
    const [n, s] = await Promise.all([node(['ok-1'], env), sh(['ok-1'], env)]);
    expect(n.code).toBe(0);
    expect(s.code).toBe(0);
    expect(words(s.stdout)).toBe(words(n.stdout));
  });
});

describe('every failure is UNKNOWN (3), with the same line from both', () => {
  async function both(args: string[], env: Record<string, string> = {}) {
    const [n, s] = await Promise.all([node(args, env), sh(args, env)]);
    expect(n.code).toBe(3);
    expect(s.code).toBe(3);
    expect(s.stdout).toBe(n.stdout);
    expect(n.stderr).toBe('');
    expect(s.stderr).toBe('');
    return n.stdout;
  }

  test('a wrong token', async () => {
    const wrong = path.join(dir, 'wrong-token');
    writeFileSync(wrong, 'not-the-token-0123456789\n');
    expect(await both(['ok-1', '--collector', collector.url, '--token-file', wrong])).toMatch(
      /^UNKNOWN - the collector at http:\/\/127\.0\.0\.1:\d+ answered 401: the token is not known to this collector\n$/,
    );
  });

  test('no token at all', async () => {
    expect(await both(['ok-1', '--collector', collector.url])).toMatch(
      /^UNKNOWN - the collector at .* answered 401: a token is required: send "Authorization: Bearer <token>"/,
    );
  });

  test('a missing token file, from the flag or the environment', async () => {
    const missing = path.join(dir, 'no-such-token');
    const line = `UNKNOWN - cannot read token file ${missing}: no such file\n`;
    expect(await both(['ok-1', '--collector', collector.url, '--token-file', missing])).toBe(line);
    expect(await both(['ok-1', '--collector', collector.url], { CORRAL_TOKEN_FILE: missing })).toBe(
      line,
    );
  });

  test('both CORRAL_TOKEN and CORRAL_TOKEN_FILE: which one was meant is not guessed', async () => {
    const env = { CORRAL_TOKEN: VIEWER, CORRAL_TOKEN_FILE: tokenFile };
    expect(await both(['ok-1', '--collector', collector.url], env)).toBe(
      'UNKNOWN - both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them\n',
    );
  });

  test('an empty token file', async () => {
    const empty = path.join(dir, 'empty-token');
    writeFileSync(empty, '\n');
    expect(await both(['ok-1', '--collector', collector.url, '--token-file', empty])).toBe(
      `UNKNOWN - token file ${empty} is empty: put a viewer token in it\n`,
    );
  });

  test('an unreachable collector', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    expect(await both(['ok-1', '--collector', url, '--token-file', tokenFile])).toBe(
      `UNKNOWN - cannot reach the collector at ${url}: connection refused (is it running?)\n`,
    );
  });

  test('a missing CA file', async () => {
    const ca = path.join(dir, 'no-ca.pem');
    expect(await both(['ok-1', '--collector', collector.url, '--ca', ca])).toBe(
      `UNKNOWN - cannot read CA file ${ca}: no such file\n`,
    );
  });

  test.each([
    [[]],
    [['ok-1', '--bogus']],
    [['ok-1', 'ok-2']],
    [['ok-1', '--timeout']],
    [['ok-1', '--timeout', '0']],
    [['ok-1', '--token', 'x', '--token-file', 'y']],
    [['bad;name']],
  ])('run the wrong way: %j', async (args) => {
    expect(await both(args)).toMatch(/^UNKNOWN - /);
  });
});

/** Every process's command line, as `ps` shows it to any user. */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // the process ended meanwhile
    }
  }
  return lines;
}

describe('the token is on no command line while a check runs', () => {
  test.each([
    ['corral check', node],
    ['corral-check.sh', sh],
  ])('%s: its request is waiting, and no process shows the token', async (_name, plugin) => {
    const silent = await neverAnswers();
    try {
      const running = plugin([
        'ok-1',
        '--collector',
        silent.url,
        '--token-file',
        tokenFile,
        '--timeout',
        '20',
      ]);
      // The request has reached the server: every process of the check exists now.
      await waitFor(() => silent.sockets.length > 0, 15_000, 'the check to connect');
      const asking = commandLines().filter((l) => l.includes(tokenFile) || l.includes(silent.url));
      expect(asking.length).toBeGreaterThan(0);
      expect(commandLines().filter((l) => l.includes(VIEWER))).toEqual([]);
      for (const socket of silent.sockets) socket.destroy();
      expect((await running).code).toBe(3);
    } finally {
      await silent.close();
    }
  });
});

/**
 * TLS in front of the real collector (the collector's own TLS comes from another branch): a
 * self-signed certificate for 127.0.0.1, every request forwarded as it is.
 */
async function tlsInFront(target: string): Promise<{ url: string; ca: string; server: Server }> {
  const key = path.join(dir, 'tls-key.pem');
  const ca = path.join(dir, 'tls-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      ca,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const server = createServer({ key: readFileSync(key), cert: readFileSync(ca) }, (req, res) => {
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `https://127.0.0.1:${port}`, ca, server };
}

describe('an https collector: --ca names the CA to trust', () => {
  let tls: Awaited<ReturnType<typeof tlsInFront>>;
  beforeAll(async () => {
    tls = await tlsInFront(collector.url);
  });
  afterAll(() => {
    tls?.server.close();
  });

  test('with the CA, from the flag or CORRAL_CA: the answer; without it: UNKNOWN', async () => {
    const args = ['ok-1', '--collector', tls.url, '--token-file', tokenFile];
    const [n, s] = await Promise.all([
      node([...args, '--ca', tls.ca]),
      sh([...args, '--ca', tls.ca]),
    ]);
    expect(n).toMatchObject({ code: 0, stderr: '' });
    expect(n.stdout).toMatch(/^OK - buildbot started 2h0\dm ago on bm01\|age=7\d{3}s\n$/);
    expect(s.code).toBe(0);
    expect(words(s.stdout)).toBe(words(n.stdout));

    const fromEnv = await node(args, { CORRAL_CA: tls.ca });
    expect(fromEnv.code).toBe(0);

    const [untrustedNode, untrustedSh] = await Promise.all([node(args), sh(args)]);
    expect(untrustedNode.code).toBe(3);
    expect(untrustedNode.stdout).toBe(
      `UNKNOWN - cannot reach the collector at ${tls.url}: self-signed certificate\n`,
    );
    expect(untrustedSh.code).toBe(3);
    expect(untrustedSh.stdout).toMatch(
      new RegExp(`^UNKNOWN - cannot reach the collector at ${tls.url}: .*certificate`),
    );
  });
});

describe.skipIf(!hasNagios)(
  'Nagios runs the sh twin that `nagios-config --plugin sh` wires',
  () => {
    let nagios: NagiosInstance;
    afterAll(async () => {
      await nagios?.cleanup();
    });

    test('a forced check answers from the collector, with the token read from its file', async () => {
      const inventory = path.join(dir, 'nagios-inventory.txt');
      writeFileSync(inventory, 'ok-1\ncrit-1\n');
      const generated = await run(
        [
          process.execPath,
          CORRAL_BIN,
          'nagios-config',
          '--inventory',
          inventory,
          '--plugin',
          'sh',
          '--collector',
          collector.url,
          '--token-file',
          tokenFile,
          '--plugin-dir',
          PLUGIN_DIR,
        ],
        {},
      );
      expect(generated).toMatchObject({ code: 0, stderr: '' });
      expect(generated.stdout).toContain(
        `command_line  /bin/sh ${SH_PLUGIN} --collector ${collector.url} --token-file ${tokenFile} $ARG1$`,
      );
      expect(generated.stdout).not.toContain(VIEWER);
      nagios = await startNagios({ objects: generated.stdout });
      await nagios.writer.write(
        ['ok-1', 'crit-1'].map((host) =>
          scheduleForcedServiceCheck(Date.now(), { host, service: 'buildbot-start' }),
        ),
      );
      const status = await nagios.waitForStatus(
        (st) =>
          st.services.get(serviceKey('ok-1', 'buildbot-start'))?.state === 0 &&
          st.services.get(serviceKey('crit-1', 'buildbot-start'))?.state === 2,
        30_000,
        'ok-1 OK and crit-1 CRITICAL from corral-check.sh',
      );
      expect(status.services.get(serviceKey('ok-1', 'buildbot-start'))!.output).toMatch(
        /^OK - buildbot started 2h0\dm ago on bm01$/,
      );
      expect(status.services.get(serviceKey('crit-1', 'buildbot-start'))!.output).toBe(
        'CRITICAL - cannot reach "bm02" / port 9010',
      );
    }, 60_000);
  },
);
