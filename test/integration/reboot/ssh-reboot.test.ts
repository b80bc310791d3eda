// The reboot scheduler on its own, through a real OpenSSH server on loopback (forced command:
// records the reboot and has the slave send its next start to the real collector), with the
// collector's stream feeding it each new start; collector-reboot.test.ts runs it inside the collector.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { RebootStatus } from '../../../src/domain/state.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import type { RebootMethod } from '../../../src/reboot/methods.js';
import { describePlan, type RebootTarget } from '../../../src/reboot/plan.js';
import { valuesFor } from '../../../src/reboot/placeholders.js';
import {
  RebootScheduler,
  type RebootAttempt,
  type RebootEvent,
} from '../../../src/reboot/scheduler.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { startSshd, type RunningSshd } from '../../support/sshd.js';

let sshd: RunningSshd;
let collector: RunningCollector;
let feed: WebSocket;
/** The scheduler of the running test: the stream feeds it every new start. */
let current: RebootScheduler | null = null;

beforeAll(async () => {
  [sshd, collector] = await Promise.all([startSshd(), startCollector()]);
  sshd.setCollector(collector.url);
  feed = new WebSocket(`${collector.wsUrl}`);
  let snapshot = false;
  feed.on('message', (data) => {
    const m = JSON.parse(data.toString()) as {
      type: string;
      slaves?: SlaveView[];
      changed?: SlaveView[];
    };
    if (m.type === 'snapshot') snapshot = true;
    for (const view of m.slaves ?? m.changed ?? []) {
      if (view.lastStart !== null) current?.noteStart(view.name, Date.parse(view.lastStart));
    }
  });
  await waitFor(() => snapshot, 20_000, 'the stream snapshot');
}, 90_000);

afterAll(async () => {
  feed?.close();
  await Promise.all([sshd?.stop(), collector?.stop()]);
  collector?.cleanup();
});

/** A scheduler with the real runner, recording what it reports. */
function scheduler(concurrency: number) {
  const events: RebootEvent[] = [];
  const statuses = new Map<string, Array<RebootStatus | null>>();
  let maxRunning = 0;
  const s = new RebootScheduler({
    concurrency,
    onEvent: (e) => {
      events.push(e);
      maxRunning = Math.max(maxRunning, s.running);
    },
    onStatus: (slave, status) => statuses.set(slave, [...(statuses.get(slave) ?? []), status]),
  });
  current = s;
  return {
    s,
    events,
    statuses,
    attempts: (slave?: string) =>
      events.filter(
        (e): e is RebootAttempt => e.type === 'attempt' && (!slave || e.slave === slave),
      ),
    maxRunning: () => maxRunning,
  };
}

/** An ssh method whose remote command is one of the test fleet's verbs (and its arguments). */
function ssh(
  name: string,
  verb: string,
  extra: Partial<Omit<RebootMethod, 'argv'>> & { args?: string[] } = {},
): RebootMethod {
  const { args = [], ...rest } = extra;
  return {
    name,
    argv: [...sshd.client, '-l', 'root', '{host}', verb, '{slave}', ...args],
    timeoutMs: 20_000,
    waitMs: 20_000,
    hands: false,
    ...rest,
  };
}

function target(
  slave: string,
  methods: RebootMethod[],
  attributes: Record<string, string> = {},
): RebootTarget {
  return {
    values: valuesFor(slave, { attributes: { host: '127.0.0.1', ...attributes } }),
    methods,
    muted: null,
    rebooting: null,
  };
}

const recordedFor = (prefix: string) => sshd.recorded().filter((r) => r.slave.startsWith(prefix));

