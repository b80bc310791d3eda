// Every client against a real collector serving TLS with a CA made by openssl: `corral beat`,
// bin/corral-beat.sh (curl, wget), `corral ls`, an action, and tokens from files; a wrong CA is one
// clear line from each. The console is in console.test.ts.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORRAL_BIN,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { makePki, type Pki } from '../../support/pki.js';
import { freePort, runCorral, type CliRun } from '../agent/run-cli.js';

const HEARTBEAT = 'heartbeat-token-0123456789';
const OPERATOR = 'operator-token-0123456789';
const SCRIPT = path.resolve(import.meta.dirname, '../../../bin/corral-beat.sh');
const NO_CLIENT_ENV = { CORRAL_CA: '', CORRAL_TOKEN_FILE: '' };

let pki: Pki;
let c: RunningCollector;
let dir: string;
let heartbeatFile: string;
let operatorFile: string;

beforeAll(async () => {
  pki = makePki();
  dir = mkdtempSync(path.join(tmpdir(), 'corral-tls-clients-'));
  heartbeatFile = path.join(dir, 'heartbeat.token');
  operatorFile = path.join(dir, 'operator.token');
  // As `echo TOKEN > file` writes it: the newline is not part of the token.
  writeFileSync(heartbeatFile, `${HEARTBEAT}\n`, { mode: 0o600 });
  writeFileSync(operatorFile, `${OPERATOR}\n`, { mode: 0o600 });
  c = await startCollector({
    config: [
      `tls: {cert: ${JSON.stringify(pki.cert)}, key: ${JSON.stringify(pki.key)}}`,
      'tokens:',
      `  - {name: slaves, role: heartbeat, token: "${HEARTBEAT}"}`,
      `  - {name: jdoe, role: operator, token: "${OPERATOR}"}`,
      'reboot:',
      '  methods:',
      '    - {name: noop, argv: ["true"], timeout: 5s, wait: 1m}',
    ].join('\n'),
  });
});
afterAll(async () => {
  await c?.stop();
  c?.cleanup();
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** GETs JSON from the TLS collector with the test CA (node:https, independent of corral's code). */
function get<T>(urlPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${c.url}${urlPath}`,
      { ca: readCa(), headers: { authorization: `Bearer ${OPERATOR}` } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text) as T));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
const readCa = () => readFileSync(pki.ca, 'utf8');

async function lastStart(slave: string): Promise<string | null> {
  const body = await get<{ slave: { lastStart: string | null } }>(`/api/v1/slaves/${slave}`);
  return body.slave.lastStart;
}

const corral = (args: string[], env: Record<string, string> = {}) =>
  runCorral(args, { ...NO_CLIENT_ENV, ...env });

function sh(args: string[], env: Record<string, string>, spoolDir: string): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      [SCRIPT, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: spoolDir, ...env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
          stdout,
          stderr,
          ms: Date.now() - started,
        }),
    );
  });
}

const untrusted = (ca: string) =>
  `its certificate is not trusted by the CA in ${ca} \\(unable to verify the first certificate\\): give the CA that signed the collector's certificate with --ca FILE or CORRAL_CA`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('a collector with tls:', () => {
  it('serves https, and curl verifies it with the CA (and refuses it without)', async () => {
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const curl = (args: string[]) =>
      new Promise<number>((resolve) =>
        execFile('curl', ['-fsS', '-o', '/dev/null', ...args, `${c.url}/healthz`], (err) =>
          resolve(err ? Number(err.code) : 0),
        ),
      );
    expect(await curl(['--cacert', pki.ca])).toBe(0);
    expect(await curl(['--cacert', pki.otherCa])).toBe(60);
  });
});

describe('corral beat over TLS', { timeout: 60_000 }, () => {
  it('delivers with --ca and with CORRAL_CA, the token from --token-file or CORRAL_TOKEN_FILE', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const withFlag = await corral([
      'beat',
      'tls-beat-01',
      '--collector',
      c.url,
      '--ca',
      pki.ca,
      '--token-file',
      heartbeatFile,
      '--spool-dir',
      spool,
      '-v',
    ]);
    expect(withFlag).toMatchObject({ code: 0, stderr: '' });
    expect(withFlag.stdout).toMatch(/heartbeat for tls-beat-01 delivered/);
    const first = await lastStart('tls-beat-01');
    expect(first).not.toBeNull();

    const withEnv = await corral(['beat', 'tls-beat-02', '--spool-dir', spool, '-v'], {
      CORRAL_URL: c.url,
      CORRAL_CA: pki.ca,
      CORRAL_TOKEN_FILE: heartbeatFile,
    });
    expect(withEnv).toMatchObject({ code: 0, stderr: '' });
    expect(await lastStart('tls-beat-02')).not.toBeNull();
  });

  it('a wrong CA is one warning line naming the URL, the CA and the fix; the heartbeat is spooled, then replayed', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const args = ['beat', 'tls-beat-03', '--collector', c.url, '--spool-dir', spool];
    const env = { CORRAL_TOKEN_FILE: heartbeatFile };
    const wrong = await corral([...args, '--ca', pki.otherCa], env);
    expect(wrong.code).toBe(0);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `^corral: warning: the collector at ${escape(c.url)} cannot be reached: ${untrusted(escape(pki.otherCa))}; the heartbeat is spooled in .* \\(1 waiting\\) and will be sent by the next beat\\n$`,
      ),
    );
    const none = await corral(args, env);
    expect(none.stderr).toMatch(
      /cannot be reached: its certificate is not trusted by this machine's CAs/,
    );
    expect(await lastStart('tls-beat-03').catch(() => 'unknown')).toBe('unknown');

    const right = await corral([...args, '--ca', pki.ca, '-v'], env);
    expect(right).toMatchObject({ code: 0, stderr: '' });
    expect(right.stdout).toMatch(/delivered; 2 spooled heartbeats replayed, 0 waiting/);
  });
});

