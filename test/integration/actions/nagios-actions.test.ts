// The collector wired to a real Nagios Core 4 (objects from `corral nagios-config`): heartbeats and
// threshold crossings forwarded, muting read back, and the action commands end to end, all checked
// through Nagios's own files (status.dat, nagios.log) and the collector's API and stream.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionMessage, ActionView } from '../../../src/domain/protocol.js';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import {
  acknowledgementOf,
  serviceKey,
  type NagiosStatus,
} from '../../../src/nagios/status-file.js';
import { freePort, runCorral } from '../agent/run-cli.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { hasNagios, PLUGIN_DIR, startNagios, type NagiosInstance } from '../../support/nagios.js';
import { StreamClient } from '../../support/stream-client.js';

const SERVICE = 'buildbot-start';
const TALOS = Array.from({ length: 200 }, (_, i) => `talos-${String(i).padStart(3, '0')}`);
const OPERATOR = 'operator-token-0123456789';
const VIEWER = 'viewer-token-0123456789ab';
const CHECKER = 'checker-token-0123456789a';
const svc = (s: NagiosStatus, host: string) => s.services.get(serviceKey(host, SERVICE));
const INTENDED = new Set([
  'PROCESS_SERVICE_CHECK_RESULT',
  'SCHEDULE_SVC_DOWNTIME',
  'DEL_SVC_DOWNTIME',
  'ACKNOWLEDGE_SVC_PROBLEM',
  'REMOVE_SVC_ACKNOWLEDGEMENT',
  'SCHEDULE_FORCED_SVC_CHECK',
]);

