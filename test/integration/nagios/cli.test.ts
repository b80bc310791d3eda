// `corral check` and `corral nagios-config` as a user (and Nagios) runs them: the built bin/corral.js.
import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CORRAL_BIN } from '../../support/collector.js';
import { hasNagios, verifyObjects } from '../../support/nagios.js';

function corral(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CORRAL_BIN, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'corral-nagios-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('corral check', () => {
  test('collector down: UNKNOWN (3), one line', async () => {
    // A port that was just free: nothing listens there.
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await corral(['check', 'talos-001', '--collector', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^UNKNOWN - cannot reach the collector at http:\/\/127\.0\.0\.1:\d+: connection refused/,
    );
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('a collector slower than --timeout: UNKNOWN, not its late answer', async () => {
    // Answers after 4 s: inside the default timeout (10 s), past the one given here (1 s).
    const server = createHttpServer((_req, res) => {
      setTimeout(() => res.writeHead(404).end('{"error":"late"}'), 4000);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await corral([
        'check',
        'talos-001',
        '--collector',
        `http://127.0.0.1:${port}`,
        '--timeout',
        '1',
      ]);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/^UNKNOWN - .*no answer in time/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('a bad slave name: UNKNOWN naming it, no request', async () => {
    const r = await corral(['check', 'bad;name']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^UNKNOWN - "bad;name" is not a slave name/);
  });

  // Commander's exit 1 would read as WARNING in Nagios: a plugin run the wrong way is UNKNOWN.
  test.each([
    [[], /^UNKNOWN - corral check: missing required argument 'slave' \(usage: corral check SLAVE /],
    [['talos-001', '--bogus'], /^UNKNOWN - corral check: unknown option '--bogus' \(usage: /],
    [['--bogus'], /^UNKNOWN - corral check: unknown option '--bogus' \(usage: /],
    [['talos-001', 'talos-002'], /^UNKNOWN - corral check: too many arguments for 'check'/],
    [
      ['talos-001', '--timeout'],
      /^UNKNOWN - corral check: option '--timeout <seconds>' argument missing/,
    ],
    [
      ['talos-001', '--timeout', 'soon'],
      /^UNKNOWN - corral check: --timeout "soon" is not a number/,
    ],
  ])('usage error %j: UNKNOWN (3), one line on stdout, nothing on stderr', async (args, line) => {
    const r = await corral(['check', ...args]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(line);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).not.toContain('|');
    expect(r.stderr).toBe('');
  });

  test('--help is not an error: usage on stdout, exit 0', async () => {
    const r = await corral(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: corral check \[options\] <slave>/);
  });
});

describe('corral nagios-config', () => {
  test('from an inventory and corral.yaml (pool thresholds, host template), to a file', async () => {
    await writeFile(
      path.join(dir, 'inventory.yaml'),
      'slaves:\n  - {name: s1, pool: snow}\n  - s2\n',
    );
    await writeFile(
      path.join(dir, 'corral.yaml'),
      [
        'inventory: inventory.yaml',
        'pools:',
        '  snow: {warning: 30h, critical: 36h}',
        'nagios:',
        '  host: "{slave}.build.example.com"',
        '',
      ].join('\n'),
    );
    const out = path.join(dir, 'corral.cfg');
    const r = await corral([
      'nagios-config',
      '--config',
      path.join(dir, 'corral.yaml'),
      '--collector',
      'http://collector.example.com:8474',
      '-o',
      out,
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(
      /host_name\s+s1\.build\.example\.com\n\s+service_description\s+buildbot-start\n\s+check_command\s+corral-check!s1\n\s+freshness_threshold\s+129600/,
    );
    expect(text).toMatch(/freshness_threshold\s+25200/);
    expect(text).toContain(
      `${process.execPath} ${CORRAL_BIN} check --collector http://collector.example.com:8474 $ARG1$`,
    );
    if (hasNagios) expect((await verifyObjects(text)).ok).toBe(true);
  });

  test('needs no token: tokens from unset variables are no error; a token file goes into the command', async () => {
    const config = path.join(dir, 'with-tokens.yaml');
    await writeFile(
      config,
      [
        'inventory: inventory.yaml',
        'tokens:',
        '  - {name: nagios, role: viewer, token: "${CORRAL_TOKEN_NAGIOS_UNSET}"}',
        '',
      ].join('\n'),
    );
    const r = await corral([
      'nagios-config',
      '--config',
      config,
      '--token-file',
      '/etc/nagios4/corral-token',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(
      /check --collector http:\/\/127\.0\.0\.1:8474 --token-file \/etc\/nagios4\/corral-token \$ARG1\$\n/,
    );
    expect(r.stdout).not.toMatch(/--token |\$USER/);
  });

  test('--token-macro is refused: a token in the command is visible in ps', async () => {
    const r = await corral([
      'nagios-config',
      '--inventory',
      path.join(dir, 'inventory.yaml'),
      '--token-macro',
      'USER3',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'corral: --token-macro is gone: a token in the check command is visible in ps; put the viewer token in a file only nagios can read and give --token-file FILE\n',
    );
  });

  test('the object cache as an extra source', async () => {
    const cache = path.join(dir, 'objects.cache');
    await writeFile(
      cache,
      'define service {\n\thost_name\tfrom-nagios\n\tservice_description\tbuildbot-start\n\t}\n',
    );
    const r = await corral([
      'nagios-config',
      '--inventory',
      path.join(dir, 'inventory.yaml'),
      '--object-cache',
      cache,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('corral-check!from-nagios');
    expect(r.stdout).toContain('corral-check!s1');
  });

  test('errors are one line and exit 1', async () => {
    const none = await corral(['nagios-config']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(
      'corral: no slaves to define: give --inventory FILE (or inventory: in corral.yaml) or --object-cache FILE',
    );
    const bad = await corral([
      'nagios-config',
      '--inventory',
      path.join(dir, 'inventory.yaml'),
      '--corral',
      'relative/corral',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      /^corral: corral program "relative\/corral" is refused: give an absolute path$/,
    );
    const missing = await corral(['nagios-config', '--inventory', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
