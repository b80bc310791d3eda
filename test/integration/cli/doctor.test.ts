// `corral doctor` (the built bin/corral.js) on each misconfiguration seen in production: one line
// per check naming the fix, exit 1 when anything is wrong; as root, as nobody, and with a real Nagios.
import Database from 'better-sqlite3';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  canSwitchUser,
  debianNagiosLayout,
  runAsNobody,
  type NagiosLayout,
  type Run,
} from '../../support/as-user.js';
import { CORRAL_BIN } from '../../support/collector.js';
import { freshDatabaseUrl, postgresInstalled } from '../../support/postgres.js';
import { available } from '../../support/requires.js';
import pg from 'pg';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';
import {
  hasNagios,
  passiveObjects,
  startNagios,
  type NagiosInstance,
} from '../../support/nagios.js';

function doctor(config: string, env: Record<string, string> = {}, json = false): Promise<Run> {
  const args = [CORRAL_BIN, 'doctor', '--config', config, ...(json ? ['--json'] : [])];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const doctorAsNobody = (config: string, groups: string[] = []) =>
  runAsNobody([process.execPath, CORRAL_BIN, 'doctor', '--config', config], groups);

/** The line of one check: `ok` or `FAIL`, its name, its text. */
function line(stdout: string, check: string): string {
  const found = stdout
    .split('\n')
    .find((l) => new RegExp(`^(ok|FAIL) +${check.replace('.', '\\.')} `).test(l));
  if (!found) throw new Error(`no ${check} line in:\n${stdout}`);
  return found.replace(/ {2,}/g, '  ');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-doctor-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('corral doctor, as root', () => {
  test('a bad config: the collector one-line config error on stderr, exit 1, nothing else', async () => {
    const file = config('bad.yaml', ['thresholds: {warning: 6h, critical: 7h}', 'dbb: x.db']);
    const r = await doctor(file);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(
      new RegExp(
        `^corral: ${file}: \\(top level\\): unknown key "dbb" \\(check the spelling against [^)]+\\)\\n$`,
      ),
    );
  });

  test('a token from an unset variable: one line naming it and where to set it; the rest still checked', async () => {
    const file = config('tokens.yaml', [
      'db: data/corral.db',
      'tokens:',
      '  - {name: nagios, role: viewer, token: "${CORRAL_DOCTOR_UNSET}"}',
    ]);
    const r = await doctor(file);
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'tokens')).toBe(
      `FAIL  tokens  ${file}: tokens.0.token: environment variable CORRAL_DOCTOR_UNSET is not set; set CORRAL_DOCTOR_UNSET where the collector runs (systemd: Environment= or EnvironmentFile= in its unit)`,
    );
    expect(line(r.stdout, 'database')).toBe(
      `ok  database  ${dir}/data/corral.db (will be created)`,
    );
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('corral doctor: 1 problem');

    const set = await doctor(file, { CORRAL_DOCTOR_UNSET: 'viewer-token-0123456789' });
    expect(set.code).toBe(0);
    expect(line(set.stdout, 'tokens')).toBe('ok  tokens  1 set (viewer)');

    const json = await doctor(file, {}, true);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      checks: Array<{ check: string; ok: boolean; text: string }>;
    };
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['tokens']);
  });

  test('a damaged database: the line the collector would stop with, naming the file', async () => {
    const data = path.join(dir, 'damaged');
    mkdirSync(data);
    const db = path.join(data, 'corral.db');
    const file = config('damaged.yaml', [`db: ${db}`]);
    // A database the collector made, then page 2 zeroed as a failing disk would leave it.
    const made = new Database(db);
    made.exec('CREATE TABLE t (x TEXT)');
    const insert = made.prepare('INSERT INTO t VALUES (?)');
    made.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(100));
    })();
    made.close();
    const healthy = await doctor(file);
    expect(line(healthy.stdout, 'database')).toBe(`ok  database  ${db}`);
    execFileSync(
      'dd',
      ['if=/dev/zero', `of=${db}`, 'bs=4096', 'seek=1', 'count=1', 'conv=notrunc'],
      {
        stdio: 'ignore',
      },
    );
    const r = await doctor(file);
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'database')).toMatch(new RegExp(`^FAIL  database  .*${db}`));
    expect(r.stderr).toBe('');
  });

  test('listening beyond loopback without tokens: every remote client would be refused', async () => {
    const file = config('open.yaml', ['listen: 0.0.0.0:8474', 'db: data/corral.db']);
    const r = await doctor(file);
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'tokens')).toMatch(
      /^FAIL {2}tokens {2}none, and the collector listens on 0\.0\.0\.0:8474: .*add tokens: to corral\.yaml$/,
    );
  });

  test('a missing status.dat, a command file that is no FIFO, and a FIFO nobody reads (Nagios down)', async () => {
    const regular = path.join(dir, 'nagios.cmd');
    writeFileSync(regular, '');
    const fifo = path.join(dir, 'unread.cmd');
    execFileSync('mkfifo', [fifo]);
    const missing = path.join(dir, 'status.dat');
    const notFifo = await doctor(
      config('nagios1.yaml', [
        'db: data/corral.db',
        'nagios:',
        `  command_file: ${regular}`,
        `  status_file: ${missing}`,
      ]),
    );
    expect(notFifo.code).toBe(1);
    expect(line(notFifo.stdout, 'nagios.command_file')).toBe(
      `FAIL  nagios.command_file  ${regular} is not a FIFO but a regular file: set nagios.command_file to command_file from nagios.cfg (Nagios makes the FIFO when it starts with check_external_commands=1)`,
    );
    expect(line(notFifo.stdout, 'nagios.status_file')).toBe(
      `FAIL  nagios.status_file  ${missing} does not exist (${dir} does): check the path, or is the program that makes it running?`,
    );
    expect(notFifo.stdout).toContain('corral doctor: 2 problems');

    const unread = await doctor(
      config('nagios2.yaml', ['db: data/corral.db', 'nagios:', `  command_file: ${fifo}`]),
    );
    expect(unread.code).toBe(1);
    expect(line(unread.stdout, 'nagios.command_file')).toBe(
      `FAIL  nagios.command_file  Nagios is not reading ${fifo}: start Nagios (with check_external_commands=1), or check command_file in nagios.cfg`,
    );
  });
});

