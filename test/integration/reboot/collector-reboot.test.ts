// `corral reboot` through the real collector, its reboot methods reaching a real OpenSSH server on
// loopback (forced command: records the reboot and has the slave post its next start): success,
// escalation, needs hands with a ticket command, cancel, dry run, and the audit log's attempts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView, RebootAttemptView } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
  type StartOptions,
} from '../../support/collector.js';
import { startSshd, type RunningSshd } from '../../support/sshd.js';

let sshd: RunningSshd;
let collector: RunningCollector;
let ticketFile: string;
let options: StartOptions;

const POOLS = { good: 3, flaky: 2, gone: 1, slow: 1 } as const;

beforeAll(async () => {
  sshd = await startSshd();
  ticketFile = path.join(sshd.dir, 'tickets.jsonl');
  const ssh = (verb: string) =>
    JSON.stringify([...sshd.client, '-l', 'root', '{host}', verb, '{slave}']);
  const ticket = JSON.stringify([
    process.execPath,
    '-e',
    `require('fs').appendFileSync(${JSON.stringify(ticketFile)}, JSON.stringify(process.argv.slice(1)) + '\\n')`,
    '{slave} needs hands (pool {pool})',
  ]);
  const inventory = Object.entries(POOLS)
    .flatMap(([pool, n]) =>
      Array.from(
        { length: n },
        (_, i) => `  - {name: ${pool}-${i + 1}, pool: ${pool}, host: 127.0.0.1}`,
      ),
    )
    .join('\n');
  options = {
    config: [
      'inventory: inventory.yaml',
      'reboot:',
      '  concurrency: 4',
      '  methods:',
      `    - {name: ssh, argv: ${ssh('reboot')}, timeout: 20s, wait: 20s}`,
      '  pools:',
      '    flaky:',
      `      - {name: ssh, argv: ${ssh('fail')}, timeout: 20s, wait: 20s}`,
      `      - {name: ipmi, argv: ${ssh('reboot')}, timeout: 20s, wait: 20s}`,
      '    gone:',
      `      - {name: ssh, argv: ${ssh('silent')}, timeout: 20s, wait: 2s}`,
      `      - {name: hands, hands: true, argv: ${ticket}}`,
      '    slow:',
      `      - {name: ssh, argv: ${ssh('hang')}, timeout: 60s, wait: 20s}`,
    ].join('\n'),
    files: { 'inventory.yaml': `slaves:\n${inventory}\n` },
  };
  collector = await startCollector(options);
  sshd.setCollector(collector.url);
  // Every slave has started once, eight hours ago: dead, and due a reboot.
  const at = new Date(Date.now() - 8 * 3600_000).toISOString();
  const heartbeats = Object.entries(POOLS).flatMap(([pool, n]) =>
    Array.from({ length: n }, (_, i) => ({ slave: `${pool}-${i + 1}`, pool, at })),
  );
  expect((await postJson(`${collector.url}/api/v1/heartbeats`, heartbeats)).status).toBe(202);
}, 90_000);

