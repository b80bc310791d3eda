// The release as an operator installs it: `npm pack`, then `npm install -g` of the tarball with
// production dependencies only, and `corral` from PATH. Then the acceptance test: the
// installed collector runs as an unprivileged user in group www-data against a Nagios laid out as
// Debian's nagios4 lays it out, and a downtime from the installed `corral` reaches status.dat.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../agent/run-cli.js';
import { hasNagios, PLUGIN_DIR, startNagios, type NagiosInstance } from '../../support/nagios.js';
import { finished, NOBODY, served, spawnAs, type Identity, type Served } from './as-user.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const OPERATOR = 'operator-token-0123456789';

/** A user or group id from /etc/passwd or /etc/group; null when the name is not there. */
function idOf(file: '/etc/passwd' | '/etc/group', name: string): number | null {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return line === undefined ? null : Number(line.split(':')[2]);
}

/**
 * better-sqlite3 installs by downloading a prebuilt binary, or compiles (3 minutes here, with
 * build-essential and python3). No download reaches this machine, so the test hands npm the binary
 * the repository already built, through prebuild-install's local-prebuilds setting: a stand-in for
 * the download, the one part of the install that cannot run here.
 */
async function localPrebuild(dir: string): Promise<string> {
  const require = createRequire(path.join(REPO, 'package.json'));
  const pkgFile = require.resolve('better-sqlite3/package.json');
  const { version } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(dir, { recursive: true });
  await run('tar', [
    '-czf',
    path.join(dir, name),
    '-C',
    path.dirname(pkgFile),
    'build/Release/better_sqlite3.node',
  ]);
  return dir;
}