describe('reboot through a real sshd', () => {
  test('success: ssh runs, the slave sends its next start, the collector shows it ok', async () => {
    const slaves = ['ok-1', 'ok-2', 'ok-3'];
    const eightHoursAgo = new Date(Date.now() - 8 * 3600_000).toISOString();
    for (const slave of slaves) {
      expect(
        (await postJson(`${collector.url}/api/v1/heartbeats`, { slave, at: eightHoursAgo })).status,
      ).toBe(202);
    }
    const h = scheduler(2);
    const begun = Date.now();
    const bulk = h.s.submit(
      slaves.map((n) => target(n, [ssh('ssh', 'reboot')])),
      { includeMuted: false },
    );
    const result = await bulk.done;
    expect(result.allBack).toBe(true);
    expect(result.slaves.map((s) => s.outcome)).toEqual(['back', 'back', 'back']);
    expect(
      recordedFor('ok-')
        .map((r) => r.command)
        .sort(),
    ).toEqual(slaves.map((s) => `reboot ${s}`));
    const attempt = h.attempts('ok-1')[0]!;
    expect(attempt).toMatchObject({
      method: 'ssh',
      exitCode: 0,
      outcome: 'ok',
      head: ['rebooting ok-1'],
    });
    expect(attempt.argv.slice(-4)).toEqual(['root', '127.0.0.1', 'reboot', 'ok-1']);
    // rebooting (queued, then the ssh step), then cleared by the start.
    expect(h.statuses.get('ok-1')!.at(-2)).toMatchObject({ phase: 'rebooting', method: 'ssh' });
    expect(h.statuses.get('ok-1')!.at(-1)).toBeNull();
    for (const slave of slaves) {
      const { body } = await getJson<{ slave: SlaveView }>(
        `${collector.url}/api/v1/slaves/${slave}`,
      );
      expect(body.slave.state).toBe('ok');
      expect(Date.parse(body.slave.lastStart!)).toBeGreaterThanOrEqual(begun);
    }
  }, 60_000);

  test('a method that fails (exit 1) escalates to the next', async () => {
    const h = scheduler(2);
    const chain = [ssh('sudo-broken', 'fail'), ssh('ssh', 'reboot')];
    const result = await h.s.submit([target('esc-1', chain)], { includeMuted: false }).done;
    expect(result.slaves[0]!.outcome).toBe('back');
    const [failed, ok] = h.attempts('esc-1');
    expect(failed).toMatchObject({ method: 'sudo-broken', exitCode: 1, outcome: 'failed' });
    expect([...failed!.head, ...failed!.tail]).toContain('sudo: /sbin/reboot: command not found');
    expect(ok).toMatchObject({ method: 'ssh', exitCode: 0, outcome: 'ok' });
    expect(recordedFor('esc-').map((r) => r.command)).toEqual(['fail esc-1', 'reboot esc-1']);
  }, 60_000);

  test('a method that hangs is stopped at its timeout and the next runs', async () => {
    const h = scheduler(2);
    const chain = [ssh('stuck', 'hang', { timeoutMs: 2000 }), ssh('ssh', 'reboot')];
    const result = await h.s.submit([target('to-1', chain)], { includeMuted: false }).done;
    expect(result.slaves[0]!.outcome).toBe('back');
    const [stuck] = h.attempts('to-1');
    expect(stuck).toMatchObject({ method: 'stuck', outcome: 'timed-out' }); // ssh exits 255 on SIGTERM
    expect(stuck!.durationMs).toBeGreaterThanOrEqual(2000);
    expect(stuck!.durationMs).toBeLessThan(10_000);
  }, 60_000);

  test('a slave that never comes back ends in needs hands', async () => {
    const h = scheduler(2);
    const chain = [
      ssh('ssh', 'silent', { waitMs: 1500 }),
      ssh('ssh-again', 'silent', { waitMs: 1500 }),
    ];
    const result = await h.s.submit([target('gone-1', chain)], { includeMuted: false }).done;
    expect(result.allBack).toBe(false);
    expect(result.slaves[0]).toMatchObject({
      outcome: 'needs-hands',
      reason: 'ssh-again: no new start within 2s; every method was tried, the slave needs hands',
    });
    expect(h.statuses.get('gone-1')!.at(-1)).toMatchObject({ phase: 'needs-hands' });
    expect(recordedFor('gone-').map((r) => r.command)).toEqual(['silent gone-1', 'silent gone-1']);
  }, 60_000);

  test('the hands step runs its command (a ticket) and marks the slave needs hands', async () => {
    const ticketFile = path.join(sshd.dir, 'ticket.json');
    const fileTicket = path.join(sshd.dir, 'file-ticket.mjs');
    writeFileSync(
      fileTicket,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(ticketFile)}, JSON.stringify(process.argv.slice(2)));\n`,
    );
    const h = scheduler(2);
    const hands: RebootMethod = {
      name: 'hands',
      argv: [process.execPath, fileTicket, '--summary', '{slave} needs hands'],
      timeoutMs: 20_000,
      waitMs: 0,
      hands: true,
    };
    const chain = [ssh('ssh', 'fail'), hands];
    const result = await h.s.submit([target('hands-1', chain)], { includeMuted: false }).done;
    expect(result.slaves[0]).toMatchObject({
      outcome: 'needs-hands',
      reason: 'hands: exited 0; the slave needs hands',
    });
    expect(JSON.parse(readFileSync(ticketFile, 'utf8'))).toEqual([
      '--summary',
      'hands-1 needs hands',
    ]);
    expect(h.statuses.get('hands-1')!.at(-1)).toMatchObject({ phase: 'needs-hands' });
  }, 60_000);

  test('at most N commands at once: 8 slaves, concurrency 3', async () => {
    const h = scheduler(3);
    const slaves = Array.from({ length: 8 }, (_, i) => `bound-${i}`);
    const chain = [ssh('ssh', 'reboot', { args: ['800'] })];
    const result = await h.s.submit(
      slaves.map((n) => target(n, chain)),
      { includeMuted: false },
    ).done;
    expect(result.allBack).toBe(true);
    const runs = recordedFor('bound-');
    expect(runs).toHaveLength(8);
    // The most forced commands running at one moment, from their own start and end times.
    const overlap = Math.max(
      ...runs.map((r) => runs.filter((o) => o.start <= r.start && o.end > r.start).length),
    );
    expect(overlap).toBeLessThanOrEqual(3);
    expect(overlap).toBeGreaterThanOrEqual(2); // they did run side by side
    expect(h.maxRunning()).toBe(3);
  }, 90_000);

  test('cancel stops the commands in flight and clears the waiting slaves', async () => {
    const h = scheduler(2);
    const slaves = ['cancel-1', 'cancel-2', 'cancel-3', 'cancel-4'];
    const bulk = h.s.submit(
      // Timed out only long after this test's own timeout: only a cancel can end them in time.
      slaves.map((n) => target(n, [ssh('ssh', 'hang', { timeoutMs: 600_000 })])),
      {
        includeMuted: false,
      },
    );
    await waitFor(() => recordedFor('cancel-').length === 2, 20_000, 'two commands running');
    bulk.cancel();
    const result = await bulk.done;
    expect(result.slaves.map((s) => s.outcome)).toEqual(Array(4).fill('cancelled'));
    expect(h.attempts().map((a) => a.outcome)).toEqual(['cancelled', 'cancelled']);
    expect(recordedFor('cancel-')).toHaveLength(2);
    for (const slave of slaves) expect(h.statuses.get(slave)!.at(-1)).toBeNull();
    expect(h.s.running).toBe(0);
  }, 60_000);

  test('dry run prints each argv exactly and runs nothing', async () => {
    const h = scheduler(2);
    const before = sshd.recorded().length;
    const plans = h.s.plan([target('dry-1', [ssh('ssh', 'reboot')], { host: 'dry 1.example' })], {
      includeMuted: false,
    });
    expect(describePlan(plans)).toEqual([
      `dry-1 ssh: ${JSON.stringify([...sshd.client, '-l', 'root', 'dry 1.example', 'reboot', 'dry-1'])}`,
    ]);
    expect(h.s.isRebooting('dry-1')).toBe(false);
    // A real reboot after it: once its command has run and it is over, the dry run's would have too.
    const real = await h.s.submit([target('dry-2', [ssh('ssh', 'reboot')])], {
      includeMuted: false,
    }).done;
    expect(real.slaves.map((x) => x.slave)).toEqual(['dry-2']);
    expect(
      sshd
        .recorded()
        .slice(before)
        .map((r) => r.slave),
    ).toEqual(['dry-2']);
    expect(h.attempts().map((a) => a.slave)).toEqual(['dry-2']);
  });

  test('a crafted placeholder value cannot run anything extra', async () => {
    const marker = (n: number) => path.join(sshd.dir, `pwned-${n}`);
    const argvFile = path.join(sshd.dir, 'recorder-argv.json');
    const recorder = path.join(sshd.dir, 'recorder.mjs');
    writeFileSync(
      recorder,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));\n`,
    );
    const h = scheduler(2);
    const pdu: RebootMethod = {
      name: 'pdu',
      argv: [process.execPath, recorder, '{pdu}', 'outlet={outlet}'],
      timeoutMs: 20_000,
      waitMs: 1000,
      hands: false,
    };
    const crafted = {
      host: `127.0.0.1; touch ${marker(1)}`,
      pdu: `$(touch ${marker(2)})`,
      outlet: `1\`touch ${marker(3)}\`; touch ${marker(4)}\ntouch ${marker(5)}`,
    };
    const optionHost = { host: `-oProxyCommand=touch ${marker(6)}` };
    const result = await h.s.submit(
      [
        target('evil-1', [ssh('ssh', 'reboot'), pdu], crafted),
        target('evil-2', [ssh('ssh', 'reboot')], optionHost),
      ],
      { includeMuted: false },
    ).done;
    // evil-1: ssh cannot even resolve such a host (exit 255), the recorder gets each value as one argument.
    expect(h.attempts('evil-1').map((a) => [a.method, a.exitCode])).toEqual([
      ['ssh', 255],
      ['pdu', 0],
    ]);
    expect(h.attempts('evil-1')[0]!.argv).toContain(crafted.host);
    expect(JSON.parse(readFileSync(argvFile, 'utf8'))).toEqual([
      crafted.pdu,
      `outlet=${crafted.outlet}`,
    ]);
    expect(result.slaves[0]!.outcome).toBe('needs-hands');
    // evil-2: a host that would be an ssh option fails that slave before anything runs.
    expect(result.slaves[1]).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/start with "-"/),
    });
    expect(h.attempts('evil-2')).toHaveLength(0);
    // Done means every command it started has exited: a touch it ran would be there by now.
    for (let n = 1; n <= 6; n++) expect(existsSync(marker(n)), marker(n)).toBe(false);
    expect(recordedFor('evil-')).toHaveLength(0);
  }, 60_000);
});