describe.skipIf(!hasNagios)('corral doctor, against a real Nagios', () => {
  let nagios: NagiosInstance;
  beforeAll(async () => {
    const objects = passiveObjects(['talos-001']);
    nagios = await startNagios({ objects });
  }, 60_000);
  afterAll(async () => {
    await nagios?.cleanup();
  });

  test('all is well while Nagios runs; once it stops, its command FIFO has no reader', async () => {
    writeFileSync(path.join(dir, 'inventory.txt'), 'talos-001\ntalos-002\n');
    const file = config('real.yaml', [
      'db: data/corral.db',
      'inventory: inventory.txt',
      'tokens:',
      '  - {name: nagios, role: viewer, token: viewer-token-0123456789}',
      'nagios:',
      `  command_file: ${nagios.commandFile}`,
      `  status_file: ${nagios.statusFile}`,
      `  object_cache_file: ${nagios.objectCacheFile}`,
    ]);
    const well = await doctor(file);
    expect(well.stderr).toBe('');
    expect(well.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(line(well.stdout, 'inventory')).toBe(`ok  inventory  ${dir}/inventory.txt (2 slaves)`);
    expect(well).toMatchObject({ code: 0 });
    expect(well.stdout.trimEnd().split('\n').at(-1)).toBe('corral doctor: all is well');

    await nagios.stop();
    const down = await doctor(file);
    expect(down.code).toBe(1);
    expect(line(down.stdout, 'nagios.command_file')).toMatch(
      /^FAIL {2}nagios\.command_file {2}Nagios is not reading /,
    );
  }, 60_000);
});

describe.skipIf(!canSwitchUser)('corral doctor, as nobody (the collector not run as root)', () => {
  let layout: NagiosLayout;
  let etc: string;
  let state: string;
  beforeAll(() => {
    layout = debianNagiosLayout();
    // A config in a place the collector may read but not write, like /etc/corral.
    etc = path.join(layout.root, 'etc');
    mkdirSync(etc);
    chmodSync(etc, 0o755);
    // A state directory the collector owns, like /var/lib/corral.
    state = path.join(layout.root, 'state');
    mkdirSync(state);
    chownSync(state, 65534, 65534);
  });
  afterAll(() => {
    if (layout) rmSync(layout.root, { recursive: true, force: true });
  });

  function nobodyConfig(name: string, lines: string[]): string {
    const file = path.join(etc, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    chmodSync(file, 0o644);
    return file;
  }

  const nagiosKeys = () => [
    'nagios:',
    `  command_file: ${layout.commandFile}`,
    `  status_file: ${layout.statusFile}`,
    `  object_cache_file: ${layout.objectCacheFile}`,
  ];

  test('outside the Nagios group: each file names owner, group, mode and the group to join', async () => {
    const file = nobodyConfig('group.yaml', [`db: ${state}/corral.db`, ...nagiosKeys()]);
    const r = await doctorAsNobody(file);
    expect(r.code).toBe(1);
    const join = 'add this user to group www-data (usermod -aG www-data nobody) and restart';
    expect(line(r.stdout, 'nagios.command_file')).toBe(
      `FAIL  nagios.command_file  cannot write ${layout.commandFile}: running as nobody (groups nogroup) may not enter ${layout.dir} (owned by root:www-data, mode 0750); ${join}`,
    );
    expect(line(r.stdout, 'nagios.status_file')).toContain(`may not enter ${layout.dir}`);
    expect(line(r.stdout, 'nagios.object_cache_file')).toBe(
      `FAIL  nagios.object_cache_file  cannot read ${layout.objectCacheFile}: running as nobody (groups nogroup), the file is owned by root:www-data, mode 0640; ${join}`,
    );
    expect(line(r.stdout, 'database')).toBe(`ok  database  ${state}/corral.db (will be created)`);
  });

  test('in the group, with Nagios reading its FIFO: all is well', async () => {
    // The test holds the FIFO's read end, as Nagios would: a stand-in for a running Nagios.
    const reader = openSync(layout.commandFile, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const file = nobodyConfig('joined.yaml', [`db: ${state}/corral.db`, ...nagiosKeys()]);
      const r = await doctorAsNobody(file, ['www-data']);
      expect(r.stdout).not.toContain('FAIL');
      expect(r.code).toBe(0);
      expect(line(r.stdout, 'nagios.command_file')).toBe(
        `ok  nagios.command_file  ${layout.commandFile} (Nagios reading)`,
      );
    } finally {
      closeSync(reader);
    }
  });

  test('db: relative to a config in a read-only place: the directory cannot be made', async () => {
    const file = nobodyConfig('relative.yaml', ['db: data/corral.db']);
    const r = await doctorAsNobody(file);
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'database')).toBe(
      `FAIL  database  cannot create ${etc}/data: cannot write ${etc}: running as nobody (groups nogroup), the file is owned by root:root, mode 0755; its group root may not either: change the file's mode or owner; set db: in corral.yaml to an absolute path the collector may write, e.g. /var/lib/corral/corral.db (a relative db: is taken from the config file's directory)`,
    );
  });

  test('an inventory the collector may not read', async () => {
    const inventory = path.join(etc, 'inventory.yaml');
    writeFileSync(inventory, 'slaves: [talos-001]\n');
    chmodSync(inventory, 0o600);
    const file = nobodyConfig('inventory.yaml.cfg', [
      `db: ${state}/corral.db`,
      'inventory: inventory.yaml',
    ]);
    const r = await doctorAsNobody(file);
    expect(r.code).toBe(1);
    expect(line(r.stdout, 'inventory')).toBe(
      `FAIL  inventory  cannot read ${inventory}: running as nobody (groups nogroup), the file is owned by root:root, mode 0600; its group root may not either: change the file's mode or owner; or fix inventory: in corral.yaml`,
    );
  });
});