describe('corral watchdog over TLS', { timeout: 60_000 }, () => {
  it('sends its critical heartbeat with --ca and --token-file', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const child = spawn(
      process.execPath,
      [
        CORRAL_BIN,
        'watchdog',
        '--slave',
        'tls-wd-01',
        '--master',
        `127.0.0.1:${await freePort()}`,
        '--after',
        '1s',
        '--interval',
        '200ms',
        '--collector',
        c.url,
        '--ca',
        pki.ca,
        '--token-file',
        heartbeatFile,
        '--spool-dir',
        spool,
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, CORRAL_URL: '', CORRAL_TOKEN: '', ...NO_CLIENT_ENV },
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const critical = await waitFor(
        async () =>
          (
            await get<{ slave?: { lastCritical: { message: string } | null } }>(
              '/api/v1/slaves/tls-wd-01',
            )
          ).slave?.lastCritical,
        20_000,
        "the watchdog's critical heartbeat",
      );
      expect(critical.message).toMatch(/127\.0\.0\.1/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('bin/corral-beat.sh over TLS', { timeout: 60_000 }, () => {
  it('delivers with curl given CORRAL_CA, the token from CORRAL_TOKEN_FILE', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const env = {
      CORRAL_URL: c.url,
      CORRAL_CA: pki.ca,
      CORRAL_TOKEN_FILE: heartbeatFile,
      CORRAL_SPOOL_DIR: spool,
    };
    const run = await sh(['tls-sh-01', '-v'], env, spool);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/heartbeat for tls-sh-01 delivered/);
    expect(await lastStart('tls-sh-01')).not.toBeNull();
  });

  it('a wrong CA is one warning line; the heartbeat is spooled', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const env = { CORRAL_URL: c.url, CORRAL_SPOOL_DIR: spool };
    const run = await sh(
      ['tls-sh-02', '--ca', pki.otherCa, '--token-file', heartbeatFile],
      env,
      spool,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(
        `^corral-beat.sh: warning: the collector at ${escape(c.url)} cannot be reached: its certificate is not trusted by the CA in ${escape(pki.otherCa)} \\(SSL certificate problem: unable to get local issuer certificate\\): give the CA that signed the collector's certificate with --ca FILE or CORRAL_CA; the heartbeat is spooled in .* \\(1 waiting\\) and will be sent by the next beat\\n$`,
      ),
    );
  });

  it('delivers with the wget fallback given --ca', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const bin = path.join(spool, 'bin');
    mkdirSync(bin);
    const tools = ['sh', 'date', 'sed', 'grep', 'tr', 'wc', 'head', 'tail', 'mkdir', 'rmdir'];
    tools.push('mktemp', 'rm', 'cp', 'mv', 'sync', 'find', 'od', 'sleep', 'cat', 'wget');
    for (const tool of tools) {
      symlinkSync(
        execFileSync('/bin/sh', ['-c', `command -v ${tool}`])
          .toString()
          .trim(),
        path.join(bin, tool),
      );
    }
    const env = {
      PATH: bin,
      CORRAL_URL: c.url,
      CORRAL_SPOOL_DIR: spool,
      CORRAL_TOKEN_FILE: heartbeatFile,
    };
    const run = await sh(['tls-sh-04', '--ca', pki.ca, '-v'], env, spool);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await lastStart('tls-sh-04')).not.toBeNull();
    const wrong = await sh(['tls-sh-04', '--ca', pki.otherCa], env, spool);
    expect(wrong.stderr).toMatch(
      /cannot be reached: its certificate is not trusted by the CA in .*other-ca\.pem \(wget: SSL verification failure\)/,
    );
  });

  it('a missing token file or CA is one line, exit 1, nothing sent or spooled', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    const env = { CORRAL_URL: c.url, CORRAL_SPOOL_DIR: spool };
    const missing = path.join(dir, 'no-such.token');
    expect(await sh(['tls-sh-03', '--token-file', missing], env, spool)).toMatchObject({
      code: 1,
      stderr: `corral-beat.sh: --token-file: cannot read the token file ${missing}: check the path and its permissions\n`,
    });
    expect(
      await sh(['tls-sh-03', '--token', HEARTBEAT, '--token-file', heartbeatFile], env, spool),
    ).toMatchObject({
      code: 1,
      stderr: 'corral-beat.sh: give --token or --token-file, not both\n',
    });
    const both = { ...env, CORRAL_TOKEN: HEARTBEAT, CORRAL_TOKEN_FILE: heartbeatFile };
    expect(await sh(['tls-sh-03'], both, spool)).toMatchObject({
      code: 1,
      stderr:
        'corral-beat.sh: both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them\n',
    });
    expect(await sh(['tls-sh-03'], { ...env, CORRAL_CA: heartbeatFile }, spool)).toMatchObject({
      code: 1,
      stderr: `corral-beat.sh: CORRAL_CA: ${heartbeatFile} is not a PEM certificate: give the CA's certificate (-----BEGIN CERTIFICATE-----)\n`,
    });
  });
});

