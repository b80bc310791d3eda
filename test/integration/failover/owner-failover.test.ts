// Two real collectors on one real PostgreSQL, both configured with one private Nagios's command
// file and with reboot methods through a real sshd: only the owner forwards and runs reboots; the
// owner killed (SIGKILL) while heartbeats flow to both, the other takes over within 15 s, finishes
// the reboot chain from its recorded step (no command run twice) and Nagios keeps getting results.
// Every heartbeat that got a 202 is in the database.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView } from '../../../src/domain/protocol.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
  type StartOptions,
} from '../../support/collector.js';
import {
  hasNagios,
  passiveObjects,
  startNagios,
  type NagiosInstance,
} from '../../support/nagios.js';
import { postgresInstalled, testPostgres } from '../../support/postgres.js';
import { available } from '../../support/requires.js';
import { startSshd, type RunningSshd } from '../../support/sshd.js';

const hasPostgres = available('PostgreSQL 15', postgresInstalled(), 'apt-get install postgresql');
const FLOW = ['flow-1', 'flow-2', 'flow-3', 'flow-4'];
const OWNS = 'this collector owns the single-owner work (forwarding, reboot chains)';

let url: string;
let sshd: RunningSshd;
let nagios: NagiosInstance;
let options: StartOptions;
const collectors: RunningCollector[] = [];

beforeAll(async () => {
  if (!hasPostgres || !hasNagios) return;
  const cluster = await testPostgres();
  [url, sshd, nagios] = await Promise.all([
    cluster.createDatabase(),
    startSshd(),
    startNagios({ objects: passiveObjects([...FLOW, 'rb-1']) }),
  ]);
  const ssh = (verb: string) =>
    JSON.stringify([...sshd.client, '-l', 'root', '{host}', verb, '{slave}']);
  options = {
    args: ['--db', url],
    config: [
      'inventory: inventory.yaml',
      'nagios:',
      `  command_file: ${nagios.commandFile}`,
      `  status_file: ${nagios.statusFile}`,
      'reboot:',
      '  methods:',
      // The first succeeds but the slave stays silent: the chain waits, then escalates.
      `    - {name: ssh, argv: ${ssh('silent')}, timeout: 20s, wait: 8s}`,
      `    - {name: ipmi, argv: ${ssh('reboot')}, timeout: 20s, wait: 20s}`,
    ].join('\n'),
    files: {
      'inventory.yaml': [
        'slaves:',
        ...[...FLOW, 'rb-1'].map((n) => `  - {name: ${n}, host: 127.0.0.1}`),
        '',
      ].join('\n'),
    },
  };
}, 90_000);

afterAll(async () => {
  await Promise.all([...collectors.map((c) => c.kill()), sshd?.stop(), nagios?.stop()]);
  for (const c of collectors) c.cleanup();
});

async function start(): Promise<RunningCollector> {
  const c = await startCollector(options);
  collectors.push(c);
  return c;
}

