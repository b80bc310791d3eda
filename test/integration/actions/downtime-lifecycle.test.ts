// The life of a downtime against a real Nagios 4 (issue 14): a downtime until the slave is back,
// ended by its next buildbot start (also across restarts of the collector), and downtimes moved
// later or earlier (`corral downtime --extend`), all checked in status.dat and nagios.log.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import type { Downtime, NagiosStatus } from '../../../src/nagios/status-file.js';
import { runCorral } from '../agent/run-cli.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { hasNagios, type NagiosInstance } from '../../support/nagios.js';
import { startSshd, type RunningSshd } from '../../support/sshd.js';
import { startWiredNagios } from '../../support/wired-nagios.js';

const ALICE = 'alice-token-0123456789abc';
const BOB = 'bob-token-0123456789abcde';
const CHECKER = 'checker-token-0123456789a';
const DAY = 86_400_000;

const UNTIL_BACK = ['ub-1', 'ub-2', 'ub-3', 'ub-4', 'ub-5', 'ub-6'];
const MOVED = ['ext-1', 'ext-2', 'ext-3', 'none-1'];
/** Rebooted over ssh: rb-back comes back (the test sends its start), rb-silent never does. */
const REBOOTED = ['rb-back', 'rb-silent'];

describe.skipIf(!hasNagios)('until-back and moved downtimes in a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  let sshd: RunningSshd;
  const alice = { authorization: `Bearer ${ALICE}` };
  const as = (token: string, args: string[]) =>
    runCorral(args, { CORRAL_URL: collector.url, CORRAL_TOKEN: token });
  const beat = (slave: string, at?: number) =>
    postJson(
      `${collector.url}/api/v1/heartbeats`,
      { slave, kind: 'start', ...(at === undefined ? {} : { at: new Date(at).toISOString() }) },
      alice,
    );
  const downtimesOf = (s: NagiosStatus, host: string, author?: string): Downtime[] =>
    s.downtimes.filter((d) => d.host === host && (author === undefined || d.author === author));
  const view = async (name: string) =>
    (
      await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`, alice)
    ).body.slaves.find((s) => s.name === name)!;
  const actionsOf = async (slave: string) =>
    (
      await getJson<{ actions: ActionView[] }>(
        `${collector.url}/api/v1/actions?slave=${slave}`,
        alice,
      )
    ).body.actions;
  /** The collector again on its database (and port), with or without its `nagios:` section. */
  let config = '';
  const restart = async (withNagios = true) => {
    await collector.stop();
    config ||= await readFile(path.join(collector.dir, 'corral.yaml'), 'utf8');
    collector = await startCollector({
      dir: collector.dir,
      args: ['--listen', `127.0.0.1:${collector.port}`],
      config: withNagios ? config : config.slice(0, config.indexOf('nagios:\n')),
    });
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-lifecycle-it-'));
    sshd = await startSshd();
    const ssh = (...verb: string[]) =>
      JSON.stringify([...sshd.client, '-l', 'root', '{host}', ...verb]);
    ({ nagios, collector } = await startWiredNagios({
      dir,
      slaves: [
        ...[...UNTIL_BACK, ...MOVED],
        ...REBOOTED.map((name) => `{name: ${name}, pool: ${name}, host: 127.0.0.1}`),
      ],
      checker: CHECKER,
      tokens: [
        `  - {name: alice, role: operator, token: ${ALICE}}`,
        `  - {name: bob, role: operator, token: ${BOB}}`,
      ],
      extra: [
        'reboot:',
        '  methods:',
        `    - {name: ssh, argv: ${ssh('reboot', '{slave}', '2000')}, timeout: 20s, wait: 20s}`,
        '  pools:',
        '    rb-silent:',
        `      - {name: ssh, argv: ${ssh('silent', '{slave}')}, timeout: 20s, wait: 60s}`,
      ],
    }));
    sshd.setCollector(collector.url);
    const all = [...UNTIL_BACK, ...MOVED, ...REBOOTED];
    await nagios.waitForStatus(
      (s) => all.every((h) => s.services.has(`${h};buildbot-start`)),
      20_000,
      'every service',
    );
  }, 120_000);

  afterAll(async () => {
    await sshd?.stop();
    await nagios?.cleanup();
    await collector?.stop();
    collector?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('an until-back downtime ends within 2 s of the slave’s next start; the operator’s own stays', async () => {
    const own = await as(BOB, [
      'downtime',
      'ub-1',
      '--for',
      '3h',
      '--comment',
      'bob: disk swap',
      '--yes',
      '--wait',
    ]);
    expect(own.code).toBe(0);
    const run = await as(ALICE, [
      'downtime',
      'ub-1',
      'ub-2',
      '--until-back',
      '--comment',
      'waiting for hands',
      '--yes',
      '--wait',
    ]);
    expect(run.stderr).toContain(
      'schedule a downtime that ends when each is back (at most 7d) on 2 slave(s)',
    );
    expect(run.stdout).toMatch(
      /alice scheduled a downtime until back \(at most 7d\) on 2 slaves \(action \d+\)/,
    );
    expect(run.code).toBe(0);
    const before = await nagios.status();
    const [mine] = downtimesOf(before, 'ub-1', 'alice');
    // The default upper bound: 7 days from its start.
    expect(mine!.end - mine!.start).toBe(7 * DAY);
    // Marked in the slave's mutes, beside bob's own, which is not.
    const marked = await waitFor(
      async () => {
        const v = await view('ub-1');
        const both = v.mutes.length === 2;
        return both && v.mutes.some((m) => m.kind === 'downtime' && m.untilBack) ? v : null;
      },
      10_000,
      'ub-1 marked until back',
    );
    expect(marked.mutes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ author: 'alice', untilBack: true }),
        expect.objectContaining({ author: 'bob', comment: 'bob: disk swap' }),
      ]),
    );
    expect(marked.mutes.find((m) => m.author === 'bob')).not.toHaveProperty('untilBack');

    const sent = Date.now();
    expect((await beat('ub-1')).status).toBe(202);
    const after = await nagios.waitForStatus(
      (s) => downtimesOf(s, 'ub-1', 'alice').length === 0,
      2_000,
      "alice's until-back downtime on ub-1 gone",
    );
    expect(Date.now() - sent).toBeLessThan(2_000);
    // Exactly that downtime: bob's on the same slave and alice's on ub-2 (no start yet) stay.
    expect(downtimesOf(after, 'ub-1', 'bob')).toHaveLength(1);
    expect(downtimesOf(after, 'ub-2', 'alice')).toHaveLength(1);
    expect(await nagios.externalCommands()).toContain(`DEL_SVC_DOWNTIME;${mine!.id}`);
    // Audited: an action by corral naming the start.
    const ended = await waitFor(
      async () => (await actionsOf('ub-1')).find((a) => a.author === 'corral' && a.finishedAt),
      10_000,
      "corral's action",
    );
    expect(ended).toMatchObject({ kind: 'cancel-downtime', outcome: 'done' });
    expect(ended.summary).toMatch(
      /^corral ended alice's until-back downtime \(action \d+\) on ub-1: it started at \d{4}-\d\d-\d\dT/,
    );
    // A second start ends nothing more.
    expect((await beat('ub-1')).status).toBe(202);
    expect((await actionsOf('ub-1')).filter((a) => a.author === 'corral')).toHaveLength(1);
  }, 90_000);

  test('an extended until-back downtime is still ended by the start', async () => {
    const [before] = downtimesOf(await nagios.status(), 'ub-2', 'alice');
    const ext = await as(ALICE, ['downtime', 'ub-2', '--extend', '1d', '--yes', '--wait']);
    expect(ext.code).toBe(0);
    const [moved] = downtimesOf(await nagios.status(), 'ub-2', 'alice');
    expect(moved).toMatchObject({ start: before!.start, end: before!.end + DAY });
    await waitFor(
      async () => (await view('ub-2')).mutes.find((m) => m.kind === 'downtime' && m.untilBack),
      10_000,
      'ub-2 still marked until back',
    );
    expect((await beat('ub-2')).status).toBe(202);
    await nagios.waitForStatus(
      (s) => downtimesOf(s, 'ub-2', 'alice').length === 0,
      2_000,
      "ub-2's extended until-back downtime gone",
    );
  }, 60_000);

  test('a restart forgets nothing: a start the collector could not act on is acted on at load; one replayed from before the downtime ends nothing', async () => {
    const run = await as(ALICE, [
      'downtime',
      'ub-3',
      'ub-4',
      'ub-5',
      '--until-back',
      '--for',
      '2d',
      '--comment',
      'rack move',
      '--yes',
      '--wait',
    ]);
    expect(run.code).toBe(0);
    const asked = Date.now();
    // Without its monitoring system, the collector takes ub-3's start but cannot cancel anything.
    await restart(false);
    expect((await beat('ub-3')).status).toBe(202);
    // Back with Nagios: ub-3's start (already stored) ends its downtime at load.
    await restart(true);
    await nagios.waitForStatus(
      (s) => downtimesOf(s, 'ub-3', 'alice').length === 0,
      15_000,
      "ub-3's until-back downtime cancelled after the restart",
    );
    // A start spooled while the collector was down, replayed with its time: ends ub-4's. One
    // stamped before the downtime was asked for (a replay from long ago) does not end ub-5's.
    expect((await beat('ub-5', asked - 60_000)).status).toBe(202);
    expect((await beat('ub-4', Date.now() - 1000)).status).toBe(202);
    const s = await nagios.waitForStatus(
      (st) => downtimesOf(st, 'ub-4', 'alice').length === 0,
      15_000,
      "ub-4's until-back downtime cancelled",
    );
    expect(downtimesOf(s, 'ub-5', 'alice')).toHaveLength(1);
    expect((await actionsOf('ub-5')).filter((a) => a.author === 'corral')).toHaveLength(0);
    expect((await view('ub-5')).mutes).toEqual([
      expect.objectContaining({ author: 'alice', comment: 'rack move', untilBack: true }),
    ]);
  }, 120_000);

  test('extend moves the end in status.dat (new first, then the old deleted); shorten; to a time; only the limited author’s', async () => {
    for (const [token, slaves, comment] of [
      [ALICE, ['ext-1', 'ext-2'], 'slow pool'],
      [BOB, ['ext-1'], 'bob: his own'],
    ] as const) {
      const r = await as(token, [
        'downtime',
        ...slaves,
        '--for',
        '2h',
        '--comment',
        comment,
        '--yes',
        '--wait',
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const before = await nagios.status();
    const old = downtimesOf(before, 'ext-1', 'alice')[0]!;
    const bobs = downtimesOf(before, 'ext-1', 'bob')[0]!;

    const ext = await as(BOB, [
      'downtime',
      'ext-1',
      'ext-2',
      '--extend',
      '7d',
      '--author',
      'alice',
      '--yes',
      '--wait',
    ]);
    expect(ext.stderr).toContain('extend the downtimes of 2 slave(s) by 7d');
    expect(ext.stdout).toMatch(/bob extended alice's downtimes of 2 slaves by 7d \(action \d+\)/);
    expect(ext.code).toBe(0);
    const moved = await nagios.status();
    for (const host of ['ext-1', 'ext-2']) {
      const [d, ...more] = downtimesOf(moved, host, 'alice');
      expect(more).toEqual([]);
      expect(d).toMatchObject({
        comment: 'slow pool',
        start: old.start,
        end: old.end + 7 * DAY,
        fixed: true,
      });
    }
    // bob's own was not moved.
    expect(downtimesOf(moved, 'ext-1', 'bob')).toEqual([
      expect.objectContaining({ id: bobs.id, end: bobs.end }),
    ]);
    // Never unmuted in between: the new downtime was entered before the old was deleted.
    const commands = await nagios.externalCommands();
    const scheduled = commands.findIndex(
      (c) =>
        c.startsWith('SCHEDULE_SVC_DOWNTIME;ext-1;') &&
        c.includes(`;${(old.end + 7 * DAY) / 1000};`),
    );
    const deleted = commands.indexOf(`DEL_SVC_DOWNTIME;${old.id}`);
    expect(scheduled).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeGreaterThan(scheduled);
    // One action, audited.
    const [extAction] = (await actionsOf('ext-2')).filter((a) => a.kind === 'extend-downtime');
    expect(extAction).toMatchObject({
      author: 'bob',
      outcome: 'done',
      params: { extendSeconds: 7 * 86400 },
    });
    expect(extAction!.targets.map((t) => t.status)).toEqual(['confirmed', 'confirmed']);

    const shorter = await as(ALICE, ['downtime', 'ext-2', '--extend=-1h', '--yes', '--wait']);
    expect(shorter.stdout).toMatch(/alice shortened alice's downtimes of 1 slave by 1h/);
    expect(shorter.code).toBe(0);
    const end = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000).toISOString();
    const to = await as(ALICE, ['downtime', 'ext-2', '--extend-to', end, '--yes', '--wait']);
    expect(to.code).toBe(0);
    expect(downtimesOf(await nagios.status(), 'ext-2', 'alice')).toEqual([
      expect.objectContaining({ comment: 'slow pool', start: old.start, end: Date.parse(end) }),
    ]);
  }, 120_000);

  test('reboot --downtime-until-back: the slaves get an until-back downtime before the reboot runs; the one back loses it, the silent one keeps it', async () => {
    // The dry run shows the downtime's command lines before the reboot's commands, and does nothing.
    const dry = await as(ALICE, ['reboot', ...REBOOTED, '--downtime-until-back', '--dry-run']);
    expect(dry.code).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^\[\d+\] SCHEDULE_SVC_DOWNTIME;rb-back;buildbot-start;\d+;\d+;1;0;604800;alice;rebooted by corral: muted until it is back$/,
    );
    expect(lines.at(-1)).toMatch(/^rb-silent ssh: \[/);
    expect(sshd.recorded()).toEqual([]);
    const run = await as(ALICE, [
      'reboot',
      ...REBOOTED,
      '--downtime-until-back',
      '--yes',
      '--no-wait',
    ]);
    expect(run.stderr).toContain(
      'reboot 2 slave(s), each first in a downtime until it is back (at most 7d): rb-back, rb-silent',
    );
    expect(run.code).toBe(0);
    const actions = await actionsOf('rb-silent');
    const downtime = actions.find((a) => a.kind === 'downtime')!;
    const reboot = actions.find((a) => a.kind === 'reboot')!;
    expect(downtime).toMatchObject({
      author: 'alice',
      params: { untilBack: true, comment: 'rebooted by corral: muted until it is back' },
      summary: 'alice scheduled a downtime until back (at most 7d) on 2 slaves',
    });
    expect(reboot.summary).toBe('alice rebooted 2 slaves, each in a downtime until it is back');
    expect(downtime.id).toBeLessThan(reboot.id);
    const muted = await nagios.waitForStatus(
      (s) => REBOOTED.every((h) => downtimesOf(s, h, 'alice').length === 1),
      10_000,
      'both rebooted slaves in an until-back downtime',
    );
    // Nagios had the downtime before the ssh command ran (entry times are whole seconds).
    const ran = await waitFor(
      () => sshd.recorded().find((r) => r.slave === 'rb-back'),
      10_000,
      "rb-back's reboot",
    );
    expect(downtimesOf(muted, 'rb-back', 'alice')[0]!.entryTime).toBeLessThanOrEqual(ran.start);
    // rb-back is back (its start hook, with the token this collector asks for): its downtime
    // ends, and its reboot with it; rb-silent's stays.
    expect((await beat('rb-back')).status).toBe(202);
    const after = await nagios.waitForStatus(
      (s) => downtimesOf(s, 'rb-back', 'alice').length === 0,
      15_000,
      "rb-back's until-back downtime gone",
    );
    expect(downtimesOf(after, 'rb-silent', 'alice')).toHaveLength(1);
  }, 90_000);

  test('bad input is one line each and changes nothing', async () => {
    const r = await as(ALICE, [
      'downtime',
      'ext-3',
      '--for',
      '2h',
      '--comment',
      'x',
      '--yes',
      '--wait',
    ]);
    expect(r.code).toBe(0);
    const before = await nagios.status();
    const cases: Array<[string[], RegExp]> = [
      [
        ['ext-3', '--extend=-3h'],
        /ext-3: alice's downtime \(x\) would end at .*, already past: cancel it instead/,
      ],
      [
        ['ext-3', '--extend-to', '2020-01-01T00:00:00Z'],
        /the new end 2020-01-01T00:00:00.000Z is already past/,
      ],
      [['ext-3', '--extend', '400d'], /a downtime lasts at most 366 days/],
      [['ext-3', '--extend', 'soon'], /--extend: "soon" is not a duration/],
      [
        ['ext-3', '--extend', '1d', '--extend-to', '2030-01-01T00:00:00Z'],
        /give one of --extend .* and --extend-to/,
      ],
      [['ext-3', '--extend', '1d', '--comment', 'y'], /--extend and --extend-to take a selection/],
      [['none-1', '--extend', '1d'], /nothing to do: every slave is skipped/],
      [['ext-3', '--until-back'], /--comment is required/],
    ];
    for (const [args, line] of cases) {
      const run = await as(ALICE, ['downtime', ...args, '--yes']);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toMatch(line);
      expect(run.stderr.trim().split('\n').at(-1), args.join(' ')).toMatch(line);
    }
    const none = await as(ALICE, ['downtime', 'none-1', '--extend', '1d', '--yes']);
    expect(none.stderr).toContain('1 skipped (no downtime to move): none-1');
    // Refused by the collector itself too: neither or both of extend and until.
    const api = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'extend-downtime', targets: ['ext-3'], params: {} },
      alice,
    );
    expect(api).toMatchObject({ status: 400, body: { field: 'params.extend' } });
    const after = await nagios.status();
    expect(after.downtimes.map((d) => [d.id, d.end])).toEqual(
      before.downtimes.map((d) => [d.id, d.end]),
    );
  }, 90_000);
});