describe('the sh one-liner of docs/agent.md over TLS', { timeout: 60_000 }, () => {
  it('delivers with CORRAL_CA through curl, and through wget when curl fails', async () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/agent.md'), 'utf8');
    const line = /<!-- tested: sh-oneliner -->\s*```sh\n(.*)\n```/.exec(doc)![1]!;
    const bin = mkdtempSync(path.join(dir, 'shim-'));
    writeFileSync(path.join(bin, 'hostname'), '#!/bin/sh\necho tls-line-01\n', { mode: 0o755 });
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile('/bin/sh', ['-c', line], { env: { HOME: bin, ...env } }, (err, _out, stderr) =>
          resolve({ code: err ? Number(err.code) : 0, stderr }),
        ),
      );
    const env = { CORRAL_URL: c.url, CORRAL_TOKEN: HEARTBEAT, CORRAL_CA: pki.ca };
    const path_ = `${bin}:${process.env.PATH ?? ''}`;
    expect(await run({ ...env, PATH: path_ })).toEqual({ code: 0, stderr: '' });
    const first = await lastStart('tls-line-01');
    expect(first).not.toBeNull();

    writeFileSync(path.join(bin, 'curl'), '#!/bin/sh\nexit 127\n', { mode: 0o755 });
    expect(await run({ ...env, PATH: path_ })).toEqual({ code: 0, stderr: '' });
    expect(Date.parse((await lastStart('tls-line-01'))!)).toBeGreaterThan(Date.parse(first!));

    const wrong = await run({ ...env, CORRAL_CA: pki.otherCa, PATH: path_ });
    expect(wrong.stderr).toMatch(/corral: heartbeat not delivered\n$/);
  });
});