async function metric(base: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

function corral(base: string, ...args: string[]) {
  const child = spawn(process.execPath, [CORRAL_BIN, ...args, '--collector', base], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

/** Posts heartbeats to each collector in turn until stopped; keeps every one answered 202. */
function flow(targets: () => string[]) {
  const accepted: Array<{ slave: string; at: number }> = [];
  let stopped = false;
  let n = 0;
  const since = Date.now() - 60_000; // each heartbeat its own millisecond
  const running = (async () => {
    while (!stopped) {
      for (const base of targets()) {
        const slave = FLOW[n % FLOW.length]!;
        const at = since + n++;
        const res = await fetch(`${base}/api/v1/heartbeats`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ slave, at: new Date(at).toISOString() }),
          signal: AbortSignal.timeout(2000),
        }).catch(() => null);
        if (res?.status === 202) accepted.push({ slave, at });
        await res?.arrayBuffer();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    accepted,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

describe.skipIf(!hasPostgres || !hasNagios)(
  'the owner killed: the other collector takes over',
  () => {
    test('heartbeats kept, reboot chain finished once, Nagios fed by the owner only, takeover within 15 s', async () => {
      const a = await start();
      await waitFor(() => a.logs.some((l) => l.msg === OWNS), 15_000, 'a to own');
      const b = await start();
      sshd.setCollector(a.url);
      const eightHoursAgo = new Date(Date.now() - 8 * 3600_000).toISOString();
      expect(
        (await postJson(`${a.url}/api/v1/heartbeats`, { slave: 'rb-1', at: eightHoursAgo })).status,
      ).toBe(202);
      expect(await metric(a.url, /^corral_owner (\d)/m)).toBe(1);
      expect(await metric(b.url, /^corral_owner (\d)/m)).toBe(0);
      expect((await getJson<{ owner: boolean }>(`${b.url}/healthz`)).body.owner).toBe(false);

      // A reboot sent to the one that does not own is refused, naming the owner; nothing runs.
      const refused = await corral(b.url, 'reboot', 'rb-1', '--yes').done;
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`reboots run on the collector that owns`);
      expect(refused.stderr).toContain(a.url);
      expect(sshd.recorded()).toEqual([]);

      const heartbeats = flow(() => [a.url, b.url]);
      const reboot = corral(a.url, 'reboot', 'rb-1', '--yes');
      await waitFor(() => sshd.recorded().length === 1, 20_000, 'the first method to run');
      // Heartbeats went to both; only the owner wrote to Nagios.
      await waitFor(() => heartbeats.accepted.length > 20, 10_000, 'heartbeats to flow');
      expect(
        await metric(a.url, /^corral_nagios_results_total\{outcome="sent"\} (\d+)/m),
      ).toBeGreaterThan(0);
      expect(await metric(b.url, /^corral_nagios_results_total\{outcome="sent"\} (\d+)/m)).toBe(0);

      const killedAt = Date.now();
      await a.kill();
      // a is still tried by the flow: a refused connection gets no 202.
      sshd.setCollector(b.url);
      reboot.child.kill();
      await waitFor(() => b.logs.some((l) => l.msg === OWNS), 15_000, 'b to take over');
      const took = Number(b.logs.find((l) => l.msg === OWNS)!.time);
      expect(took - killedAt).toBeLessThan(15_000);
      console.info(`owner killed to the other owning: ${took - killedAt} ms`);

      // The chain goes on from its step on b: the silent method is not run again; ipmi brings it back.
      const { body } = await getJson<{ actions: ActionView[] }>(`${b.url}/api/v1/actions`);
      const id = body.actions.find((x) => x.kind === 'reboot')!.id;
      const finished = await waitFor(
        async () => {
          const { body: one } = await getJson<{ action: ActionView }>(
            `${b.url}/api/v1/actions/${id}`,
          );
          return one.action.finishedAt !== null ? one.action : null;
        },
        40_000,
        'the reboot to finish on b',
      );
      expect(finished.targets).toEqual([{ slave: 'rb-1', status: 'back', error: null }]);
      expect(sshd.recorded().map((r) => r.verb)).toEqual(['silent', 'reboot']);

      // Nagios hears from b now.
      const word = `after-takeover-${Date.now()}`;
      expect(
        (
          await postJson(`${b.url}/api/v1/heartbeats`, {
            slave: 'flow-1',
            kind: 'critical',
            message: word,
          })
        ).status,
      ).toBe(202);
      await waitFor(
        async () => (await nagios.externalCommands()).some((c) => c.includes(word)),
        20_000,
        'the result in Nagios',
      );

      await heartbeats.stop();
      // Every heartbeat answered 202, by either, is in the database.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ slave: string; at: string }>(
        'SELECT slave, at FROM heartbeats',
      );
      await client.end();
      const stored = new Set(rows.map((r) => `${r.slave}@${r.at}`));
      const missing = heartbeats.accepted.filter((h) => !stored.has(`${h.slave}@${h.at}`));
      expect(heartbeats.accepted.length).toBeGreaterThan(40);
      expect(missing).toEqual([]);
    }, 150_000);
  },
);
