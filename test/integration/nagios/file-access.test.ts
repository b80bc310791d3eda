// The collector started as a user outside Nagios's group, with Nagios's files laid out as Debian lays
// them out (/var/lib/nagios4 nagios:www-data 0750, rw/ 2710, the FIFO 0660): each file's problem is one
// line naming the file, who we run as, the directory's owner and mode and the group to join, logged
// once; /healthz says it; and started again in that group, the permission problems are gone.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { available } from '../../support/requires.js';
import {
  getJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

type Health = { status: string; problems: Array<{ part: string; problem: string }> };

const isRoot = available(
  'root (to run the collector as nobody)',
  process.getuid?.() === 0,
  'run the tests as root, as CI does',
);
const hasSetpriv = available(
  'setpriv',
  spawnSync('setpriv', ['--version']).status === 0,
  'apt-get install util-linux',
);
const NOBODY = 65534;
const NOGROUP = 65534;

/** A whole status.dat as Nagios writes it, fresh now (the collector allows 3 intervals of 10 s). */
function statusText(): string {
  const now = Math.floor(Date.now() / 1000);
  return `info {\n\tcreated=${now}\n\t}\nprogramstatus {\n\tprogram_start=${now}\n\t}\n`;
}

/** Numeric ids of a user and group that exist here, by name (the Nagios package creates them). */
function idOf(db: 'passwd' | 'group', name: string): number {
  const r = spawnSync('getent', [db, name], { encoding: 'utf8' });
  const id = Number(r.stdout.split(':')[2]);
  if (r.status !== 0 || !Number.isInteger(id)) throw new Error(`no ${db} entry ${name}`);
  return id;
}

describe.skipIf(!isRoot || !hasSetpriv)('Nagios files the collector may not open', () => {
  let root: string;
  let lib: string;
  let commandFile: string;
  let statusFile: string;
  let objectCache: string;
  let config: string;
  const collectors: RunningCollector[] = [];

  beforeAll(() => {
    if (spawnSync('getent', ['passwd', 'nagios']).status !== 0) {
      spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'nagios']);
    }
    const nagios = idOf('passwd', 'nagios');
    const nagiosGroup = idOf('group', 'nagios');
    const wwwData = idOf('group', 'www-data');
    root = mkdtempSync(path.join(tmpdir(), 'corral-access-it-'));
    chmodSync(root, 0o755);
    lib = path.join(root, 'var/lib/nagios4');
    mkdirSync(path.join(lib, 'rw'), { recursive: true });
    commandFile = path.join(lib, 'rw/nagios.cmd');
    statusFile = path.join(lib, 'status.dat');
    objectCache = path.join(lib, 'objects.cache');
    expect(spawnSync('mkfifo', [commandFile]).status).toBe(0);
    writeFileSync(statusFile, statusText());
    writeFileSync(
      objectCache,
      'define service {\n\thost_name\ttalos-001\n\tservice_description\tbuildbot-start\n\t}\n',
    );
    for (const [p, uid, gid, mode] of [
      [path.join(root, 'var'), 0, 0, 0o755],
      [path.join(root, 'var/lib'), 0, 0, 0o755],
      [lib, nagios, wwwData, 0o750],
      [path.join(lib, 'rw'), nagios, wwwData, 0o2710],
      [commandFile, nagios, wwwData, 0o660],
      [statusFile, nagios, nagiosGroup, 0o644],
      [objectCache, nagios, nagiosGroup, 0o644],
    ] as const) {
      chownSync(p, uid, gid);
      chmodSync(p, mode);
    }
    config = [
      'nagios:',
      `  command_file: ${commandFile}`,
      `  status_file: ${statusFile}`,
      `  object_cache_file: ${objectCache}`,
      '',
    ].join('\n');
  });

  afterAll(async () => {
    for (const c of collectors) {
      await c.stop();
      rmSync(c.dir, { recursive: true, force: true });
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A dir of its own for each collector, owned by nobody: its database and corral.yaml. */
  async function collectorAsNobody(groups: string[]): Promise<RunningCollector> {
    const dir = mkdtempSync(path.join(tmpdir(), 'corral-access-db-'));
    chownSync(dir, NOBODY, NOGROUP);
    const c = await startCollector({
      dir,
      config,
      // Debug: a line for every poll of Nagios's files, so the test can wait for polls.
      env: { CORRAL_LOG_LEVEL: 'debug' },
      runAs: [
        'setpriv',
        `--reuid=${NOBODY}`,
        `--regid=${NOGROUP}`,
        ...(groups.length === 0 ? ['--clear-groups'] : [`--groups=${groups.join(',')}`]),
        '--',
      ],
    });
    collectors.push(c);
    return c;
  }

  const health = async (c: RunningCollector) => (await getJson<Health>(`${c.url}/healthz`)).body;

  test('outside the group: one line per file naming user, directory owner and mode, and the group to join', async () => {
    const c = await collectorAsNobody([]);
    const blocked = `may not enter ${lib} (owned by nagios:www-data, mode 0750); add this user to group www-data (usermod -aG www-data nobody) and restart`;
    const h = await waitFor(
      async () => {
        const now = await health(c);
        return now.problems.length === 2 ? now : null;
      },
      10_000,
      'both Nagios parts degraded',
    );
    expect(h.problems).toEqual(
      expect.arrayContaining([
        {
          part: 'nagios-commands',
          problem: `cannot write ${commandFile}: running as nobody (groups nogroup) ${blocked}`,
          since: expect.any(String),
        },
        {
          part: 'nagios-status',
          problem: `cannot read ${statusFile}: running as nobody (groups nogroup) ${blocked}`,
          since: expect.any(String),
        },
      ]),
    );
    const objects = c.logs.find((l) => l.msg === "Nagios's objects not loaded; keeping the last");
    expect(objects?.reason).toBe(
      `cannot read ${objectCache}: running as nobody (groups nogroup) ${blocked}`,
    );

    // Let the watch poll a few times, then open the directory: rw/ (2710) is the next door shut.
    const polls = () => c.logs.filter((l) => l.msg === "Nagios's files polled").length;
    const before = polls();
    await waitFor(() => polls() >= before + 3, 20_000, 'three more polls');
    chmodSync(lib, 0o751);
    const next = await waitFor(
      () => c.logs.find((l) => l.part === 'nagios-commands' && String(l.msg).includes('/rw (')),
      10_000,
      "rw/'s permission problem",
    );
    expect(next.msg).toBe(
      `cannot write ${commandFile}: running as nobody (groups nogroup) may not enter ${lib}/rw (owned by nagios:www-data, mode 2710); add this user to group www-data (usermod -aG www-data nobody) and restart`,
    );
    await waitFor(
      () =>
        c.logs.find(
          (l) => l.part === 'nagios-status' && l.msg === "Nagios's status.dat is well again",
        ),
      10_000,
      'status.dat readable again',
    );
    // Over those polls, each problem was one line.
    const warned = c.logs.filter((l) => l.level === 40 && typeof l.part === 'string');
    expect(warned.map((l) => [l.part, /may not enter (\S+) /.exec(String(l.msg))?.[1]])).toEqual([
      ['nagios-status', lib],
      ['nagios-commands', lib],
      ['nagios-commands', `${lib}/rw`],
    ]);
    chmodSync(lib, 0o750);
  }, 60_000);

  test('in the group it names: no permission problem left (only that Nagios is not running)', async () => {
    writeFileSync(statusFile, statusText()); // fresh, however long the first test took
    const c = await collectorAsNobody(['www-data']);
    const h = await waitFor(
      async () => {
        const now = await health(c);
        return now.problems.length > 0 ? now : null;
      },
      10_000,
      'the command file probed',
    );
    expect(h.problems).toEqual([
      {
        part: 'nagios-commands',
        problem: `Nagios is not reading ${commandFile}`,
        since: expect.any(String),
      },
    ]);
    expect(c.logs.find((l) => l.msg === "Nagios's objects loaded")?.slaves).toBe(1);
  }, 60_000);
});