describe('corral ls and actions over TLS', { timeout: 60_000 }, () => {
  it('ls lists with --ca and the token from CORRAL_TOKEN_FILE', async () => {
    const run = await corral(['ls', '--collector', c.url, '--ca', pki.ca, '--json'], {
      CORRAL_TOKEN_FILE: operatorFile,
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ slaves: expect.any(Array) });
  });

  it('ls with a wrong CA, or none, is one line naming the URL, the CA and the fix; exit 1', async () => {
    const env = { CORRAL_TOKEN_FILE: operatorFile };
    expect(await corral(['ls', '--collector', c.url, '--ca', pki.otherCa], env)).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        new RegExp(
          `^corral: cannot reach the collector at ${escape(c.url)}: ${untrusted(escape(pki.otherCa))}\\n$`,
        ),
      ) as unknown,
    });
    const none = await corral(['ls', '--collector', c.url], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /^corral: cannot reach the collector at https:.*: its certificate is not trusted by this machine's CAs \(.*\): give the CA .* with --ca FILE or CORRAL_CA\n$/,
    );
  });

  it('http:// to the TLS collector says to use https://', async () => {
    const plain = c.url.replace('https:', 'http:');
    expect(await corral(['ls', '--collector', plain])).toMatchObject({
      code: 1,
      stderr: `corral: cannot reach the collector at ${plain}: the connection was closed without an answer (a collector serving TLS needs https:// or wss://)\n`,
    });
  });

  it('an action goes through with --ca and --token-file (audited as the token), and not with a wrong CA', async () => {
    const spool = mkdtempSync(path.join(dir, 'spool-'));
    await corral(
      ['beat', 'tls-act-01', '--collector', c.url, '--ca', pki.ca, '--spool-dir', spool],
      {
        CORRAL_TOKEN_FILE: heartbeatFile,
      },
    );
    const args = ['reboot', 'tls-act-01', '--collector', c.url, '--yes', '--no-wait'];
    const wrong = await corral([...args, '--ca', pki.otherCa, '--token-file', operatorFile]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `^corral: cannot reach the collector at ${escape(c.url)}: ${untrusted(escape(pki.otherCa))}\\n$`,
      ),
    );
    const run = await corral([...args, '--ca', pki.ca, '--token-file', operatorFile]);
    expect(run.code, run.stderr).toBe(0);
    const { actions } = await get<{ actions: Array<{ kind: string; author: string }> }>(
      '/api/v1/actions',
    );
    expect(actions).toEqual([expect.objectContaining({ kind: 'reboot', author: 'jdoe' })]);
  });
});

describe('tokens from files', () => {
  it('a missing or empty token file, both --token and --token-file, or a CA that is no certificate: one line, exit 1', async () => {
    const missing = path.join(dir, 'missing.token');
    const empty = path.join(dir, 'empty.token');
    writeFileSync(empty, '\n');
    const ls = ['ls', '--collector', c.url, '--ca', pki.ca];
    expect(await corral([...ls, '--token-file', missing])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `corral: --token-file: cannot use ${missing} as the token: ${missing} does not exist (${dir} does): check the path, or is the program that makes it running?\n`,
    });
    expect(await corral(ls, { CORRAL_TOKEN_FILE: empty })).toMatchObject({
      code: 1,
      stderr: `corral: CORRAL_TOKEN_FILE: ${empty} is empty: put the token in it\n`,
    });
    expect(
      await corral(ls, { CORRAL_TOKEN: OPERATOR, CORRAL_TOKEN_FILE: operatorFile }),
    ).toMatchObject({
      code: 1,
      stderr: 'corral: both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them\n',
    });
    expect(await corral([...ls, '--token', OPERATOR, '--token-file', operatorFile])).toMatchObject({
      code: 1,
      stderr: 'corral: give --token or --token-file, not both\n',
    });
    expect(await corral([...ls.slice(0, 3), '--ca', heartbeatFile])).toMatchObject({
      code: 1,
      stderr: `corral: --ca: ${heartbeatFile} is not a PEM certificate: give the CA's certificate (-----BEGIN CERTIFICATE-----)\n`,
    });
  });
});
