// A real Nagios Core 4 stopped and started under a running collector: /healthz says which part is in
// trouble, a CRITICAL sent while Nagios was down reaches it once it is back (with state retention on,
// as Debian has it, Nagios would otherwise come back with the OK it had), and a slave never heard
// from leaves PENDING for a CRITICAL once its critical threshold has passed since it was listed.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serviceKey, type NagiosStatus } from '../../../src/nagios/status-file.js';
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

const SERVICE = 'buildbot-start';
const SLAVES = ['steady-1', 'down-1', 'never-1'];
/** never-1's pool: its critical threshold, in the collector only (Nagios's freshness is hours away). */
const NEVER_CRITICAL_S = 4;

type Health = { status: string; problems: Array<{ part: string; problem: string }> };

describe.skipIf(!hasNagios)('Nagios stopped and started under a running collector', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  let listedBy: number;

  const service = (s: NagiosStatus, slave: string) => s.services.get(serviceKey(slave, SERVICE));
  const health = async () => (await getJson<Health>(`${collector.url}/healthz`)).body;
  const metrics = async () => (await fetch(`${collector.url}/metrics`)).text();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-outage-it-'));
    nagios = await startNagios({
      objects: passiveObjects(SLAVES),
      // Debian keeps state across restarts: a result lost while down leaves the old one showing.
      main: { retain_state_information: 1, retention_update_interval: 60 },
    });
    const before = Date.now();
    collector = await startCollector({
      dir,
      files: {
        'inventory.yaml': [
          'slaves:',
          '  - steady-1',
          '  - down-1',
          '  - {name: never-1, pool: quiet}',
          // A host name Nagios cannot have: said once, with what to fix, and never sent.
          "  - {name: odd-1, nagios_host: 'odd host'}",
          '',
        ].join('\n'),
      },
      config: [
        'thresholds: {warning: 6h, critical: 7h}',
        'pools:',
        `  quiet: {warning: 2s, critical: ${NEVER_CRITICAL_S}s}`,
        'inventory: inventory.yaml',
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${nagios.statusFile}`,
        '  status_interval: 1s',
        '',
      ].join('\n'),
    });
    // The collector listed never-1 after this instant: its CRITICAL may not come sooner than this plus the threshold.
    listedBy = before;
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    await nagios?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a never-heard slave is PENDING until its critical threshold, then CRITICAL', async () => {
    const s = await nagios.waitForStatus(
      (st) => service(st, 'never-1')?.hasBeenChecked === true,
      20_000,
      'never-1 checked',
    );
    const never = service(s, 'never-1')!;
    expect(never.state).toBe(2);
    expect(never.output).toBe('CRITICAL - no heartbeat ever received from never-1');
    // Stamped in whole seconds: not before the threshold had passed since it was listed.
    expect(never.lastCheck!).toBeGreaterThanOrEqual(
      Math.floor((listedBy + NEVER_CRITICAL_S * 1000) / 1000) * 1000,
    );
    expect(await health()).toMatchObject({ status: 'ok', problems: [] });
  }, 30_000);

  test('health says which part is down; a CRITICAL sent meanwhile is in status.dat once Nagios is back', async () => {
    for (const slave of ['steady-1', 'down-1', 'odd-1']) {
      expect(
        (await postJson(`${collector.url}/api/v1/heartbeats`, { slave, master: 'bm01' })).status,
      ).toBe(202);
    }
    await nagios.waitForStatus(
      (st) => service(st, 'steady-1')?.state === 0 && service(st, 'down-1')?.state === 0,
      20_000,
      'steady-1 and down-1 OK',
    );
    const saved = path.join(dir, 'status.dat.saved');
    await copyFile(nagios.statusFile, saved);

    await nagios.stop();
    const stopped = Date.now();
    const down = await waitFor(
      async () => {
        const h = await health();
        return h.problems.length === 2 ? h : null;
      },
      10_000,
      'both Nagios parts degraded',
    );
    const degraded = Date.now() - stopped;
    expect(down.status).toBe('degraded');
    expect(down.problems).toEqual(
      expect.arrayContaining([
        {
          part: 'nagios-commands',
          problem: `Nagios is not reading ${nagios.commandFile}`,
          since: expect.any(String),
        },
        {
          part: 'nagios-status',
          problem: expect.stringContaining(`${nagios.statusFile} does not exist`),
          since: expect.any(String),
        },
      ]),
    );
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(503);

    const critical = await postJson(`${collector.url}/api/v1/heartbeats`, {
      slave: 'down-1',
      kind: 'critical',
      message: 'disk full',
    });
    expect(critical.status).toBe(202);
    await waitFor(
      async () =>
        /corral_nagios_command_write_failures_total\{problem="not-reading"\} [1-9]/.test(
          await metrics(),
        ),
      10_000,
      'the failed write counted',
    );

    // A status.dat left behind by a Nagios that no longer writes it is stale, not well.
    await copyFile(saved, nagios.statusFile);
    await waitFor(
      async () =>
        (await health()).problems.find(
          (p) =>
            p.part === 'nagios-status' &&
            p.problem.includes('is older than 3 status intervals of 1s'),
        ),
      10_000,
      'status.dat reported stale',
    );
    const age = /corral_nagios_status_age_seconds ([\d.]+)/.exec(await metrics());
    expect(Number(age?.[1])).toBeGreaterThan(3);

    const back = Date.now();
    await nagios.restart();
    const s = await nagios.waitForStatus(
      (st) => service(st, 'down-1')?.state === 2,
      20_000,
      'down-1 CRITICAL after Nagios returned',
    );
    const recovered = Date.now() - back;
    expect(service(s, 'down-1')!.output).toBe('CRITICAL - disk full');
    await waitFor(async () => (await health()).status === 'ok', 10_000, 'health ok again');
    const healthy = Date.now() - back;
    console.log(
      `[nagios outage] /healthz degraded ${degraded} ms after Nagios stopped; from Nagios's start: down-1 CRITICAL in status.dat after ${recovered} ms, /healthz ok after ${healthy} ms`,
    );

    // While Nagios was down for many polls, each problem was logged once, not every second.
    const warned = (part: string) =>
      collector.logs.filter((l) => l.part === part && l.level === 40).map((l) => l.msg);
    expect(warned('nagios-commands')).toEqual([`Nagios is not reading ${nagios.commandFile}`]);
    expect(warned('nagios-status')).toHaveLength(2); // missing, then stale
    expect(
      collector.logs.some((l) =>
        String(l.msg).includes("sending every slave's current state again"),
      ),
    ).toBe(true);
    // odd-1 was mapped at every status.dat read and at its heartbeat: one line all along.
    expect(collector.logs.filter((l) => l.slave === 'odd-1').map((l) => l.msg)).toEqual([
      'odd-1 cannot have a Nagios service, so Nagios hears nothing of it: fix its nagios_host or nagios_service attribute in the inventory, or nagios.host in corral.yaml',
    ]);
  }, 90_000);
});
