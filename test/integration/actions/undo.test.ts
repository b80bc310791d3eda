// Undo and hygiene through the real collector and a real Nagios 4: an undo of a downtime on five
// slaves that also carry an operator's own downtime (made in Nagios) and another operator's corral
// downtime removes only its five (status.dat); an acknowledgement's undo leaves the one another
// operator took over; a second undo, and an undo of an unknown action, are one line and change
// nothing; the "made by" attribution and "undone by" survive a restart; hygiene lists a downtime
// ending on a critical slave, a mute on a slave cycling normally, and downtimes corral did not make.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView, HygieneItem } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import { scheduleServiceDowntime } from '../../../src/nagios/commands.js';
import {
  acknowledgementOf,
  downtimesOf,
  type NagiosStatus,
} from '../../../src/nagios/status-file.js';
import { runCorral } from '../agent/run-cli.js';
import {
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
import { StreamClient } from '../../support/stream-client.js';

const SERVICE = 'buildbot-start';
const ALICE = 'alice-token-0123456789abcd';
const BOB = 'bob-token-0123456789abcdef';
const FIVE = ['u-001', 'u-002', 'u-003', 'u-004', 'u-005'];
const CRIT = ['c-001', 'c-002'];
const KEPT = ['r-001', 'r-002'];
const HYGIENE = ['h-crit', 'h-well'];
const REBOOT = ['b-001', 'b-002'];
const RACE = ['d-001', 'd-002'];
const PARKED = ['p-001', 'p-002'];
const ALL = [...FIVE, ...CRIT, ...KEPT, ...HYGIENE, ...REBOOT, ...RACE, ...PARKED];
/** A reboot method that runs until it is cancelled (or 120 s pass). */
const SLOW_METHOD = JSON.stringify([process.execPath, '-e', 'setTimeout(Date.now, 120000)']);

describe.skipIf(!hasNagios)('undo and hygiene with a real Nagios', () => {
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  let config: string;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const corral = (token: string, args: string[]) =>
    runCorral(args, { CORRAL_URL: collector.url, CORRAL_TOKEN: token });
  const actionOf = async (id: number) =>
    (await getJson<{ action: ActionView }>(`${collector.url}/api/v1/actions/${id}`, as(ALICE))).body
      .action;
  const slave = async (name: string) =>
    (await getJson<{ slave: SlaveView }>(`${collector.url}/api/v1/slaves/${name}`, as(ALICE))).body
      .slave;
  const downtimes = (s: NagiosStatus, name: string) => downtimesOf(s, name, SERVICE);
  const idIn = (text: string) => Number(/\(action (\d+)\)/.exec(text)?.[1]);
  const beat = async (beats: unknown[]) =>
    expect((await postJson(`${collector.url}/api/v1/heartbeats`, beats, as(ALICE))).status).toBe(
      202,
    );
  /** The slave's downtimes as the collector shows them, `author:actionId`, once it shows `n`. */
  const madeBy = (name: string, n: number) =>
    waitFor(
      async () => {
        const mutes = (await slave(name)).mutes.filter((m) => m.kind === 'downtime');
        return mutes.length === n
          ? mutes.map((m) => `${m.author}:${'actionId' in m ? m.actionId : '?'}`).sort()
          : null;
      },
      20_000,
      `${n} downtimes on ${name} in the collector`,
    );

  beforeAll(async () => {
    nagios = await startNagios({ objects: passiveObjects(ALL) });
    config = [
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
    ].join('\n');
    collector = await startCollector({
      config,
      files: { 'inventory.yaml': `slaves:\n${ALL.map((n) => `  - ${n}`).join('\n')}\n` },
    });
    const hour = 3600_000;
    const now = Date.now();
    await beat(
      ALL.filter((n) => n !== 'h-well').map((name) => ({
        slave: name,
        at: new Date(now - hour).toISOString(),
      })),
    );
    // h-well cycles normally: three starts an hour apart.
    await beat(
      [3, 2, 1].map((h) => ({ slave: 'h-well', at: new Date(now - h * hour).toISOString() })),
    );
    await beat(
      [...CRIT, 'h-crit'].map((name) => ({
        slave: name,
        kind: 'critical',
        message: 'cannot reach bm05',
      })),
    );
    await nagios.waitForStatus(
      (s) => [...CRIT, 'h-crit'].every((h) => s.services.get(`${h};${SERVICE}`)?.state === 2),
      30_000,
      'the critical results in Nagios',
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([collector?.stop(), nagios?.stop()]);
    collector?.cleanup();
  });

  async function restart(): Promise<void> {
    expect(await collector.stop()).toBe(0);
    collector = await startCollector({ config, dir: collector.dir });
  }

  test("undo of a downtime on 5 slaves removes only its five: an operator's own and another's stay", async () => {
    // opal's own downtime, made in Nagios by hand, with the same comment and window.
    const start = Math.floor(Date.now() / 1000) * 1000;
    await nagios.writer.write(
      FIVE.map((host) =>
        scheduleServiceDowntime(
          Date.now(),
          { host, service: SERVICE },
          {
            startMs: start,
            endMs: start + 7200_000,
            fixed: true,
            author: 'opal',
            comment: 'kernel update',
          },
        ),
      ),
    );
    const bob = await corral(BOB, [
      'downtime',
      ...FIVE,
      '--for',
      '2h',
      '--comment',
      'kernel update',
      '--yes',
      '--wait',
    ]);
    expect(bob.code, bob.stderr).toBe(0);
    const alice = await corral(ALICE, [
      'downtime',
      ...FIVE,
      '--for',
      '2h',
      '--comment',
      'kernel update',
      '--yes',
      '--wait',
    ]);
    expect(alice.code, alice.stderr).toBe(0);
    const [bobId, aliceId] = [idIn(bob.stdout), idIn(alice.stdout)];
    await nagios.waitForStatus(
      (s) => FIVE.every((h) => downtimes(s, h).length === 3),
      20_000,
      '15 downtimes',
    );
    // Each downtime says which action made it; opal's none.
    expect(await madeBy('u-003', 3)).toEqual([`alice:${aliceId}`, `bob:${bobId}`, 'opal:null']);

    const dry = await corral(ALICE, ['undo', String(aliceId), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(
      /5 removes alice's downtime until .* \(kernel update\): u-001, u-002, u-003, u-004, u-005/,
    );
    expect(dry.stdout.trim().split('\n')).toHaveLength(5); // one DEL_SVC_DOWNTIME a slave

    const undo = await corral(ALICE, ['undo', String(aliceId), '--yes', '--wait']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toContain(`alice undid action ${aliceId} on 5 slaves`);
    expect(undo.stdout).toContain('5 confirmed by Nagios');
    const s = await nagios.waitForStatus(
      (st) => FIVE.every((h) => downtimes(st, h).length === 2),
      20_000,
      '10 downtimes',
    );
    for (const h of FIVE)
      expect(
        downtimes(s, h)
          .map((d) => d.author)
          .sort(),
      ).toEqual(['bob', 'opal']);
    const undoId = idIn(undo.stdout);
    expect((await actionOf(aliceId)).undoneBy).toEqual({ actionId: undoId, by: 'alice' });
    expect((await actionOf(bobId)).undoneBy).toBeNull();

    // Twice: one line, nothing changed.
    const again = await corral(BOB, ['undo', String(aliceId), '--yes']);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim()).toBe(
      `corral: the collector refused the action (400): action ${aliceId} was already undone by action ${undoId} (alice): nothing to undo`,
    );
    const unknown = await corral(BOB, ['undo', '99999', '--yes']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim()).toBe(
      'corral: there is no action 99999 in the audit log: nothing was done',
    );
    const bad = await corral(BOB, ['undo', 'last', '--yes']);
    expect(bad.stderr.trim()).toBe(
      'corral: "last" is not an action number: give the id the audit log shows',
    );
    // Over the API too: an unknown action is refused whole.
    const api = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'undo', targets: ['u-001'], params: { actionId: 99999 } },
      as(BOB),
    );
    expect(api.status).toBe(400);
    const after = await nagios.status();
    for (const h of FIVE) expect(downtimes(after, h)).toHaveLength(2);
    // The refused undos recorded nothing: the undo is still the newest action.
    const log = await getJson<{ actions: ActionView[] }>(
      `${collector.url}/api/v1/actions?limit=1`,
      as(ALICE),
    );
    expect(log.body.actions.map((a) => a.id)).toEqual([undoId]);
  }, 120_000);

  test('undo of an acknowledgement removes it where it is still its own, leaves the one bob took over', async () => {
    const ack = await corral(ALICE, ['ack', ...CRIT, '--comment', 'bm05 down', '--yes', '--wait']);
    expect(ack.code, ack.stderr).toBe(0);
    const ackId = idIn(ack.stdout);
    const over = await corral(BOB, [
      'ack',
      'c-002',
      '--comment',
      'bug 42',
      '--reacknowledge',
      '--yes',
      '--wait',
    ]);
    expect(over.code, over.stderr).toBe(0);
    await waitFor(
      async () => (await slave('c-002')).mutes.some((m) => m.author === 'bob'),
      20_000,
      "bob's ack shown",
    );

    const undo = await corral(ALICE, ['undo', String(ackId), '--yes', '--wait']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stderr).toContain(
      '1 skipped (acknowledged by bob since (bug 42): left as it is): c-002',
    );
    const s = await nagios.waitForStatus(
      (st) => acknowledgementOf(st, 'c-001', SERVICE) === null,
      20_000,
      "c-001's acknowledgement gone",
    );
    expect(acknowledgementOf(s, 'c-002', SERVICE)?.author).toBe('bob');
    const action = await actionOf(idIn(undo.stdout));
    expect(action.targets).toEqual([
      { slave: 'c-001', status: 'confirmed', error: null },
      {
        slave: 'c-002',
        status: 'skipped',
        error: 'acknowledged by bob since (bug 42): left as it is',
      },
    ]);
  }, 120_000);

  test('made by and undone by are kept across restarts: an undo after a restart removes its downtimes', async () => {
    const made = await corral(ALICE, [
      'downtime',
      ...KEPT,
      '--for',
      '3h',
      '--comment',
      'disk swap',
      '--yes',
      '--wait',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const id = idIn(made.stdout);
    await restart();
    expect(await madeBy('r-001', 1)).toEqual([`alice:${id}`]);
    const undo = await corral(ALICE, ['undo', String(id), '--yes', '--wait']);
    expect(undo.code, undo.stderr).toBe(0);
    await nagios.waitForStatus(
      (s) => KEPT.every((h) => downtimes(s, h).length === 0),
      20_000,
      'no downtime on r-*',
    );
    await restart();
    expect((await actionOf(id)).undoneBy).toEqual({ actionId: idIn(undo.stdout), by: 'alice' });
    const again = await corral(ALICE, ['undo', String(id), '--yes']);
    expect(again.stderr).toContain('was already undone');
  }, 120_000);

  test('undo of a reboot stops its chains still running; one another operator stopped is left', async () => {
    const { body } = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'reboot', targets: REBOOT },
      as(ALICE),
    );
    const rebootId = (body.action as ActionView).id;
    await waitFor(
      async () => {
        const shown = await Promise.all(REBOOT.map(slave));
        return shown.every((s) => s.reboot?.phase === 'rebooting');
      },
      10_000,
      'both rebooting',
    );
    const stop = await corral(BOB, ['reboot', 'b-002', '--cancel', '--yes']);
    expect(stop.code, stop.stderr).toBe(0);
    await waitFor(async () => (await slave('b-002')).reboot === null, 10_000, 'b-002 stopped');

    const undo = await corral(ALICE, ['undo', String(rebootId), '--yes']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stderr).toContain(
      '1 skipped (its reboot has run (back, needing hands or stopped): left as it is): b-002',
    );
    const undoAction = await actionOf(idIn(undo.stdout));
    expect(undoAction.targets.map((t) => [t.slave, t.status])).toEqual([
      ['b-001', 'cancelled'],
      ['b-002', 'skipped'],
    ]);
    expect(undoAction.outcome).toBe('done');
    const undone = await waitFor(
      async () => {
        const a = await actionOf(rebootId);
        return a.finishedAt !== null ? a : null;
      },
      15_000,
      "alice's reboot to end",
    );
    expect(undone.outcome).toBe('cancelled');
    expect(undone.undoneBy).toEqual({ actionId: undoAction.id, by: 'alice' });
    expect((await slave('b-001')).reboot).toBeNull();
  }, 60_000);

  test('undo of a park unparks the slaves still parked by it (its downtime gone), leaves one unparked since', async () => {
    const park = await corral(ALICE, [
      'park',
      ...PARKED,
      '--reason',
      'old 0.7 master',
      '--yes',
      '--wait',
    ]);
    expect(park.code, park.stderr).toBe(0);
    const parkId = idIn(park.stdout);
    // Its downtime is the park action's.
    expect(await madeBy('p-001', 1)).toEqual([`alice:${parkId}`]);
    const unpark = await corral(BOB, ['unpark', 'p-002', '--yes', '--wait']);
    expect(unpark.code, unpark.stderr).toBe(0);

    const undo = await corral(ALICE, ['undo', String(parkId), '--yes', '--wait']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stderr).toContain('1 skipped (unparked since: left as it is): p-002');
    await nagios.waitForStatus(
      (s) => PARKED.every((h) => downtimes(s, h).length === 0),
      20_000,
      'no park downtime left',
    );
    await waitFor(async () => (await slave('p-001')).parked === null, 10_000, 'p-001 unparked');
    expect((await actionOf(parkId)).undoneBy).toEqual({ actionId: idIn(undo.stdout), by: 'alice' });
  }, 60_000);

  test('two undos of one action at once: one undoes it, the other is refused', async () => {
    const made = await corral(ALICE, [
      'downtime',
      ...RACE,
      '--for',
      '1h',
      '--comment',
      'race',
      '--yes',
      '--wait',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const id = idIn(made.stdout);
    const undo = (token: string) =>
      postJson(
        `${collector.url}/api/v1/actions`,
        { kind: 'undo', targets: RACE, params: { actionId: id } },
        as(token),
      );
    const answers = await Promise.all([undo(ALICE), undo(BOB)]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 400]);
    const refused = answers.find((a) => a.status === 400)!.body;
    expect(refused.error).toMatch(
      new RegExp(
        `^action ${id} (is being undone already|was already undone by action \\d+ \\((alice|bob)\\)): nothing to undo$`,
      ),
    );
    await nagios.waitForStatus(
      (s) => RACE.every((h) => downtimes(s, h).length === 0),
      20_000,
      'no downtime on d-*',
    );
  }, 60_000);

  test('hygiene lists a downtime ending on a critical slave, a mute on a healthy one, downtimes corral did not make', async () => {
    const stream = new StreamClient(collector.wsUrl, { headers: as(ALICE) });
    await stream.next('hello');
    const seen = stream.messages.length;
    for (const name of HYGIENE) {
      const r = await corral(ALICE, [
        'downtime',
        name,
        '--for',
        '2h',
        '--comment',
        'watch it',
        '--yes',
        '--wait',
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const wanted = (items: HygieneItem[]) =>
      items.some((i) => i.kind === 'mute-ending' && i.slave === 'h-crit') &&
      items.some((i) => i.kind === 'muted-healthy' && i.slave === 'h-well');
    // Consoles are told when the list changes.
    await waitFor(
      () => stream.messages.slice(seen).some((m) => m.type === 'hygiene' && wanted(m.items)),
      20_000,
      'a hygiene message',
    );
    stream.close();

    const json = await corral(ALICE, ['hygiene', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const { items } = JSON.parse(json.stdout) as { items: HygieneItem[] };
    expect(items.find((i) => i.slave === 'h-crit')).toMatchObject({
      kind: 'mute-ending',
      by: 'alice',
      detail: expect.stringMatching(/^critical, and alice's downtime \(watch it\) ends at /),
    });
    expect(items.find((i) => i.slave === 'h-well')).toMatchObject({
      kind: 'muted-healthy',
      by: 'alice',
    });
    // opal's hand-made downtimes on the five (the first test's), with author and comment.
    expect(items.filter((i) => i.kind === 'foreign-downtime').map((i) => i.slave)).toEqual(FIVE);
    expect(items.find((i) => i.kind === 'foreign-downtime')?.detail).toMatch(
      /^downtime by opal \(kernel update\) until .*, not made by corral$/,
    );
    // bob's corral downtimes on the same slaves are not listed.
    expect(items.filter((i) => i.by === 'bob')).toEqual([]);

    const text = await corral(ALICE, ['hygiene']);
    expect(text.stdout).toMatch(/^MUTE ENDING +h-crit +critical, and alice's downtime/m);
    expect(text.stdout).toMatch(/^NOT CORRAL +u-001 +downtime by opal/m);
    // A console connecting now is told in its hello.
    const late = new StreamClient(collector.wsUrl, { headers: as(ALICE) });
    const hello = await late.next('hello');
    late.close();
    expect(wanted(hello.hygiene ?? [])).toBe(true);
    // The browser rule, as for every API route.
    // After a restart the list is the same: the mutes read back, the starts and "made by" kept.
    const before = items.map((i) => `${i.kind} ${i.slave}`);
    await restart();
    await waitFor(
      async () => {
        const again = await corral(ALICE, ['hygiene', '--json']);
        const now = (JSON.parse(again.stdout) as { items: HygieneItem[] }).items;
        return JSON.stringify(now.map((i) => `${i.kind} ${i.slave}`)) === JSON.stringify(before);
      },
      20_000,
      'the same hygiene list after a restart',
    );
    const page = await fetch(`${collector.url}/api/v1/hygiene`, {
      headers: { ...as(ALICE), origin: 'http://evil.example' },
    });
    expect(page.status).toBe(403);
  }, 120_000);
});