const hasPostgres = available(
  'PostgreSQL 15',
  postgresInstalled(),
  'apt-get install -y --no-install-recommends postgresql',
);

describe.runIf(hasPostgres)('corral doctor, db: on PostgreSQL', () => {
  test('connects as the collector would: the schema to create, a newer one refused, a server away named', async () => {
    const url = await freshDatabaseUrl();
    const { port, pathname } = new URL(url);
    const fresh = await doctor(config('pg-fresh.yaml', [`db: ${url}`]));
    expect(line(fresh.stdout, 'database')).toBe(
      `ok  database  PostgreSQL at 127.0.0.1:${port} (database ${pathname.slice(1)}) (schema will be created)`,
    );

    // A newer corral wrote it: the line the collector would stop with.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE corral_schema (id integer PRIMARY KEY, version integer)');
    await client.query('INSERT INTO corral_schema VALUES (1, $1)', [SCHEMA_VERSION + 1]);
    await client.end();
    const newer = await doctor(config('pg-newer.yaml', [`db: ${url}`]));
    expect(newer.code).toBe(1);
    expect(line(newer.stdout, 'database')).toContain(
      `its schema version is ${SCHEMA_VERSION + 1}, newer than this corral's (${SCHEMA_VERSION})`,
    );

    // Nothing listens on that port: refused, named by host and port, within the timeout.
    const away = await doctor(config('pg-away.yaml', ['db: postgres://corral@127.0.0.1:1/corral']));
    expect(away.code).toBe(1);
    expect(line(away.stdout, 'database')).toMatch(
      /^FAIL {2}database {2}PostgreSQL at 127\.0\.0\.1:1 /,
    );
  }, 60_000);
});
