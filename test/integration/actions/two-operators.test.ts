// Two operators (two tokens) acting on the same slaves through the real collector and a real
// Nagios 4: the command line selects as the console's filter does, dry runs name what the other
// operator already did (whose, until when), --skip-muted stacks no second downtime, a cancel
// limited to one action leaves the other's downtimes in status.dat, an acknowledgement is not
// silently taken over, a reboot of muted slaves is recorded as having done nothing, and a
// cancelled reboot says who cancelled it. Everything is checked in status.dat and the API.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compileFilter } from '../../../src/domain/filter.js';
import type { ActionView, DryRunView } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import {
  acknowledgementOf,
  downtimesOf,
  type NagiosStatus,
} from '../../../src/nagios/status-file.js';
import { runCorral } from '../agent/run-cli.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import {
  hasNagios,
  passiveObjects,
  startNagios,
  type NagiosInstance,
} from '../../support/nagios.js';

const SERVICE = 'buildbot-start';
const ALICE = 'alice-token-0123456789abcd';
const BOB = 'bob-token-0123456789abcdef';
const SNOW = ['snow-001', 'snow-002', 'snow-003', 'snow-004', 'snow-005', 'snow-006'];
const FED = ['fed-001', 'fed-002', 'fed-003'];
const OTHERS = ['lin-bm05x-1', 'w764-001', 'crit-1', 'crit-2'];
const ALL = [...SNOW, ...FED, ...OTHERS];
/** A reboot method that runs until it is cancelled (or 120 s pass). */
const SLOW_METHOD = JSON.stringify([process.execPath, '-e', 'setTimeout(Date.now, 120000)']);