describe('the packed release', () => {
  let root: string;
  let prefix: string;
  let installed: string;
  /** PATH with the installed `corral` and this `node`, as on a host after `npm install -g`. */
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'corral-package-'));
    chmodSync(root, 0o755); // other users run the installed copy
    // --ignore-scripts: `npm test` built dist/ before the tests; packing's own clean build (prepack,
    // prepare) would only add a minute.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', root], {
      cwd: REPO,
    });
    const tarball = path.join(root, packed.stdout.trim().split('\n').pop()!);
    prefix = path.join(root, 'prefix');
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--omit=dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          npm_config_better_sqlite3_local_prebuilds: await localPrebuild(
            path.join(root, 'prebuilds'),
          ),
        },
        timeout: 240_000,
      },
    );
    installed = path.join(prefix, 'lib', 'node_modules', 'corral');
    env = {
      ...process.env,
      PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(
        ':',
      ),
      CORRAL_URL: '',
      CORRAL_TOKEN: '',
    };
    delete env.STATE_DIRECTORY;
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('installs with production dependencies only, and carries the units, docs and sample', () => {
    const modules = path.join(installed, 'node_modules');
    for (const runtime of ['better-sqlite3', 'ink', 'pino', 'prom-client', 'ws', 'zod']) {
      expect(existsSync(path.join(modules, runtime)), runtime).toBe(true);
    }
    for (const dev of ['typescript', 'vitest', 'eslint', '@types/node', 'fast-check']) {
      expect(existsSync(path.join(modules, dev)), dev).toBe(false);
    }
    for (const file of [
      'dist/cli/main.js',
      'contrib/systemd/corral-collector.service',
      'contrib/systemd/corral-watchdog.service',
      'docs/deploy.md',
      'corral.sample.yaml',
    ]) {
      expect(existsSync(path.join(installed, file)), file).toBe(true);
    }
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(installed, 'test'))).toBe(false);
  });

  test('runs `corral` from PATH', async () => {
    const help = await run('corral', ['--help'], { env });
    expect(help.stdout).toMatch(/^Usage: corral/);
  });

  describe.skipIf(!hasNagios)("as a service user, against Debian's Nagios layout", () => {
    let nagios: NagiosInstance;
    let collector: Served;
    let etc: string;

    beforeAll(async () => {
      const nagiosUid = idOf('/etc/passwd', 'nagios');
      const wwwData = idOf('/etc/group', 'www-data');
      if (nagiosUid === null || wwwData === null) {
        throw new Error(
          'no user nagios or group www-data: apt-get install nagios4-core (Debian makes both)',
        );
      }
      // The service's user: unprivileged, in group www-data only (as SupplementaryGroups=www-data).
      const service: Identity = { ...NOBODY, groups: [wwwData] };
      const port = await freePort();
      etc = path.join(root, 'etc', 'corral');
      mkdirSync(etc, { recursive: true, mode: 0o755 });
      writeFileSync(path.join(etc, 'inventory.yaml'), 'slaves:\n  - deb-001\n  - deb-002\n');
      writeFileSync(
        path.join(etc, 'objects.yaml'),
        `inventory: ${path.join(etc, 'inventory.yaml')}\n`,
      );
      const objects = await run(
        'corral',
        [
          'nagios-config',
          '--config',
          path.join(etc, 'objects.yaml'),
          '--collector',
          `http://127.0.0.1:${port}`,
          '--plugin-dir',
          PLUGIN_DIR,
        ],
        { env },
      );
      nagios = await startNagios({ objects: objects.stdout });
      // Debian: /var/lib/nagios4 nagios:www-data 0750, rw/ 2710, the command file 0660.
      chownSync(nagios.dir, nagiosUid, wwwData);
      chmodSync(nagios.dir, 0o750);
      chownSync(path.dirname(nagios.commandFile), nagiosUid, wwwData);
      chmodSync(path.dirname(nagios.commandFile), 0o2710);
      chownSync(nagios.commandFile, nagiosUid, wwwData);
      chmodSync(nagios.commandFile, 0o660);

      writeFileSync(
        path.join(etc, 'corral.yaml'),
        [
          `listen: 127.0.0.1:${port}`,
          'inventory: inventory.yaml',
          'tokens:',
          `  - {name: jdoe, role: operator, token: '${OPERATOR}'}`,
          'nagios:',
          `  command_file: ${nagios.commandFile}`,
          `  status_file: ${nagios.statusFile}`,
          `  object_cache_file: ${nagios.objectCacheFile}`,
          '',
        ].join('\n'),
      );
      // What StateDirectory=corral makes: the service user's, 0750; no db: in corral.yaml.
      const state = path.join(root, 'var', 'lib', 'corral');
      mkdirSync(path.dirname(state), { recursive: true, mode: 0o755 });
      mkdirSync(state, { mode: 0o750 });
      chownSync(state, service.uid, service.gid);
      collector = await served(
        spawnAs(service, ['corral', 'collector', '--config', path.join(etc, 'corral.yaml')], {
          env: { ...env, STATE_DIRECTORY: state },
        }),
      );
      expect(collector.logs.find((l) => l.msg === 'listening')?.db).toBe(
        path.join(state, 'corral.db'),
      );
    }, 120_000);

    afterAll(async () => {
      await collector?.stop();
      await nagios?.cleanup();
    });

    test('a downtime from the installed corral reaches status.dat, and the audit log says who did it', async () => {
      const downtime = await finished(
        spawnAs(
          NOBODY,
          [
            'corral',
            'downtime',
            'deb-001',
            '--for',
            '2h',
            '--comment',
            'moved to rack 7',
            '--yes',
            '--wait',
            '--collector',
            collector.url,
          ],
          { env: { ...env, CORRAL_TOKEN: OPERATOR } },
        ),
      );
      expect(downtime.code, downtime.stderr).toBe(0);
      expect(downtime.stdout).toMatch(
        /^jdoe scheduled a 2h downtime on 1 slave \(action \d+\): 1 confirmed by Nagios\n/,
      );
      const status = await nagios.waitForStatus(
        (s) => s.downtimes.some((d) => d.host === 'deb-001' && d.comment === 'moved to rack 7'),
        20_000,
        "deb-001's downtime",
      );
      expect(status.downtimes.find((d) => d.host === 'deb-001')).toMatchObject({
        author: 'jdoe',
        service: 'buildbot-start',
      });
      const audit = collector.logs.filter((l) => l.audit === 'action' && l.kind === 'downtime');
      expect(audit.map((l) => l.event)).toEqual(['start', 'end']);
      expect(audit[1]).toMatchObject({ author: 'jdoe', targets: 1, outcome: { confirmed: 1 } });
    });

    test('without group www-data, the same collector cannot write the command file: the layout is what guards it', async () => {
      const state = path.join(root, 'var', 'lib', 'corral-outsider');
      mkdirSync(state, { mode: 0o750 });
      chownSync(state, NOBODY.uid, NOBODY.gid);
      const outsider = await served(
        spawnAs(
          NOBODY,
          [
            'corral',
            'collector',
            '--config',
            path.join(etc, 'corral.yaml'),
            '--listen',
            '127.0.0.1:0',
          ],
          { env: { ...env, STATE_DIRECTORY: state } },
        ),
      );
      try {
        const downtime = await finished(
          spawnAs(
            NOBODY,
            [
              'corral',
              'downtime',
              'deb-002',
              '--for',
              '2h',
              '--comment',
              'outsider',
              '--yes',
              '--collector',
              outsider.url,
            ],
            { env: { ...env, CORRAL_TOKEN: OPERATOR } },
          ),
        );
        expect(downtime.code).toBe(1);
        expect(downtime.stdout).toMatch(/: 1 failed\n/);
        expect(downtime.stderr).toMatch(/^deb-002: .*cannot write.*nagios\.cmd/m);
      } finally {
        await outsider.stop();
      }
    });
  });
});
