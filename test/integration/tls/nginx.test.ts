// The nginx server block of docs/tls.md, as written, in front of a real collector on loopback: a
// real nginx terminates TLS, passes the API and upgrades the consoles' WebSocket stream.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, waitFor, type RunningCollector } from '../../support/collector.js';
import { makePki, type Pki } from '../../support/pki.js';
import { available } from '../../support/requires.js';
import { StreamClient } from '../../support/stream-client.js';
import { freePort, runCorral } from '../agent/run-cli.js';

const HEARTBEAT = 'heartbeat-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
const hasNginx = available(
  'nginx',
  spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0,
  'apt-get install nginx',
);

/** The fenced nginx block of docs/tls.md, pointed at this test's collector, port and files. */
function serverBlock(collectorPort: number, port: number, pki: Pki): string {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/tls.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)![1]!;
  const replaced = block
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
    .replace('/etc/ssl/corral/collector.pem', pki.cert)
    .replace('/etc/ssl/corral/collector.key', pki.key)
    .replaceAll('http://127.0.0.1:8474', `http://127.0.0.1:${collectorPort}`);
  // Nothing of the doc's own addresses left (a random port may well contain 443).
  expect(replaced).not.toMatch(/listen 443 |:8474\b|\/etc\/ssl/);
  return replaced;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe.skipIf(!hasNginx)('nginx in front, as docs/tls.md shows it', { timeout: 60_000 }, () => {
  let pki: Pki;
  let c: RunningCollector;
  let dir: string;
  let nginx: ChildProcess;
  let url: string;

  beforeAll(async () => {
    pki = makePki();
    dir = mkdtempSync(path.join(tmpdir(), 'corral-nginx-'));
    c = await startCollector({
      config: [
        'tokens:',
        `  - {name: slaves, role: heartbeat, token: "${HEARTBEAT}"}`,
        `  - {name: wall, role: viewer, token: "${VIEWER}"}`,
      ].join('\n'),
    });
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    const temp = path.join(dir, 'temp');
    mkdirSync(temp);
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        // Run as root in CI: the workers keep the test's user so they may read its temp files.
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        'events {}',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (t) => `  ${t}_temp_path ${temp}/${t};`,
        ),
        serverBlock(c.port, port, pki),
        '}',
      ].join('\n'),
    );
    nginx = spawn('nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], {
      stdio: 'ignore',
    });
    await waitFor(() => listening(port), 10_000, 'nginx to listen');
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await c?.stop();
    c?.cleanup();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes heartbeats and the API: corral beat and corral ls with --ca', async () => {
    const spool = path.join(dir, 'spool');
    const beat = await runCorral(
      ['beat', 'proxied-01', '--collector', url, '--ca', pki.ca, '--spool-dir', spool, '-v'],
      { CORRAL_TOKEN: HEARTBEAT },
    );
    expect(beat).toMatchObject({ code: 0, stderr: '' });
    expect(beat.stdout).toMatch(/heartbeat for proxied-01 delivered/);
    const ls = await runCorral(['ls', '--collector', url, '--ca', pki.ca, '--json'], {
      CORRAL_TOKEN: VIEWER,
    });
    expect(ls).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ls.stdout)).toMatchObject({
      slaves: [expect.objectContaining({ name: 'proxied-01', state: 'ok' })],
    });
  });

  it("upgrades the consoles' stream: hello, snapshot, then a delta for a heartbeat sent through nginx", async () => {
    const client = new StreamClient(`${url.replace('https:', 'wss:')}/api/v1/stream`, {
      ca: readFileSync(pki.ca),
      headers: { authorization: `Bearer ${VIEWER}` },
    });
    try {
      expect(await client.next('hello')).toMatchObject({ type: 'hello' });
      const snapshot = await client.next('snapshot');
      const after = client.messages.indexOf(snapshot);
      const beat = await runCorral(
        ['beat', 'proxied-02', '--collector', url, '--ca', pki.ca, '--spool-dir', dir],
        { CORRAL_TOKEN: HEARTBEAT },
      );
      expect(beat.code).toBe(0);
      await waitFor(
        () =>
          client.messages
            .slice(after + 1)
            .some((m) => m.type === 'delta' && m.changed.some((s) => s.name === 'proxied-02')),
        10_000,
        'the delta for proxied-02',
      );
    } finally {
      client.close();
    }
  });
});