describe.skipIf(!hasNagios)('the collector with a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  const op = { authorization: `Bearer ${OPERATOR}` };
  const viewer = { authorization: `Bearer ${VIEWER}` };
  const corral = (args: string[]) =>
    runCorral(args, { CORRAL_URL: collector.url, CORRAL_TOKEN: OPERATOR });
  const beat = (slave: string, body: Record<string, unknown> = {}) =>
    postJson(`${collector.url}/api/v1/heartbeats`, { slave, ...body }, op);
  const slave = async (name: string) =>
    (await getJson<{ slave: SlaveDetail }>(`${collector.url}/api/v1/slaves/${name}`, op)).body
      .slave;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-actions-it-'));
    const port = await freePort();
    const inventory = path.join(dir, 'inventory.yaml');
    await writeFile(
      inventory,
      [
        'slaves:',
        ...TALOS.map((s) => `  - ${s}`),
        '  - {name: fast-1, pool: fast}',
        '  - crit-1',
        '  - ok-1',
        '  - replay-1',
        '  - marker-1',
        '',
      ].join('\n'),
    );
    const base = [
      'thresholds: {warning: 6h, critical: 7h}',
      'pools:',
      '  fast: {warning: 2s, critical: 4s}',
      `inventory: ${inventory}`,
      '',
    ].join('\n');
    // Nagios is given one slave more than the collector's inventory, and another pool for ok-1.
    const genInventory = path.join(dir, 'gen-inventory.yaml');
    await writeFile(
      genInventory,
      (await readFile(inventory, 'utf8'))
        .replace('  - ok-1\n', '  - {name: ok-1, pool: other}\n')
        .concat('  - {name: nagios-only-1, pool: slow}\n'),
    );
    const genConfig = path.join(dir, 'gen.yaml');
    await writeFile(genConfig, base.replace(inventory, genInventory));
    const tokenFile = path.join(dir, 'nagios-token');
    await writeFile(tokenFile, `${CHECKER}\n`);
    const generated = await runCorral([
      'nagios-config',
      '--config',
      genConfig,
      '--collector',
      `http://127.0.0.1:${port}`,
      '--plugin-dir',
      PLUGIN_DIR,
      '--token-file',
      tokenFile,
    ]);
    expect(generated.stderr).toBe('');
    nagios = await startNagios({ objects: generated.stdout });
    collector = await startCollector({
      args: ['--listen', `127.0.0.1:${port}`],
      config: [
        base,
        'tokens:',
        `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
        `  - {name: vera, role: viewer, token: ${VIEWER}}`,
        `  - {name: nagios, role: viewer, token: ${CHECKER}}`,
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${nagios.statusFile}`,
        `  object_cache_file: ${nagios.objectCacheFile}`,
        '  confirm_within: 20s',
        '',
      ].join('\n'),
    });
  }, 120_000);

  afterAll(async () => {
    await nagios?.cleanup();
    await collector?.stop();
    collector?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('slaves only Nagios knows come from its objects.cache; the inventory file wins on a name', async () => {
    const only = await waitFor(
      async () => {
        const r = await getJson<{ slave: SlaveDetail }>(
          `${collector.url}/api/v1/slaves/nagios-only-1`,
          op,
        );
        return r.status === 200 && r.body.slave;
      },
      15_000,
      'nagios-only-1 in the collector',
    );
    expect(only).toMatchObject({ state: 'never', inInventory: true, pool: 'slow' });
    expect((await slave('ok-1')).pool).toBeNull();
  });

  test('a start heartbeat turns the service OK, with the master in the output', async () => {
    expect((await beat('ok-1', { master: 'bm01' })).status).toBe(202);
    const s = await nagios.waitForStatus(
      (st) => svc(st, 'ok-1')?.hasBeenChecked === true,
      20_000,
      'ok-1 checked',
    );
    expect(svc(s, 'ok-1')).toMatchObject({ state: 0, output: 'buildbot started on bm01' });
  });

  test('a critical heartbeat turns the service CRITICAL with the slave message', async () => {
    await beat('crit-1', { kind: 'critical', message: 'disk full on /builds' });
    const s = await nagios.waitForStatus(
      (st) => svc(st, 'crit-1')?.state === 2,
      20_000,
      'crit-1 CRITICAL',
    );
    expect(svc(s, 'crit-1')?.output).toBe('disk full on /builds');
  });

  test('the collector submits WARNING then CRITICAL as a silent slave crosses its thresholds', async () => {
    await beat('fast-1');
    const sent = () =>
      nagios
        .externalCommands()
        .then((cmds) =>
          cmds.filter((c) => c.startsWith(`PROCESS_SERVICE_CHECK_RESULT;fast-1;${SERVICE};`)),
        );
    const results = await waitFor(
      async () => {
        const r = await sent();
        return r.some((c) => /;2;no buildbot start for \d+s\|age=\d+s;2;4$/.test(c)) ? r : null;
      },
      20_000,
      'the CRITICAL crossing for fast-1',
    );
    expect(results[0]).toMatch(/;0;buildbot started$/);
    expect(results.some((c) => /;1;no buildbot start for \d+s\|age=\d+s;2;4$/.test(c))).toBe(true);
  });

  test("a late replay of an older heartbeat is not forwarded over the slave's newest", async () => {
    const now = Date.now();
    await beat('replay-1', { at: new Date(now).toISOString() });
    await beat('replay-1', { kind: 'critical', at: new Date(now - 3600_000).toISOString() });
    // Results are written in order: once the marker is in Nagios's log, the replay would be too.
    await beat('marker-1');
    await waitFor(
      async () => (await nagios.externalCommands()).some((c) => c.includes(';marker-1;')),
      20_000,
      'the marker in the Nagios log',
    );
    const forReplay = (await nagios.externalCommands()).filter((c) => c.includes(';replay-1;'));
    expect(forReplay).toHaveLength(1);
    expect(forReplay[0]).toMatch(/;0;buildbot started$/);
  });

  test('a heartbeat from a slave Nagios has no service for is not sent to it', async () => {
    await beat('stranger-1');
    await beat('marker-1');
    await waitFor(
      async () =>
        (await nagios.externalCommands()).filter((c) => c.includes(';marker-1;')).length >= 2,
      20_000,
      'the second marker in the Nagios log',
    );
    expect((await nagios.externalCommands()).some((c) => c.includes('stranger-1'))).toBe(false);
    const metrics = await (await fetch(`${collector.url}/metrics`, { headers: op })).text();
    expect(metrics).toMatch(/corral_nagios_results_total\{outcome="not_in_nagios"\} [1-9]/);
  });

  test('a 200-slave downtime via `corral downtime` is in status.dat, muted in the API and the stream, audited, then cancelled', async () => {
    const stream = new StreamClient(collector.wsUrl, { headers: viewer });
    try {
      await stream.next('snapshot');
      const before = Date.now();
      const run = await corral([
        'downtime',
        '--match',
        '^talos-',
        '--for',
        '30d',
        '--comment',
        'slow pool: moving to new masters',
        '--yes',
      ]);
      expect(run.stderr).toContain('schedule a 30d downtime on 200 slave(s)');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/jdoe scheduled a 30d downtime on 200 slaves \(action \d+\)/);
      expect(run.stdout).toMatch(
        /\n {2}from \d{4}-\d\d-\d\d \d\d:\d\d \S+ until \d{4}-\d\d-\d\d \d\d:\d\d \S+\n$/,
      );

      const s = await nagios.waitForStatus(
        (st) => st.downtimes.filter((d) => d.author === 'jdoe').length === 200,
        30_000,
        '200 downtimes by jdoe',
      );
      const mine = s.downtimes.filter((d) => d.author === 'jdoe');
      expect(new Set(mine.map((d) => d.host))).toEqual(new Set(TALOS));
      for (const d of mine) {
        expect(d.comment).toBe('slow pool: moving to new masters');
        expect(d.fixed).toBe(true);
        expect(d.end - d.start).toBe(30 * 86400 * 1000);
        expect(d.start).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      }

      const muted = await waitFor(
        async () => {
          const m = (await slave('talos-042')).muted;
          return m?.kind === 'downtime' && m;
        },
        15_000,
        'talos-042 muted',
      );
      expect(muted).toMatchObject({
        kind: 'downtime',
        author: 'jdoe',
        comment: 'slow pool: moving to new masters',
        inEffect: true,
      });
      // The slave's detail carries what Nagios says of its service, every downtime included.
      expect((await slave('talos-042')).nagios).toMatchObject({
        host: 'talos-042',
        service: 'buildbot-start',
        downtimes: [{ author: 'jdoe', comment: 'slow pool: moving to new masters', fixed: true }],
        acknowledgement: null,
      });
      await waitFor(
        () =>
          stream
            .of('delta')
            .some((d) => d.changed.some((v) => v.name === 'talos-042' && v.muted !== null)),
        15_000,
        'a delta carrying the muting',
      );

      // Streamed to consoles and confirmed through status.dat.
      const actionMessages = () =>
        (stream.messages as unknown as ActionMessage[]).filter((m) => m.type === 'action');
      await waitFor(
        () => actionMessages().some((m) => m.event === 'finished'),
        30_000,
        'the action finished on the stream',
      );
      expect(actionMessages().map((m) => m.event)[0]).toBe('started');
      const finished = actionMessages().find((m) => m.event === 'finished')!.action;
      expect(finished.counts.confirmed).toBe(200);
      expect(finished.summary).toBe('jdoe scheduled a 30d downtime on 200 slaves');

      const { body } = await getJson<{ actions: ActionView[] }>(
        `${collector.url}/api/v1/actions?limit=5`,
        viewer,
      );
      expect(body.actions[0]).toMatchObject({
        author: 'jdoe',
        kind: 'downtime',
        summary: 'jdoe scheduled a 30d downtime on 200 slaves',
        params: { comment: 'slow pool: moving to new masters', fixed: true },
      });
      expect(body.actions[0]!.targets).toHaveLength(200);
      expect(body.actions[0]!.targets.every((t) => t.status === 'confirmed')).toBe(true);

      const cancel = await corral([
        'downtime',
        '--cancel',
        '--match',
        '^talos-',
        '--yes',
        '--wait',
      ]);
      // The confirmation names whose downtimes go, and until when they were to last.
      expect(cancel.stderr).toMatch(
        /^cancel the downtimes of 200 slave\(s\): talos-000, talos-001, talos-002, talos-003, talos-004 and 195 more\n200 removes jdoe's downtime until \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(slow pool: moving to new masters\): talos-000, .* and 195 more\n$/,
      );
      expect(cancel.stdout).toContain("jdoe cancelled jdoe's downtimes of 200 slaves");
      expect(cancel.stdout).toContain('200 confirmed by Nagios');
      expect(cancel.code).toBe(0);
      await nagios.waitForStatus((st) => st.downtimes.length === 0, 20_000, 'no downtimes');
      await waitFor(async () => (await slave('talos-042')).muted === null, 15_000, 'unmuted');
    } finally {
      stream.close();
    }
  }, 120_000);

  test('acknowledge a CRITICAL slave (an OK one fails, saying why), then remove it', async () => {
    await nagios.waitForStatus((st) => svc(st, 'crit-1')?.state === 2, 20_000, 'crit-1 CRITICAL');
    const run = await corral(['ack', 'crit-1', 'ok-1', '--comment', 'disk swap booked', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ok-1: Nagios shows it OK: there is no problem to acknowledge');
    expect(run.stdout).toContain('jdoe acknowledged 2 slaves');
    expect(run.stdout).toContain('1 failed');
    const s = await nagios.waitForStatus(
      (st) => svc(st, 'crit-1')?.acknowledged === true,
      20_000,
      'crit-1 acknowledged',
    );
    expect(acknowledgementOf(s, 'crit-1', SERVICE)).toMatchObject({
      author: 'jdoe',
      comment: 'disk swap booked',
      sticky: true,
    });
    await waitFor(
      async () => (await slave('crit-1')).muted?.kind === 'acknowledgement',
      15_000,
      'crit-1 muted by the acknowledgement',
    );
    expect((await slave('crit-1')).muted).toMatchObject({ author: 'jdoe', sticky: true });

    const remove = await corral(['ack', '--remove', 'crit-1', '--yes', '--wait']);
    expect(remove.code).toBe(0);
    expect(remove.stdout).toContain('1 confirmed by Nagios');
    expect(svc(await nagios.status(), 'crit-1')?.acknowledged).toBe(false);
    // The slave's detail lists its latest actions, with only its own target.
    const detail = await slave('crit-1');
    expect(detail.actions?.map((a) => a.kind).slice(0, 2)).toEqual(['remove-ack', 'ack']);
    expect(detail.actions?.[1]?.targets).toEqual([
      { slave: 'crit-1', status: 'confirmed', error: null },
    ]);
  }, 60_000);

  test('recheck re-submits the current state; --force has Nagios run corral check', async () => {
    await beat('talos-007', { master: 'bm02' });
    const recheck = await corral(['recheck', 'talos-007', '--yes', '--wait']);
    expect(recheck.stdout).toContain('1 confirmed by Nagios');
    expect(recheck.code).toBe(0);
    const cmds = await nagios.externalCommands();
    expect(
      cmds.some((c) =>
        /;talos-007;buildbot-start;0;OK - buildbot started \d+s ago on bm02\|age=\d+s$/.test(c),
      ),
    ).toBe(true);

    const force = await corral(['recheck', '--force', 'talos-008', '--yes', '--wait']);
    expect(force.stdout).toContain('1 confirmed by Nagios');
    expect(force.code).toBe(0);
    // talos-008 never sent a heartbeat: `corral check` says so.
    expect(svc(await nagios.status(), 'talos-008')?.output).toContain('no heartbeat ever received');
  }, 60_000);

  test('a dry run prints the exact commands and does nothing', async () => {
    const before = await getJson<{ actions: ActionView[] }>(`${collector.url}/api/v1/actions`, op);
    const run = await corral([
      'downtime',
      'talos-000',
      '--for',
      '2h',
      '--comment',
      'try',
      '--dry-run',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^\[\d+\] SCHEDULE_SVC_DOWNTIME;talos-000;buildbot-start;(\d+);(\d+);1;0;7200;jdoe;try\n$/,
    );
    const after = await getJson<{ actions: ActionView[] }>(`${collector.url}/api/v1/actions`, op);
    expect(after.body.actions[0]!.id).toBe(before.body.actions[0]!.id);
    expect((await nagios.status()).downtimes).toHaveLength(0);
  });

  test('a viewer cannot act, over HTTP or the stream', async () => {
    const http = await postJson(
      `${collector.url}/api/v1/actions`,
      { kind: 'recheck', targets: ['talos-000'] },
      viewer,
    );
    expect(http.status).toBe(403);
    expect(http.body.error).toContain('may not act');
    const stream = new StreamClient(collector.wsUrl, { headers: viewer });
    try {
      await stream.next('snapshot');
      stream.socket.send(
        JSON.stringify({
          type: 'action',
          requestId: 'r1',
          kind: 'recheck',
          targets: ['talos-000'],
        }),
      );
      const error = await stream.next('error');
      expect(error).toEqual({
        type: 'error',
        requestId: 'r1',
        error: 'token "vera" has role viewer, which may not act',
      });
    } finally {
      stream.close();
    }
  });

  test('bad requests are refused whole: unknown slave, crafted name, no comment', async () => {
    const post = (body: unknown) => postJson(`${collector.url}/api/v1/actions`, body, op);
    const unknown = await post({ kind: 'recheck', targets: ['talos-000', 'nope-1'] });
    expect(unknown).toMatchObject({ status: 400, body: { field: 'targets' } });
    expect(unknown.body.error).toContain('"nope-1"');
    const crafted = await post({ kind: 'recheck', targets: ['x;DEL_ALL_SVC_DOWNTIME'] });
    expect(crafted).toMatchObject({ status: 400, body: { field: 'targets' } });
    const silent = await post({ kind: 'ack', targets: ['crit-1'], params: { comment: ' \n ' } });
    expect(silent).toMatchObject({ status: 400, body: { field: 'params.comment' } });
    const cli = await corral(['recheck', 'nope-1', '--yes']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('knows no slave named nope-1');
    const noTty = await corral(['recheck', 'talos-000']);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain('add --yes');
  });

  test('a crafted comment injects nothing: Nagios logs only the intended commands', async () => {
    const comment = 'late\n[0] DEL_ALL_SVC_DOWNTIME;talos-001;buildbot-start; x;y\r\u001b[2J';
    const run = await corral([
      'downtime',
      'talos-001',
      '--for',
      '1h',
      '--comment',
      comment,
      '--yes',
      '--wait',
    ]);
    expect(run.code).toBe(0);
    const s = await nagios.status();
    const d = s.downtimes.find((x) => x.host === 'talos-001')!;
    expect(d.comment).toBe('late [0] DEL_ALL_SVC_DOWNTIME,talos-001,buildbot-start, x,y ␛[2J');
    const names = new Set((await nagios.externalCommands()).map((c) => c.split(';')[0]));
    expect([...names].filter((n) => !INTENDED.has(n!))).toEqual([]);
    await corral(['downtime', '--cancel', 'talos-001', '--yes', '--wait']);
  }, 60_000);

  test('a console acts over the stream: progress carries its requestId; a dry run answers it alone', async () => {
    const asker = new StreamClient(collector.wsUrl, { headers: op });
    const watcher = new StreamClient(collector.wsUrl, { headers: viewer });
    try {
      await Promise.all([asker.next('snapshot'), watcher.next('snapshot')]);
      expect(await asker.next('hello')).toMatchObject({
        you: { name: 'jdoe', role: 'operator' },
        nagios: true,
        actions: true,
      });
      asker.socket.send(
        JSON.stringify({
          type: 'action',
          requestId: 'dry-1',
          kind: 'ack',
          targets: ['crit-1'],
          params: { comment: 'looking' },
          dryRun: true,
        }),
      );
      const dry = await waitFor(
        () =>
          (
            asker.messages as unknown as Array<{
              type: string;
              requestId?: string;
              lines?: string[];
            }>
          ).find((m) => m.type === 'dry-run'),
        10_000,
        'the dry run answer',
      );
      expect(dry.requestId).toBe('dry-1');
      expect(dry.lines).toEqual([
        expect.stringMatching(
          /^\[\d+\] ACKNOWLEDGE_SVC_PROBLEM;crit-1;buildbot-start;2;0;1;jdoe;looking$/,
        ),
      ]);

      asker.socket.send(
        JSON.stringify({
          type: 'action',
          requestId: 'req-7',
          kind: 'recheck',
          targets: ['ok-1', 'crit-1'],
        }),
      );
      const finished = (c: StreamClient) =>
        waitFor(
          () =>
            (c.messages as unknown as ActionMessage[]).find(
              (m) => m.type === 'action' && m.event === 'finished' && m.requestId === 'req-7',
            ),
          30_000,
          'the recheck finished',
        );
      const [mine, theirs] = await Promise.all([finished(asker), finished(watcher)]);
      expect(mine.action.summary).toBe('jdoe re-submitted the current state of 2 slaves to Nagios');
      expect(mine.action.counts.confirmed).toBe(2);
      expect(theirs.action.id).toBe(mine.action.id);
      expect(watcher.messages.some((m) => (m as { type: string }).type === 'dry-run')).toBe(false);

      asker.socket.send(
        JSON.stringify({ type: 'action', requestId: 'bad-1', kind: 'ack', targets: ['crit-1'] }),
      );
      const error = await waitFor(
        () => asker.of('error').find((e) => e.requestId === 'bad-1'),
        10_000,
        'the refusal',
      );
      expect(error.error).toContain('params.comment');
    } finally {
      asker.close();
      watcher.close();
    }
  }, 60_000);

  test('an action Nagios does not show in time is reported unconfirmed, target by target', async () => {
    // A second collector whose status.dat is a frozen copy: Nagios takes the commands, but this
    // collector never sees them confirmed.
    const frozen = path.join(dir, 'frozen-status.dat');
    await writeFile(frozen, await readFile(nagios.statusFile));
    const second = await startCollector({
      config: [
        'inventory: ' + path.join(dir, 'inventory.yaml'),
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${frozen}`,
        '  confirm_within: 2s',
        '',
      ].join('\n'),
    });
    try {
      const run = await runCorral(['recheck', 'talos-010', 'talos-011', '--yes', '--wait'], {
        CORRAL_URL: second.url,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        [
          're-submit the state of 2 slave(s): talos-010, talos-011',
          'talos-010: not confirmed by Nagios within 2s',
          'talos-011: not confirmed by Nagios within 2s',
          '',
        ].join('\n'),
      );
      expect(run.stdout).toContain('2 not confirmed by Nagios');
      const { body } = await getJson<{ actions: ActionView[] }>(
        `${second.url}/api/v1/actions?limit=1`,
      );
      expect(body.actions[0]!.counts).toMatchObject({ unconfirmed: 2, confirmed: 0 });
    } finally {
      await second.stop();
      second.cleanup();
    }
  }, 60_000);

  test('with Nagios stopped an action fails at once, saying so, and heartbeats are still taken', async () => {
    await nagios.stop();
    // At once: the command file's open fails with no reader, no retry (the message says which).
    const run = await corral(['downtime', 'talos-002', '--for', '1h', '--comment', 'x', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`talos-002: Nagios is not reading ${nagios.commandFile}`);
    expect(run.stdout).toContain('1 failed');
    const accepted = await beat('talos-003');
    expect(accepted.status).toBe(202);
    await waitFor(
      async () => {
        const res = await fetch(`${collector.url}/metrics`, { headers: op });
        return /corral_nagios_results_total\{outcome="failed"\} [1-9]/.test(await res.text());
      },
      15_000,
      'the failed forward counted in /metrics',
    );
    // The failed action itself is counted, besides its targets.
    const metrics = await (await fetch(`${collector.url}/metrics`, { headers: op })).text();
    expect(metrics).toMatch(/corral_actions_total\{kind="downtime",outcome="failed"\} 1\n/);
    expect(metrics).toMatch(
      /corral_nagios_command_write_failures_total\{problem="not-reading"\} [1-9]/,
    );
  }, 60_000);
});
