// NagiosBridge (what the collector will call) against a real Nagios Core 4.
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SlaveView } from '../../../src/domain/slave.js';
import { NagiosBridge } from '../../../src/nagios/bridge.js';
import { generateNagiosConfig } from '../../../src/nagios/config-generator.js';
import { mutingOf } from '../../../src/nagios/muting.js';
import {
  serviceKey,
  StatusFileReader,
  type NagiosStatus,
} from '../../../src/nagios/status-file.js';
import { CORRAL_BIN, waitFor } from '../../support/collector.js';
import { hasNagios, PLUGIN_DIR, startNagios, type NagiosInstance } from '../../support/nagios.js';

const SERVICE = 'buildbot-start';
const MAPPING = { hostTemplate: '{slave}.build.example.com', service: SERVICE };
const SLAVES = Array.from({ length: 100 }, (_, i) => `linux-ix-${String(i).padStart(3, '0')}`);
const host = (slave: string) => `${slave}.build.example.com`;
const get = (s: NagiosStatus, slave: string) => s.services.get(serviceKey(host(slave), SERVICE));
const refs = (names: string[]) => names.map((name) => ({ name }));

describe.skipIf(!hasNagios)('NagiosBridge against a real Nagios', () => {
  let nagios: NagiosInstance;
  let bridge: NagiosBridge;

  beforeAll(async () => {
    const objects = generateNagiosConfig({
      slaves: [
        ...SLAVES.map((name) => ({ name, pool: null, master: null, attributes: {} })),
        {
          name: 'w64-ix-001',
          pool: null,
          master: null,
          attributes: { nagios_host: 'w64-ix-001.win.example.com' },
        },
      ],
      thresholds: { default: { warningSeconds: 21600, criticalSeconds: 25200 }, pools: {} },
      mapping: MAPPING,
      corral: [process.execPath, CORRAL_BIN],
      collectorUrl: 'http://127.0.0.1:1',
      pluginDir: PLUGIN_DIR,
    });
    nagios = await startNagios({ objects });
    bridge = new NagiosBridge({
      commandFile: nagios.commandFile,
      statusFile: nagios.statusFile,
      mapping: MAPPING,
    });
  }, 120_000);

  afterAll(async () => {
    await nagios?.cleanup();
  });

  /** Who mutes each slave, as the collector reads it from status.dat. */
  async function muting(names: string[]) {
    const { status } = (await new StatusFileReader(nagios.statusFile).read())!;
    return new Map(names.map((name) => [name, mutingOf(status, bridge.targetOf({ name }))]));
  }

  test('heartbeats are forwarded; a refused name fails alone; overrides are honoured', async () => {
    const now = Date.now();
    const out = await bridge.forwardHeartbeats([
      { slave: { name: 'linux-ix-000' }, kind: 'start', master: 'bm01', message: null },
      {
        slave: { name: 'linux-ix-001' },
        kind: 'critical',
        master: null,
        message: 'cannot reach bm01\n[0] SHUTDOWN_PROGRAM',
      },
      { slave: { name: 'bad\nname' }, kind: 'start', master: null, message: null },
      {
        slave: { name: 'w64-ix-001', attributes: { nagios_host: 'w64-ix-001.win.example.com' } },
        kind: 'critical',
        master: null,
        message: 'no master',
      },
    ]);
    expect(out.results.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect(out.results[2]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^host "bad\\nname/),
    });
    expect(out.write).toMatchObject({ lines: 3, writes: 1 });
    const s = await nagios.waitForStatus(
      (st) =>
        get(st, 'linux-ix-001')?.state === 2 &&
        st.services.get(serviceKey('w64-ix-001.win.example.com', SERVICE))?.state === 2 &&
        get(st, 'linux-ix-000')?.hasBeenChecked === true,
      20_000,
      'forwarded results',
    );
    expect(get(s, 'linux-ix-000')).toMatchObject({ state: 0, output: 'buildbot started on bm01' });
    // Stamped now: Nagios would let an older stamp move last_check (and the state) backwards.
    expect(get(s, 'linux-ix-000')!.lastCheck).toBeGreaterThanOrEqual(Math.floor(now / 1000) * 1000);
    expect(get(s, 'linux-ix-001')!.output).toBe('cannot reach bm01 [0] SHUTDOWN_PROGRAM');
  });

  test('a threshold crossing is submitted as WARNING with age and perfdata', async () => {
    await bridge.submitFreshness([
      {
        slave: { name: 'linux-ix-002' },
        ageSeconds: 21720,
        thresholds: { warningSeconds: 21600, criticalSeconds: 25200 },
      },
    ]);
    const s = await nagios.waitForStatus(
      (st) => get(st, 'linux-ix-002')?.state === 1,
      20_000,
      'WARNING',
    );
    expect(get(s, 'linux-ix-002')).toMatchObject({
      output: 'no buildbot start for 6h02m',
      perfdata: 'age=21720s;21600;25200',
    });
  });

  test('bulk downtime shows as muting with who, why and until when; cancel removes it by id', async () => {
    const targets = SLAVES.slice(10, 60);
    const now = Date.now();
    const out = await bridge.scheduleDowntime(refs(targets), {
      startMs: now,
      endMs: now + 2 * 3600_000,
      fixed: true,
      author: 'jdoe',
      comment: 'bug 5: new kernel',
    });
    expect(out.results.every((r) => r.ok)).toBe(true);
    await nagios.waitForStatus(
      (st) => targets.every((t) => get(st, t)?.downtimeDepth === 1),
      20_000,
      '50 downtimes in effect',
    );
    const muted = await muting([...targets, 'linux-ix-099']);
    expect(muted.get('linux-ix-010')).toEqual({
      kind: 'downtime',
      author: 'jdoe',
      comment: 'bug 5: new kernel',
      start: new Date(Math.floor(now / 1000) * 1000).toISOString(),
      end: new Date(Math.floor(now / 1000) * 1000 + 7200_000).toISOString(),
      fixed: true,
      inEffect: true,
      downtimeId: expect.any(Number),
    });
    expect(muted.get('linux-ix-099')).toBeNull();

    const cancel = await bridge.cancelDowntimes(refs([...targets, 'linux-ix-099']));
    expect(cancel.results.filter((r) => r.ok)).toHaveLength(50);
    expect(cancel.results.at(-1)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/has no downtime/),
    });
    await nagios.waitForStatus(
      (st) => targets.every((t) => get(st, t)?.downtimeDepth === 0) && st.downtimes.length === 0,
      20_000,
      'downtimes cancelled',
    );
    expect((await muting(['linux-ix-010'])).get('linux-ix-010')).toBeNull();
  });

  test('acknowledge and remove, seen through muting', async () => {
    const targets = SLAVES.slice(70, 75);
    await bridge.forwardHeartbeats(
      targets.map((name) => ({
        slave: { name },
        kind: 'critical' as const,
        master: null,
        message: 'down',
      })),
    );
    await nagios.waitForStatus(
      (st) => targets.every((t) => get(st, t)?.state === 2),
      20_000,
      'CRITICAL',
    );
    await bridge.acknowledge(refs(targets), { author: 'asmith', comment: 'hardware ticket 77' });
    await nagios.waitForStatus(
      (st) => targets.every((t) => get(st, t)?.acknowledged),
      20_000,
      'acked',
    );
    expect((await muting(targets)).get(targets[0]!)).toEqual({
      kind: 'acknowledgement',
      author: 'asmith',
      comment: 'hardware ticket 77',
      sticky: true,
    });
    await bridge.removeAcknowledgement(refs(targets));
    await nagios.waitForStatus(
      (st) => targets.every((t) => !get(st, t)?.acknowledged),
      20_000,
      'acknowledgements removed',
    );
  });

  test('recheck by re-submitting the current state', async () => {
    const view = (name: string, state: SlaveView['state'], ageSeconds: number): SlaveView => ({
      name,
      pool: null,
      master: 'bm02',
      state,
      inInventory: true,
      attributes: {},
      firstSeen: null,
      lastStart: new Date(Date.now() - ageSeconds * 1000).toISOString(),
      ageSeconds,
      lastHeartbeat: null,
      lastCritical: null,
      muted: null,
      mutes: [],
      reboot: null,
    });
    await bridge.resubmit([view('linux-ix-080', 'dead', 30000), view('linux-ix-081', 'ok', 60)]);
    const s = await nagios.waitForStatus(
      (st) =>
        get(st, 'linux-ix-080')?.state === 2 && get(st, 'linux-ix-081')?.hasBeenChecked === true,
      20_000,
      'resubmitted',
    );
    expect(get(s, 'linux-ix-080')).toMatchObject({
      output: 'CRITICAL - no buildbot start for 8h20m',
      perfdata: 'age=30000s',
    });
    expect(get(s, 'linux-ix-081')).toMatchObject({
      state: 0,
      output: 'OK - buildbot started 1m ago on bm02',
    });
  });

  test('status.dat read in a loop while Nagios rewrites it: always whole, re-read exactly when it changed', async () => {
    const reader = new StatusFileReader(nagios.statusFile);
    const signature = async () => {
      const info = await stat(nagios.statusFile);
      return `${info.ino}:${info.size}:${info.mtimeMs}`;
    };
    expect((await reader.read())?.fresh).toBe(true);
    // What the reader holds, when this loop knows it.
    let held: { signature: string; status: NagiosStatus } | null = null;
    let changed = 0;
    let unchanged = 0;
    await waitFor(
      async () => {
        const before = await signature();
        const r = await reader.read();
        const after = await signature();
        expect(r).not.toBeNull();
        expect(r!.status.services.size).toBe(SLAVES.length + 2);
        if (before !== after) {
          // Replaced during the read: which version the reader took is not known.
          held = null;
          return false;
        }
        if (held !== null && before !== held.signature) {
          expect(r!.fresh).toBe(true);
          changed++;
        } else if (held !== null) {
          expect(r!.fresh).toBe(false);
          expect(r!.status).toBe(held.status);
          unchanged++;
        }
        held = { signature: before, status: r!.status };
        return changed >= 3 && unchanged >= 3;
      },
      30_000,
      'three rewrites of status.dat by Nagios, each read once',
    );
  });

  test('Nagios stopped: every slave of the action fails with the clear error, nothing hangs', async () => {
    await nagios.stop();
    // No reader is an error at open (O_NONBLOCK): no retry, no timer. A hang would be this
    // test's timeout; a full pipe's retries would end in another message.
    const out = await bridge.acknowledge(refs(SLAVES.slice(0, 3)), {
      author: 'jdoe',
      comment: 'x',
    });
    expect(out.write).toBeNull();
    expect(out.results).toEqual(
      SLAVES.slice(0, 3).map((slave) => ({
        slave,
        ok: false,
        error: `Nagios is not reading ${nagios.commandFile}`,
        // Their lines were fine: sending again once Nagios is back may succeed.
        unwritten: true,
      })),
    );
  });
});