afterAll(async () => {
  await Promise.all([sshd?.stop(), collector?.stop()]);
  // Restarted on the first one's dir, which it does not own: removed here.
  if (collector) rmSync(collector.dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function corral(...args: string[]): Promise<Run> & { pid: () => number | undefined } {
  const child = spawn(process.execPath, [CORRAL_BIN, ...args, '--collector', collector.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return Object.assign(done, { pid: () => child.pid });
}

async function slave(name: string): Promise<SlaveView> {
  const { body } = await getJson<{ slave: SlaveView }>(`${collector.url}/api/v1/slaves/${name}`);
  return body.slave;
}

async function action(id: number) {
  return (
    await getJson<{ action: ActionView; attempts?: RebootAttemptView[] }>(
      `${collector.url}/api/v1/actions/${id}`,
    )
  ).body;
}

const actionId = (out: string) => Number(/\(action (\d+)\)/.exec(out)![1]);

describe('corral reboot through the collector and a real sshd', () => {
  test('a dry run prints each command exactly as it would run, and runs nothing', async () => {
    const run = await corral('reboot', 'good-1', 'flaky-1', '--dry-run');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      `good-1 ssh: ${JSON.stringify([...sshd.client, '-l', 'root', '127.0.0.1', 'reboot', 'good-1'])}`,
    );
    expect(lines[1]).toMatch(/^flaky-1 ssh: \[.*"fail","flaky-1"\]$/);
    expect(lines[2]).toMatch(/^flaky-1 ipmi: \[.*"reboot","flaky-1"\]$/);
    const recorded = existsSync(path.join(sshd.dir, 'recorded.jsonl')) ? sshd.recorded() : [];
    expect(recorded).toEqual([]);
    expect((await slave('good-1')).state).toBe('dead');
  });

  test('good and flaky slaves come back (flaky after escalating), audited attempt by attempt', async () => {
    const run = await corral('reboot', '--match', '^(good|flaky)-', '--yes');
    expect(run.stderr).toMatch(/^reboot 5 slave\(s\): /);
    for (const line of ['good-1', 'good-2', 'good-3', 'flaky-1', 'flaky-2'].map(
      (n) => `${n}: back`,
    )) {
      expect(run.stderr).toContain(line);
    }
    expect(run.stdout).toMatch(/rebooted 5 slaves \(action \d+\): 5 back\n$/);
    expect(run.code).toBe(0);
    for (const name of ['good-1', 'good-2', 'good-3', 'flaky-1', 'flaky-2']) {
      const view = await slave(name);
      expect(view.state).toBe('ok');
      expect(view.reboot).toBeNull();
      expect(Date.now() - Date.parse(view.lastStart!)).toBeLessThan(60_000);
    }
    const { action: a, attempts } = await action(actionId(run.stdout));
    expect(a.finishedAt).not.toBeNull();
    expect(a.targets.every((t) => t.status === 'back' && t.error === null)).toBe(true);
    const flaky = attempts!.filter((x) => x.slave === 'flaky-1');
    expect(flaky.map((x) => [x.method, x.outcome, x.exitCode])).toEqual([
      ['ssh', 'failed', 1],
      ['ipmi', 'ok', 0],
    ]);
    expect([...flaky[0]!.head, ...flaky[0]!.tail]).toContain(
      'sudo: /sbin/reboot: command not found',
    );
    expect(flaky[1]!.argv.slice(-3)).toEqual(['127.0.0.1', 'reboot', 'flaky-1']);
    expect(flaky[1]!.head).toEqual(['rebooting flaky-1']);
    const rebooted = sshd.recorded().filter((r) => r.verb === 'reboot');
    expect(rebooted.map((r) => r.slave).sort()).toEqual([
      'flaky-1',
      'flaky-2',
      'good-1',
      'good-2',
      'good-3',
    ]);
  }, 60_000);

  test('a slave that never comes back needs hands: the ticket is filed, the exit status says so', async () => {
    const run = await corral('reboot', 'gone-1', '--yes');
    expect(run.code).toBe(1);
    // Printed once settled: as the hands step starts (its ticket command may still run), or after.
    expect(run.stderr).toMatch(
      /gone-1: needs-hands \(ssh: exited 0, no new start within 2s; hands: (marked as needing hands|exited 0; the slave needs hands)\)/,
    );
    expect(run.stdout).toMatch(/1 need hands\n$/);
    const view = await slave('gone-1');
    expect(view.state).toBe('needs-hands');
    expect(view.reboot).toMatchObject({ phase: 'needs-hands' });
    const tickets = readFileSync(ticketFile, 'utf8').trim().split('\n');
    expect(tickets.map((t) => JSON.parse(t) as string[])).toEqual([
      ['gone-1 needs hands (pool gone)'],
    ]);
    // A restart does not forget it.
    await collector.stop();
    collector = await startCollector({ ...options, dir: collector.dir });
    sshd.setCollector(collector.url);
    expect((await slave('gone-1')).reboot).toEqual(view.reboot);
    // The operator takes it over by cancelling: its state is its heartbeats' again.
    const cancel = await corral('reboot', 'gone-1', '--cancel', '--yes');
    expect(cancel.stdout).toMatch(/1 cancelled\n$/);
    expect((await slave('gone-1')).state).toBe('dead');
  }, 60_000);

  test('cancel stops the running command and the slave leaves rebooting; a second reboot is refused while one runs', async () => {
    const first = corral('reboot', 'slow-1', '--yes');
    await waitFor(
      async () => (await slave('slow-1')).state === 'rebooting',
      20_000,
      'slow-1 rebooting',
    );
    await waitFor(
      () => sshd.recorded().some((r) => r.verb === 'hang' && r.slave === 'slow-1'),
      20_000,
      'the hanging command to run',
    );
    const again = await postJson(`${collector.url}/api/v1/actions`, {
      kind: 'reboot',
      targets: ['slow-1'],
    });
    const second = (again.body as { action: ActionView }).action;
    expect(second.targets).toEqual([
      {
        slave: 'slow-1',
        status: 'skipped',
        error: expect.stringMatching(/^already being rebooted by local \(action \d+\)$/),
      },
    ]);
    const cancel = await corral('reboot', 'slow-1', '--cancel', '--yes');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled the reboots of 1 slave \(action \d+\): 1 cancelled/);
    const run = await first;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('slow-1: cancelled (cancelled by local)');
    expect(run.stdout).toContain('  cancelled by local');
    expect((await slave('slow-1')).state).toBe('dead');
    const { attempts } = await action(actionId(run.stderr));
    expect(attempts!.map((a) => [a.slave, a.method, a.outcome])).toEqual([
      ['slow-1', 'ssh', 'cancelled'],
    ]);
  }, 60_000);

  test('bad requests change nothing: an unknown slave, a bad parameter', async () => {
    const unknown = await corral('reboot', 'nobody-1', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'corral: the collector knows no slave named nobody-1: check the names (corral ls); nothing was done\n',
    );
    const bad = await postJson(`${collector.url}/api/v1/actions`, {
      kind: 'reboot',
      targets: ['good-1'],
      params: { includeMuted: 'yes' },
    });
    expect(bad).toEqual({
      status: 400,
      body: {
        error: 'params.includeMuted: includeMuted must be true or false',
        field: 'params.includeMuted',
      },
    });
  });
});