describe.skipIf(!hasNagios)('two operators on the same slaves', () => {
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const corral = (token: string, args: string[]) =>
    runCorral(args, { CORRAL_URL: collector.url, CORRAL_TOKEN: token });
  const act = async <T>(token: string, body: Record<string, unknown>) => {
    const res = await postJson(`${collector.url}/api/v1/actions`, body, as(token));
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body as T;
  };
  const actionOf = async (id: number) =>
    (await getJson<{ action: ActionView }>(`${collector.url}/api/v1/actions/${id}`, as(ALICE))).body
      .action;
  const slaves = async () =>
    (await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`, as(ALICE))).body
      .slaves;
  const downtimes = (s: NagiosStatus, slave: string) => downtimesOf(s, slave, SERVICE);
  /** The action id in `... (action 12): ...`. */
  const idIn = (text: string) => Number(/\(action (\d+)\)/.exec(text)?.[1]);

  beforeAll(async () => {
    nagios = await startNagios({ objects: passiveObjects(ALL) });
    const entry = (name: string) => {
      if (name.startsWith('snow-')) return `{name: ${name}, pool: talos-r3-snow, master: bm05}`;
      if (name.startsWith('fed-')) return `{name: ${name}, pool: talos-r3-fed, master: bm01}`;
      if (name.startsWith('lin-')) return `{name: ${name}, pool: linux, master: bm02}`;
      return `{name: ${name}}`;
    };
    collector = await startCollector({
      config: [
        'inventory: inventory.yaml',
        'tokens:',
        `  - {name: alice, role: operator, token: ${ALICE}}`,
        `  - {name: bob, role: operator, token: ${BOB}}`,
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${nagios.statusFile}`,
        '  confirm_within: 20s',
        'reboot:',
        '  methods:',
        `    - {name: slow, argv: ${SLOW_METHOD}, timeout: 120s, wait: 20s}`,
        '',
      ].join('\n'),
      files: { 'inventory.yaml': `slaves:\n${ALL.map((n) => `  - ${entry(n)}`).join('\n')}\n` },
    });
    // Every slave started an hour ago; two report a problem (something to acknowledge).
    const at = new Date(Date.now() - 3600_000).toISOString();
    const beats = ALL.map((slave) => ({ slave, at }));
    expect((await postJson(`${collector.url}/api/v1/heartbeats`, beats, as(ALICE))).status).toBe(
      202,
    );
    const critical = ['crit-1', 'crit-2', 'snow-001'].map((slave) => ({
      slave,
      kind: 'critical',
      message: 'cannot connect to master bm05:9010',
    }));
    expect((await postJson(`${collector.url}/api/v1/heartbeats`, critical, as(ALICE))).status).toBe(
      202,
    );
    await nagios.waitForStatus(
      (s) =>
        ['crit-1', 'crit-2', 'snow-001'].every(
          (h) => s.services.get(`${h};${SERVICE}`)?.state === 2,
        ),
      30_000,
      'the critical results in Nagios',
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([collector?.stop(), nagios?.stop()]);
  });

  // One table: each selection as `corral ls` makes it, against the console's own filter code.
  const SELECTIONS: Array<{ args: string[]; expect: (s: SlaveView) => boolean; some: string[] }> = [
    { args: ['--master', 'bm05'], expect: (s) => s.master === 'bm05', some: SNOW },
    { args: ['--pool', 'talos-r3-fed'], expect: (s) => s.pool === 'talos-r3-fed', some: FED },
    {
      args: ['--pool', 'talos-r3-fed,linux'],
      expect: (s) => s.pool === 'talos-r3-fed' || s.pool === 'linux',
      some: [...FED, 'lin-bm05x-1'],
    },
    // The console's filter matches name, pool and master: bm05 finds its slaves and a name.
    { args: ['--filter', 'bm05'], expect: filterTest('bm05'), some: [...SNOW, 'lin-bm05x-1'] },
    { args: ['--filter', 'SNOW'], expect: filterTest('SNOW'), some: SNOW },
    {
      args: ['--filter', '/^fed-00[12]$/'],
      expect: filterTest('/^fed-00[12]$/'),
      some: ['fed-001', 'fed-002'],
    },
    {
      args: ['--filter', 'bm0', '--master', 'bm02'],
      expect: (s) => filterTest('bm0')(s) && s.master === 'bm02',
      some: ['lin-bm05x-1'],
    },
    // --match keeps matching names only.
    { args: ['--match', 'bm05'], expect: (s) => /bm05/.test(s.name), some: ['lin-bm05x-1'] },
  ];

  test.each(SELECTIONS)('corral ls $args selects what the console filter selects', async (c) => {
    const run = await corral(ALICE, ['ls', '--json', ...c.args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const got = (JSON.parse(run.stdout) as { slaves: SlaveView[] }).slaves.map((s) => s.name);
    const expected = (await slaves()).filter(c.expect).map((s) => s.name);
    expect(got.sort()).toEqual(expected.sort());
    expect(got.sort()).toEqual([...c.some].sort());
  });

  test('an action command selects the same slaves (downtime --filter, dry run)', async () => {
    const run = await corral(BOB, [
      'downtime',
      '--filter',
      'bm05',
      '--for',
      '1h',
      '--comment',
      'selection',
      '--dry-run',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(SNOW.length + 1);
    for (const name of [...SNOW, 'lin-bm05x-1']) {
      expect(lines.some((l) => l.includes(`;${name};`))).toBe(true);
    }
  });

  test.each([
    [['ls', '--filter', '/[/'], /^corral: --filter: not a regex: /],
    [['ls', '--filter', '/x/g'], /^corral: --filter: unknown regex flag/],
    [['ls', '--master', ','], /^corral: --master: give at least one name/],
    [['recheck', '--pool', ' ', '--yes'], /^corral: --pool: give at least one name/],
    [
      ['downtime', '--master', 'nobody', '--for', '1h', '--comment', 'x', '--yes'],
      /^corral: no slave matches the selection/,
    ],
  ])('bad selection %j: one line, nothing done', async (args, message) => {
    const run = await corral(ALICE, args);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('corral ls into a pipe closed early ends quietly (exit 0, nothing on stderr)', async () => {
    for (const args of [['ls'], ['ls', '--json']]) {
      const child = spawn(process.execPath, [CORRAL_BIN, ...args], {
        env: { ...process.env, CORRAL_URL: collector.url, CORRAL_TOKEN: ALICE },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // The reader goes away before the listing is written (as `head -1` does after its line).
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  test('a second downtime: the dry run names the first operator and the end; --skip-muted stacks none', async () => {
    const first = await corral(ALICE, [
      'downtime',
      'snow-001',
      'snow-002',
      'snow-003',
      '--for',
      '30d',
      '--comment',
      'slow pool',
      '--yes',
      '--wait',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const aliceId = idIn(first.stdout);
    const shown = await waitFor(
      async () => {
        const s = (await slaves()).find((v) => v.name === 'snow-002');
        return s?.mutes.length === 1 ? s : null;
      },
      10_000,
      'the downtime in the slave view',
    );
    const end = (shown.mutes[0] as { end: string }).end;

    // Bob's dry run on the whole pool says whose downtime three of them are in, until when.
    const dry = await act<DryRunView>(BOB, {
      kind: 'downtime',
      targets: SNOW,
      params: { duration: '30d', comment: 'moving masters' },
      dryRun: true,
    });
    expect(dry.existing.filter((e) => e.kind === 'downtime')).toEqual(
      ['snow-001', 'snow-002', 'snow-003'].map((slave) =>
        expect.objectContaining({
          slave,
          kind: 'downtime',
          by: 'alice',
          end,
          comment: 'slow pool',
        }),
      ),
    );
    const cli = await corral(BOB, [
      'downtime',
      '--pool',
      'talos-r3-snow',
      '--for',
      '30d',
      '--comment',
      'moving masters',
      '--dry-run',
    ]);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(
      /3 already in alice's downtime until \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(slow pool\): snow-001, snow-002, snow-003/,
    );
    expect(cli.stderr).toContain('--skip-muted');

    const second = await corral(BOB, [
      'downtime',
      '--pool',
      'talos-r3-snow',
      '--for',
      '30d',
      '--comment',
      'moving masters',
      '--skip-muted',
      '--yes',
      '--wait',
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/3 confirmed by Nagios, 3 skipped/);
    const bobAction = await actionOf(idIn(second.stdout));
    expect(bobAction.outcome).toBe('done');
    expect(bobAction.targets.find((t) => t.slave === 'snow-001')).toEqual({
      slave: 'snow-001',
      status: 'skipped',
      error: expect.stringMatching(/^already muted: in alice's downtime until .* \(slow pool\)/),
    });
    const status = await nagios.status();
    for (const slave of SNOW) {
      const mine = slave <= 'snow-003' ? 'alice' : 'bob';
      expect(
        downtimes(status, slave).map((d) => d.author),
        slave,
      ).toEqual([mine]);
    }
    expect(aliceId).toBeGreaterThan(0);
  }, 90_000);

  test("a cancel limited to one action leaves the other operator's downtimes", async () => {
    // Bob stacks a second downtime on one of alice's slaves, knowingly (the dry run said so).
    const stacked = await corral(BOB, [
      'downtime',
      'snow-001',
      '--for',
      '2h',
      '--comment',
      'bob too',
      '--yes',
      '--wait',
    ]);
    expect(stacked.code, stacked.stderr).toBe(0);
    expect(stacked.stderr).toMatch(/1 already in alice's downtime/);
    const bobId = idIn(stacked.stdout);
    const before = await nagios.status();
    expect(
      downtimes(before, 'snow-001')
        .map((d) => d.author)
        .sort(),
    ).toEqual(['alice', 'bob']);

    // The dry run names exactly what goes: bob's one downtime, by its id.
    const bobsDowntime = downtimes(before, 'snow-001').find((d) => d.author === 'bob')!;
    const dry = await corral(BOB, ['downtime', '--cancel', '--action', String(bobId), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`DEL_SVC_DOWNTIME;${bobsDowntime.id}$`)),
    ]);
    expect(dry.stderr).toMatch(/1 removes bob's downtime until .* \(bob too\): snow-001/);

    const cancel = await corral(BOB, [
      'downtime',
      '--cancel',
      '--action',
      String(bobId),
      '--yes',
      '--wait',
    ]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(
      new RegExp(`bob cancelled action ${bobId}'s \\(bob's\\) downtimes of 1 slave`),
    );
    const after = await nagios.waitForStatus(
      (s) => downtimes(s, 'snow-001').length === 1,
      20_000,
      "bob's downtime gone",
    );
    expect(downtimes(after, 'snow-001').map((d) => d.author)).toEqual(['alice']);
    for (const slave of ['snow-002', 'snow-003']) {
      expect(downtimes(after, slave).map((d) => d.author)).toEqual(['alice']);
    }

    // Limited to an author: only bob's go; the collector must have read status.dat since.
    await waitFor(
      async () => (await slaves()).find((v) => v.name === 'snow-001')?.mutes.length === 1,
      10_000,
      'the collector to see one downtime left on snow-001',
    );
    const byAuthor = await corral(BOB, [
      'downtime',
      '--cancel',
      '--pool',
      'talos-r3-snow',
      '--author',
      'bob',
      '--dry-run',
    ]);
    expect(byAuthor.code).toBe(0);
    expect(byAuthor.stderr).toMatch(/dry run: bob cancelled bob's downtimes of 6 slaves/);
    expect(byAuthor.stderr).toMatch(
      /3 skipped \(no downtime by bob\): snow-001, snow-002, snow-003/,
    );
    expect(byAuthor.stdout.trim().split('\n')).toHaveLength(3);
  }, 90_000);

  test('an action id that is not a downtime is refused in one line, nothing done', async () => {
    const recheck = await corral(ALICE, ['recheck', 'fed-001', '--yes']);
    const id = idIn(recheck.stdout);
    const run = await corral(BOB, [
      'downtime',
      '--cancel',
      'snow-001',
      '--action',
      String(id),
      '--yes',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toMatch(/action \d+ is a recheck, not a downtime/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await corral(BOB, ['downtime', '--cancel', 'snow-001', '--action', 'x7', '--yes']);
    expect(bad.stderr.trim()).toBe(
      'corral: --action: "x7" is not an action number (corral\'s audit log numbers them)',
    );
  });

  test('an acknowledgement by another operator is not silently taken over', async () => {
    const bob = await corral(BOB, ['ack', 'crit-1', '--comment', 'bug 42', '--yes', '--wait']);
    expect(bob.code, bob.stderr).toBe(0);
    await nagios.waitForStatus((s) => acknowledgementOf(s, 'crit-1', SERVICE)?.author === 'bob');

    const alice = await corral(ALICE, [
      'ack',
      'crit-1',
      'crit-2',
      '--comment',
      'mine',
      '--yes',
      '--wait',
    ]);
    expect(alice.code, alice.stderr).toBe(0);
    expect(alice.stderr).toMatch(
      /1 skipped \(already acknowledged by bob \(bug 42\): reacknowledge to take it over\): crit-1/,
    );
    expect(alice.stdout).toMatch(/1 confirmed by Nagios, 1 skipped/);
    const status = await nagios.status();
    expect(acknowledgementOf(status, 'crit-1', SERVICE)?.author).toBe('bob');
    expect(acknowledgementOf(status, 'crit-2', SERVICE)?.author).toBe('alice');

    // Everything skipped: nothing to do, said before anything is recorded.
    const again = await corral(ALICE, ['ack', 'crit-1', '--comment', 'mine', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing to do: every slave is skipped/);
  }, 60_000);

  test('a slave both downtimed and acknowledged carries both mutes', async () => {
    const ack = await corral(BOB, ['ack', 'snow-001', '--comment', 'disk', '--yes', '--wait']);
    expect(ack.code, ack.stderr).toBe(0);
    const view = await waitFor(
      async () => {
        const s = (await slaves()).find((v) => v.name === 'snow-001');
        return s?.mutes.length === 2 ? s : null;
      },
      10_000,
      'both mutes',
    );
    expect(view.mutes.map((m) => [m.kind, m.author])).toEqual([
      ['downtime', 'alice'],
      ['acknowledgement', 'bob'],
    ]);
    expect(view.muted).toMatchObject({ kind: 'downtime', author: 'alice' });
  }, 30_000);

  test('a reboot of muted slaves is recorded as having done nothing', async () => {
    const { action } = await act<{ action: ActionView }>(BOB, {
      kind: 'reboot',
      targets: ['snow-002', 'snow-003'],
    });
    const done = await waitFor(
      async () => {
        const a = await actionOf(action.id);
        return a.finishedAt !== null ? a : null;
      },
      10_000,
      'the reboot to end',
    );
    expect(done.outcome).toBe('nothing');
    expect(done.counts.skipped).toBe(2);
    // The audit log says so too, not just "ended".
    const end = await waitFor(
      () =>
        collector.logs.find(
          (l) => l.audit === 'action' && l.action === action.id && l.event === 'end',
        ),
      5_000,
      'the audit line',
    );
    expect(end).toMatchObject({
      result: 'nothing',
      msg: 'bob rebooted 2 slaves: ended, nothing done',
    });
    expect(done.targets[0]!.error).toMatch(
      /^muted in Nagios: in alice's downtime until .* \(slow pool\) \(include muted slaves to reboot it\)$/,
    );
    const cli = await corral(BOB, ['reboot', 'snow-002', '--yes']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/1 skipped \(muted in Nagios: in alice's downtime/);
    expect(cli.stderr).toMatch(/nothing to reboot/);
  }, 30_000);

  test('a reboot cancelled by another operator says who cancelled it', async () => {
    const { action } = await act<{ action: ActionView }>(ALICE, {
      kind: 'reboot',
      targets: ['fed-001', 'fed-002'],
    });
    const rebooting = await waitFor(
      async () => {
        const s = (await slaves()).find((v) => v.name === 'fed-001');
        return s?.reboot?.phase === 'rebooting' ? s : null;
      },
      10_000,
      'fed-001 rebooting',
    );
    expect(rebooting.reboot).toMatchObject({ by: 'alice', actionId: action.id, method: 'slow' });

    // Bob's dry run of a second reboot says whose reboot it already is.
    const dry = await act<DryRunView>(BOB, { kind: 'reboot', targets: ['fed-001'], dryRun: true });
    expect(dry.targets[0]).toEqual({
      slave: 'fed-001',
      status: 'skipped',
      error: `already being rebooted by alice (action ${action.id})`,
    });
    expect(dry.existing).toEqual([
      expect.objectContaining({ kind: 'reboot', by: 'alice', actionId: action.id }),
    ]);

    await waitFor(
      async () => (await slaves()).find((v) => v.name === 'fed-002')?.reboot !== null,
      10_000,
      'fed-002 rebooting',
    );
    const whose = await corral(BOB, ['reboot', '--pool', 'talos-r3-fed', '--cancel', '--dry-run']);
    expect(whose.stderr).toBe(`2 stops alice's reboot (action ${action.id}): fed-001, fed-002\n`);
    await act(BOB, { kind: 'cancel-reboot', targets: ['fed-001', 'fed-002'] });
    const cancelled = await waitFor(
      async () => {
        const a = await actionOf(action.id);
        return a.finishedAt !== null ? a : null;
      },
      15_000,
      "alice's reboot to end",
    );
    expect(cancelled.cancelledBy).toBe('bob');
    const audit = await waitFor(
      () =>
        collector.logs.find(
          (l) => l.audit === 'action' && l.action === action.id && l.event === 'end',
        ),
      5_000,
      'the audit line',
    );
    expect(audit).toMatchObject({ result: 'cancelled', cancelledBy: 'bob' });
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.targets.map((t) => [t.status, t.error])).toEqual([
      ['cancelled', 'cancelled by bob'],
      ['cancelled', 'cancelled by bob'],
    ]);
  }, 40_000);
});

function filterTest(text: string): (s: SlaveView) => boolean {
  const f = compileFilter(text);
  if (!f.ok) throw new Error(f.error);
  return f.test;
}
