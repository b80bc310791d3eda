// A reboot chain outlives its collector: the real collector killed (SIGKILL) or stopped mid-chain
// and started again on the same SQLite file takes the chain up from its recorded step, through a
// real OpenSSH server on loopback. A method whose command already ran is never run again.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  queryStore,
  startCollector,
  waitFor,
  type RunningCollector,
  type StartOptions,
} from '../../support/collector.js';
import { startSshd, type RunningSshd } from '../../support/sshd.js';

let sshd: RunningSshd;
let collector: RunningCollector;
let options: StartOptions;

beforeAll(async () => {
  sshd = await startSshd();
  const ssh = (verb: string) =>
    JSON.stringify([...sshd.client, '-l', 'root', '{host}', verb, '{slave}']);
  options = {
    config: [
      'inventory: inventory.yaml',
      'reboot:',
      '  methods:',
      `    - {name: ssh, argv: ${ssh('reboot')}, timeout: 20s, wait: 20s}`,
      '  pools:',
      // Its first method succeeds but the slave stays silent: the chain waits, then escalates.
      '    waits:',
      `      - {name: ssh, argv: ${ssh('silent')}, timeout: 20s, wait: 4s}`,
      `      - {name: ipmi, argv: ${ssh('reboot')}, timeout: 20s, wait: 20s}`,
      // Its first method never ends on its own: the collector dies while it runs.
      '    hangs:',
      `      - {name: ssh, argv: ${ssh('hang')}, timeout: 60s, wait: 3s}`,
      `      - {name: ipmi, argv: ${ssh('reboot')}, timeout: 20s, wait: 20s}`,
    ].join('\n'),
    files: {
      'inventory.yaml': [
        'slaves:',
        '  - {name: waits-1, pool: waits, host: 127.0.0.1}',
        '  - {name: waits-2, pool: waits, host: 127.0.0.1}',
        '  - {name: hangs-1, pool: hangs, host: 127.0.0.1}',
        '',
      ].join('\n'),
    },
  };
  collector = await startCollector(options);
  sshd.setCollector(collector.url);
  const at = new Date(Date.now() - 8 * 3600_000).toISOString();
  const heartbeats = ['waits-1', 'waits-2', 'hangs-1'].map((slave) => ({ slave, at }));
  expect((await postJson(`${collector.url}/api/v1/heartbeats`, heartbeats)).status).toBe(202);
}, 90_000);

afterAll(async () => {
  await Promise.all([sshd?.stop(), collector?.stop()]);
  collector?.cleanup();
});

/** Starts `corral reboot ... --yes`; resolves with its output once the action is known. */
function reboot(...slaves: string[]) {
  const child = spawn(
    process.execPath,
    [CORRAL_BIN, 'reboot', ...slaves, '--yes', '--collector', collector.url],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

async function restart(how: 'kill' | 'stop'): Promise<void> {
  if (how === 'kill') await collector.kill();
  else await collector.stop();
  collector = await startCollector({ ...options, dir: collector.dir });
  sshd.setCollector(collector.url);
}

async function slave(name: string): Promise<SlaveView> {
  const { body } = await getJson<{ slave: SlaveView }>(`${collector.url}/api/v1/slaves/${name}`);
  return body.slave;
}

async function lastReboot(): Promise<ActionView> {
  const { body } = await getJson<{ actions: ActionView[] }>(`${collector.url}/api/v1/actions`);
  return body.actions.find((a) => a.kind === 'reboot')!;
}

const commandsFor = (slave: string) =>
  sshd
    .recorded()
    .filter((r) => r.slave === slave)
    .map((r) => r.verb);

const chainRows = () =>
  queryStore<{ slave: string; phase: string; command_ran: number }>(
    collector,
    'SELECT slave, phase, command_ran FROM reboot_chains',
  );

describe('a reboot chain resumes after the collector restarts', () => {
  test('killed while waiting for a start: the wait goes on, the next method runs, nothing runs twice', async () => {
    const run = reboot('waits-1', 'waits-2');
    await waitFor(
      () => commandsFor('waits-1').length + commandsFor('waits-2').length === 2,
      20_000,
      'both silent commands run',
    );
    const action = await waitFor(async () => {
      const a = await lastReboot();
      return a.targets.every((t) => t.status === 'rebooting') ? a : null;
    });
    await restart('kill');
    run.kill();
    // Shown rebooting again by the same action, before it ends.
    await waitFor(async () => (await slave('waits-1')).reboot?.actionId === action.id);
    const done = await waitFor(
      async () => {
        const a = await lastReboot();
        return a.finishedAt !== null ? a : null;
      },
      30_000,
      'the resumed reboot to finish',
    );
    expect(done.id).toBe(action.id);
    expect(done.targets.map((t) => t.status)).toEqual(['back', 'back']);
    for (const name of ['waits-1', 'waits-2']) {
      expect(commandsFor(name)).toEqual(['silent', 'reboot']);
      expect((await slave(name)).state).toBe('ok');
    }
    // A finished action's chains are forgotten.
    await waitFor(async () => (await chainRows()).length === 0, 5000, 'the chains dropped');
  }, 90_000);

  test('stopped while its command runs: that command is not run again, the chain goes on after its wait', async () => {
    const run = reboot('hangs-1');
    await waitFor(() => commandsFor('hangs-1').length === 1, 20_000, 'the hanging command');
    // Recorded as run before it was started.
    expect(await chainRows()).toEqual([{ slave: 'hangs-1', phase: 'running', command_ran: 1 }]);
    await restart('stop');
    run.kill();
    const done = await waitFor(
      async () => {
        const a = await lastReboot();
        return a.finishedAt !== null && a.targets[0]!.slave === 'hangs-1' ? a : null;
      },
      30_000,
      'the resumed reboot to finish',
    );
    expect(done.targets[0]).toMatchObject({ slave: 'hangs-1', status: 'back' });
    expect(commandsFor('hangs-1')).toEqual(['hang', 'reboot']);
    const { body } = await getJson<{ attempts: Array<{ method: string; outcome: string }> }>(
      `${collector.url}/api/v1/actions/${done.id}`,
    );
    // The hanging one was stopped with the collector, and recorded so.
    expect(body.attempts.map((a) => [a.method, a.outcome])).toEqual([
      ['ssh', 'cancelled'],
      ['ipmi', 'ok'],
    ]);
  }, 90_000);
});
