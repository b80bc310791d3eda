// Against a real Nagios Core 4 (and a real collector for `corral check`): the config comes from
// `corral nagios-config`, commands go through the FIFO, and every check reads Nagios's own files.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CommandFileError, packLines } from '../../../src/nagios/command-file.js';
import {
  acknowledgeServiceProblem,
  deleteServiceDowntime,
  heartbeatResult,
  NagiosInputError,
  processServiceCheckResult,
  removeServiceAcknowledgement,
  scheduleForcedServiceCheck,
  scheduleServiceDowntime,
  type ServiceRef,
} from '../../../src/nagios/commands.js';
import { DEFAULT_MAPPING, serviceFor } from '../../../src/nagios/mapping.js';
import { mutingOf } from '../../../src/nagios/muting.js';
import { readObjectCacheInventory } from '../../../src/nagios/object-cache.js';
import {
  acknowledgementOf,
  serviceKey,
  type NagiosStatus,
} from '../../../src/nagios/status-file.js';
import {
  CORRAL_BIN,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { hasNagios, PLUGIN_DIR, startNagios, type NagiosInstance } from '../../support/nagios.js';

const run = promisify(execFile);
const SERVICE = 'buildbot-start';
const SLAVES = Array.from({ length: 1000 }, (_, i) => `talos-${String(i).padStart(4, '0')}`);
const svc = (host: string): ServiceRef => ({ host, service: SERVICE });
const get = (s: NagiosStatus, host: string) => s.services.get(serviceKey(host, SERVICE));

describe.skipIf(!hasNagios)('a real Nagios Core 4', () => {
  let dir: string;
  let collector: RunningCollector;
  let nagios: NagiosInstance;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-nagios-it-'));
    const inventory = path.join(dir, 'inventory.yaml');
    await writeFile(
      inventory,
      [
        'slaves:',
        ...SLAVES.map((s) => `  - ${s}`),
        // A pool with thresholds of seconds: its freshness check fires during the test.
        '  - {name: fast-known, pool: fast}',
        '  - {name: fast-unknown, pool: fast}',
        '',
      ].join('\n'),
    );
    const config = [
      'thresholds: {warning: 6h, critical: 7h}',
      'pools:',
      '  fast: {warning: 2s, critical: 4s}',
      `inventory: ${inventory}`,
      '',
    ].join('\n');
    const configPath = path.join(dir, 'corral.yaml');
    await writeFile(configPath, config);
    // The collector knows the inventory but `fast-unknown` is dropped from its copy below.
    await writeFile(
      path.join(dir, 'collector-inventory.yaml'),
      ['slaves:', ...SLAVES.map((s) => `  - ${s}`), '  - {name: fast-known, pool: fast}', ''].join(
        '\n',
      ),
    );
    collector = await startCollector({
      config: config.replace(inventory, path.join(dir, 'collector-inventory.yaml')),
    });
    const { stdout: objects } = await run(
      process.execPath,
      [
        CORRAL_BIN,
        'nagios-config',
        '--config',
        configPath,
        '--collector',
        collector.url,
        '--plugin-dir',
        PLUGIN_DIR,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    nagios = await startNagios({ objects });
  }, 120_000);

  afterAll(async () => {
    await nagios?.cleanup();
    await collector?.stop();
    collector?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('Nagios loaded every generated service: passive, fresh-checked', async () => {
    const s = await nagios.status();
    expect(get(s, 'talos-0000')).toMatchObject({
      activeChecksEnabled: false,
      passiveChecksEnabled: true,
    });
    expect([...s.services.values()].filter((x) => x.service === SERVICE)).toHaveLength(1002);
  });

  test("Nagios's own objects.cache gives the slaves back, pools included", async () => {
    const slaves = await readObjectCacheInventory(nagios.objectCacheFile, DEFAULT_MAPPING);
    expect(slaves).toHaveLength(1002);
    expect(slaves.find((x) => x.name === 'fast-known')).toEqual({
      name: 'fast-known',
      pool: 'fast',
      master: null,
      attributes: {},
    });
    expect(slaves.some((x) => x.name === 'corral-collector')).toBe(false);
  });

  test('a critical heartbeat turns the service CRITICAL, a start turns it OK', async () => {
    const now = Date.now();
    const critical = heartbeatResult('critical', null, 'cannot reach bm01\nreboot me');
    await nagios.writer.write([
      processServiceCheckResult(now, svc('talos-0001'), critical.state, critical.output),
    ]);
    await nagios.waitForStatus(
      (s) => get(s, 'talos-0001')?.state === 2,
      20_000,
      'talos-0001 CRITICAL',
    );
    const start = heartbeatResult('start', 'bm01', null);
    await nagios.writer.write([
      processServiceCheckResult(Date.now(), svc('talos-0001'), start.state, start.output),
    ]);
    const s = await nagios.waitForStatus(
      (st) => get(st, 'talos-0001')?.state === 0,
      20_000,
      'talos-0001 OK',
    );
    expect(get(s, 'talos-0001')!.output).toBe('buildbot started on bm01');
    expect(get(s, 'talos-0001')!.lastCheck).toBeGreaterThanOrEqual(Math.floor(now / 1000) * 1000);
  });

  test('a stale service runs `corral check`, which asks the collector for the truth', async () => {
    // The collector heard of fast-known 10 minutes ago: with thresholds of seconds it is dead.
    const at = new Date(Date.now() - 600_000).toISOString();
    const posted = await postJson(`${collector.url}/api/v1/heartbeats`, {
      slave: 'fast-known',
      pool: 'fast',
      master: 'bm01',
      at,
    });
    expect(posted.status).toBe(202);
    // Both fast services get a passive OK, then nothing: freshness (4 s) must fire.
    const ok = heartbeatResult('start', 'bm01', null);
    await nagios.writer.write(
      ['fast-known', 'fast-unknown'].map((h) =>
        processServiceCheckResult(Date.now(), svc(h), ok.state, ok.output),
      ),
    );
    const s = await nagios
      .waitForStatus(
        (st) => get(st, 'fast-known')?.state === 2 && get(st, 'fast-unknown')?.state === 3,
        40_000,
        'fast-known CRITICAL and fast-unknown UNKNOWN from corral check',
      )
      .catch(async (err: Error) => {
        const st = await nagios.status();
        const log = (await nagios.logText()).split('\n').filter((l) => l.includes('fast-'));
        throw new Error(
          `${err.message}: ${JSON.stringify([get(st, 'fast-known'), get(st, 'fast-unknown')])}\n${log.join('\n')}`,
        );
      });
    expect(get(s, 'fast-known')!.output).toMatch(/^CRITICAL - no buildbot start for 10m$/);
    expect(get(s, 'fast-known')!.perfdata).toMatch(/^age=6\d\ds$/);
    expect(get(s, 'fast-unknown')!.output).toMatch(
      /^UNKNOWN - the collector at http:\/\/127\.0\.0\.1:\d+ answered 404: no slave named "fast-unknown"/,
    );
    const log = await nagios.logText();
    expect(log).toMatch(/results of service 'buildbot-start' on host 'fast-known' are stale/);
  }, 60_000);

  test('a forced check asks the collector at once', async () => {
    const posted = await postJson(`${collector.url}/api/v1/heartbeats`, {
      slave: 'talos-0002',
      master: 'bm02',
    });
    expect(posted.status).toBe(202);
    const crit = heartbeatResult('critical', null, 'stale state');
    await nagios.writer.write([
      processServiceCheckResult(Date.now(), svc('talos-0002'), crit.state, crit.output),
    ]);
    await nagios.waitForStatus((s) => get(s, 'talos-0002')?.state === 2, 20_000, 'CRITICAL');
    await nagios.writer.write([scheduleForcedServiceCheck(Date.now(), svc('talos-0002'))]);
    const s = await nagios.waitForStatus(
      (st) => get(st, 'talos-0002')?.state === 0,
      20_000,
      'talos-0002 OK after a forced check',
    );
    expect(get(s, 'talos-0002')!.output).toMatch(/^OK - buildbot started \d+s ago on bm02$/);
  });

  test('a bulk downtime of 200 slaves: few writes, right author, comment and times; then cancelled by id', async () => {
    const targets = SLAVES.slice(100, 300);
    const now = Date.now();
    const start = now + 60_000;
    const end = start + 2 * 3600_000;
    const lines = targets.map((h) =>
      scheduleServiceDowntime(now, svc(h), {
        startMs: start,
        endMs: end,
        fixed: true,
        author: 'jdoe',
        comment: 'bug 1234: reimage; then back to the pool',
      }),
    );
    const result = await nagios.writer.write(lines);
    expect(result.lines).toBe(200);
    expect(result.writes).toBe(packLines(lines).length);
    expect(result.writes).toBeLessThanOrEqual(Math.ceil(result.bytes / 4096) + 1);

    const s = await nagios.waitForStatus(
      (st) => st.downtimes.filter((d) => targets.includes(d.host)).length === 200,
      30_000,
      '200 downtimes',
    );
    const ours = s.downtimes.filter((d) => targets.includes(d.host));
    expect(new Set(ours.map((d) => d.host))).toEqual(new Set(targets));
    for (const d of ours) {
      expect(d).toMatchObject({
        service: SERVICE,
        author: 'jdoe',
        comment: 'bug 1234: reimage, then back to the pool',
        start: Math.floor(start / 1000) * 1000,
        end: Math.floor(end / 1000) * 1000,
        fixed: true,
        durationSeconds: 7200,
        inEffect: false,
      });
    }
    // What a console would show for one of them.
    expect(mutingOf(s, svc('talos-0150'))).toMatchObject({
      kind: 'downtime',
      author: 'jdoe',
      end: new Date(Math.floor(end / 1000) * 1000).toISOString(),
      inEffect: false,
    });

    const cancel = await nagios.writer.write(
      ours.map((d) => deleteServiceDowntime(Date.now(), d.id)),
    );
    expect(cancel.lines).toBe(200);
    await nagios.waitForStatus(
      (st) => !st.downtimes.some((d) => targets.includes(d.host)),
      30_000,
      'the 200 downtimes gone',
    );
  });

  test('a fixed downtime starting now is in effect; a flexible one waits for a problem', async () => {
    const now = Date.now();
    await nagios.writer.write([
      scheduleServiceDowntime(now, svc('talos-0400'), {
        startMs: now,
        endMs: now + 30 * 86400_000,
        fixed: true,
        author: 'asmith',
        comment: 'slow pool: idle on purpose',
      }),
      scheduleServiceDowntime(now, svc('talos-0401'), {
        startMs: now,
        endMs: now + 86400_000,
        fixed: false,
        durationSeconds: 3600,
        author: 'asmith',
        comment: 'flexible',
      }),
    ]);
    const s = await nagios.waitForStatus(
      (st) =>
        get(st, 'talos-0400')?.downtimeDepth === 1 &&
        st.downtimes.some((d) => d.host === 'talos-0401'),
      20_000,
      'two downtimes',
    );
    expect(mutingOf(s, svc('talos-0400'))).toMatchObject({
      kind: 'downtime',
      inEffect: true,
      fixed: true,
      author: 'asmith',
      comment: 'slow pool: idle on purpose',
    });
    const d = s.downtimes.find((x) => x.host === 'talos-0400')!;
    expect((d.end - d.start) / 1000).toBe(30 * 86400);
    expect(s.downtimes.find((x) => x.host === 'talos-0401')).toMatchObject({
      fixed: false,
      durationSeconds: 3600,
      inEffect: false,
    });
  });

  test('acknowledge (sticky, with comment) and remove the acknowledgement', async () => {
    const targets = SLAVES.slice(500, 520);
    const crit = heartbeatResult('critical', null, 'cannot reach master');
    await nagios.writer.write(
      targets.map((h) => processServiceCheckResult(Date.now(), svc(h), crit.state, crit.output)),
    );
    await nagios.waitForStatus(
      (s) => targets.every((h) => get(s, h)?.state === 2),
      20_000,
      '20 CRITICAL services',
    );
    await nagios.writer.write(
      targets.map((h) =>
        acknowledgeServiceProblem(Date.now(), svc(h), {
          author: 'jdoe',
          comment: 'known: bug 99\nwill reimage',
        }),
      ),
    );
    const s = await nagios.waitForStatus(
      (st) => targets.every((h) => get(st, h)?.acknowledged),
      20_000,
      '20 acknowledgements',
    );
    for (const h of targets) {
      expect(acknowledgementOf(s, h, SERVICE)).toMatchObject({
        author: 'jdoe',
        comment: 'known: bug 99 will reimage',
        sticky: true,
      });
    }
    expect(mutingOf(s, svc(targets[0]!))).toEqual({
      kind: 'acknowledgement',
      author: 'jdoe',
      comment: 'known: bug 99 will reimage',
      sticky: true,
    });

    await nagios.writer.write(targets.map((h) => removeServiceAcknowledgement(Date.now(), svc(h))));
    const after = await nagios.waitForStatus(
      (st) => targets.every((h) => !get(st, h)?.acknowledged),
      20_000,
      'acknowledgements removed',
    );
    expect(mutingOf(after, svc(targets[0]!))).toBeNull();
  });

  test('crafted names, comments and messages inject nothing: the log shows only our commands', async () => {
    const before = (await nagios.externalCommands()).length;
    const now = Date.now();
    const epoch = Math.floor(now / 1000);
    // Names are refused before anything is written.
    for (const name of [
      `talos-0600\n[${epoch}] SHUTDOWN_PROGRAM`,
      'talos-0600;x',
      'talos-0600\r',
    ]) {
      expect(() => serviceFor(name, DEFAULT_MAPPING)).toThrow(NagiosInputError);
    }
    expect(() =>
      serviceFor('talos-0600', DEFAULT_MAPPING, {
        nagios_service: `x\n[${epoch}] DISABLE_NOTIFICATIONS`,
      }),
    ).toThrow(NagiosInputError);
    // Free text is flattened: one command each.
    const evil = `bug 1\n[${epoch}] DISABLE_NOTIFICATIONS\r\n[${epoch}] SCHEDULE_FORCED_SVC_CHECK;talos-0601;${SERVICE};${epoch}`;
    const lines = [
      acknowledgeServiceProblem(now, svc('talos-0600'), { author: 'jdoe', comment: evil }),
      scheduleServiceDowntime(now, svc('talos-0600'), {
        startMs: now,
        endMs: now + 3600_000,
        fixed: true,
        author: 'jdoe',
        comment: evil,
      }),
      processServiceCheckResult(now, svc('talos-0602'), 2, { text: evil }),
    ];
    await nagios.writer.write(lines);
    // A plain result written after them: Nagios reads the FIFO in order, so once it logged this
    // one it has logged anything it took from our bytes before it.
    const sentinel = processServiceCheckResult(Date.now(), svc('talos-0603'), 0, { text: 'done' });
    await nagios.writer.write([sentinel]);
    const strip = (l: string) => l.replace(/^\[\d+\] /, '');
    const commands = await waitFor(
      async () => {
        const all = (await nagios.externalCommands()).slice(before);
        return all.includes(strip(sentinel)) && all;
      },
      20_000,
      'the sentinel command in the Nagios log',
    );
    expect(commands).toEqual([...lines, sentinel].map(strip));
    const log = await nagios.logText();
    expect(log).not.toMatch(/EXTERNAL COMMAND: (DISABLE_NOTIFICATIONS|SHUTDOWN_PROGRAM)/);
    expect(log).not.toMatch(/EXTERNAL COMMAND: SCHEDULE_FORCED_SVC_CHECK;talos-0601/);
    const s = await nagios.waitForStatus(
      (st) => st.downtimes.some((d) => d.host === 'talos-0600'),
      20_000,
      'the crafted downtime',
    );
    expect(s.downtimes.find((d) => d.host === 'talos-0600')!.comment).toBe(
      `bug 1 [${epoch}] DISABLE_NOTIFICATIONS [${epoch}] SCHEDULE_FORCED_SVC_CHECK,talos-0601,${SERVICE},${epoch}`,
    );
  });

  test('with Nagios stopped, writing fails at once with "Nagios is not reading <path>"', async () => {
    await nagios.stop();
    // No reader is an error at open (O_NONBLOCK): no retry, no timer. A hang would be this
    // test's timeout; a full pipe's retries would end in another message.
    const err = await nagios.writer
      .write([processServiceCheckResult(Date.now(), svc('talos-0000'), 0, { text: 'x' })])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFileError);
    expect((err as Error).message).toBe(`Nagios is not reading ${nagios.commandFile}`);
  });
});
