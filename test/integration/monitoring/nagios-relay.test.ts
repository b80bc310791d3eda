// Nagios on another host: a real Nagios and `corral nagios-relay` in one temp directory, the
// collector in another (nothing shared but loopback). Heartbeats reach status.dat, a bulk downtime
// is confirmed from status.dat sent back, crafted names and text change nothing (through the
// collector, and sent straight to the relay by a hostile "collector", a test-side WebSocket server),
// and the relay connects again after the collector restarts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ActionView } from '../../../src/domain/protocol.js';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import { serviceKey } from '../../../src/nagios/status-file.js';
import { freePort, runCorral } from '../agent/run-cli.js';
import { makePki } from '../../support/pki.js';
import {
  CORRAL_BIN,
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
const SLAVES = Array.from({ length: 50 }, (_, i) => `relay-${String(i).padStart(3, '0')}`);
const OPERATOR = 'operator-token-relay-0123456789';
const RELAY = 'relay-token-0123456789abcdef';
const INTENDED = new Set([
  'PROCESS_SERVICE_CHECK_RESULT',
  'SCHEDULE_SVC_DOWNTIME',
  'DEL_SVC_DOWNTIME',
  'ACKNOWLEDGE_SVC_PROBLEM',
  'REMOVE_SVC_ACKNOWLEDGEMENT',
  'SCHEDULE_FORCED_SVC_CHECK',
]);

interface Relay {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `corral nagios-relay` as the Nagios host runs it, its JSON log lines kept. */
function startRelay(dir: string, collectorUrl: string, extra: string[] = []): Relay {
  const child = spawn(
    process.execPath,
    [
      CORRAL_BIN,
      'nagios-relay',
      '--collector',
      collectorUrl,
      '--token-file',
      path.join(dir, 'relay-token'),
      '--config',
      path.join(dir, 'relay.yaml'),
      ...extra,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORRAL_TOKEN: '' } },
  );
  const logs: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ raw: line });
    }
  });
  child.stderr!.on('data', (d: Buffer) => logs.push({ stderr: d.toString() }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.skipIf(!hasNagios)('Nagios on another host, through corral nagios-relay', () => {
  let nagiosSide: string;
  let collectorDir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  let relay: Relay;
  let port: number;
  let collectorConfig: string;
  const op = { authorization: `Bearer ${OPERATOR}` };
  const corral = (args: string[]) =>
    runCorral(args, { CORRAL_URL: collector.url, CORRAL_TOKEN: OPERATOR });
  const beat = (slave: string, body: Record<string, unknown> = {}) =>
    postJson(`${collector.url}/api/v1/heartbeats`, { slave, ...body }, op);
  const detail = async (name: string) =>
    (await getJson<{ slave: SlaveDetail }>(`${collector.url}/api/v1/slaves/${name}`, op)).body
      .slave;
  const svc = (s: Awaited<ReturnType<NagiosInstance['status']>>, host: string) =>
    s.services.get(serviceKey(host, SERVICE));

  beforeAll(async () => {
    nagiosSide = await mkdtemp(path.join(tmpdir(), 'corral-relay-nagios-host-'));
    collectorDir = await mkdtemp(path.join(tmpdir(), 'corral-relay-collector-host-'));
    nagios = await startNagios({ objects: passiveObjects(SLAVES) });
    await writeFile(
      path.join(nagiosSide, 'relay.yaml'),
      [
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${nagios.statusFile}`,
        '  status_interval: 1s',
        '',
      ].join('\n'),
    );
    await writeFile(path.join(nagiosSide, 'relay-token'), `${RELAY}\n`);
    await writeFile(
      path.join(collectorDir, 'inventory.yaml'),
      ['slaves:', ...SLAVES.map((s) => `  - ${s}`), ''].join('\n'),
    );
    port = await freePort();
    collectorConfig = [
      `inventory: ${path.join(collectorDir, 'inventory.yaml')}`,
      'tokens:',
      `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
      `  - {name: nagios-host, role: relay, token: ${RELAY}}`,
      'nagios:',
      '  relay: true',
      '  confirm_within: 20s',
      '',
    ].join('\n');
    collector = await startCollector({
      dir: collectorDir,
      config: collectorConfig,
      args: ['--listen', `127.0.0.1:${port}`],
    });
    relay = startRelay(nagiosSide, collector.url);
    // The relay's first status.dat reached the collector: the detail shows the remote service.
    await waitFor(
      async () => (await detail('relay-000')).nagios?.backend === 'nagios-remote',
      30_000,
      "the relay's status.dat in the collector",
    );
  }, 120_000);

  afterAll(async () => {
    await relay?.stop();
    await collector?.stop();
    await nagios?.cleanup();
    for (const d of [nagiosSide, collectorDir])
      if (d) await rm(d, { recursive: true, force: true });
  });

  test('a relay token may not watch, and a viewer may not relay', async () => {
    const stream = await getJson(`${collector.url}/api/v1/slaves`, {
      authorization: `Bearer ${RELAY}`,
    });
    expect(stream.status).toBe(403);
    expect(stream.body).toEqual({
      error: 'token "nagios-host" has role relay, which may not watch slaves',
    });
  });

  test('heartbeats reach status.dat through the relay', async () => {
    expect((await beat('relay-001', { master: 'bm01' })).status).toBe(202);
    expect(
      (await beat('relay-002', { kind: 'critical', message: 'cannot reach bm02' })).status,
    ).toBe(202);
    const s = await nagios.waitForStatus(
      (st) =>
        svc(st, 'relay-001')?.output === 'buildbot started on bm01' &&
        svc(st, 'relay-002')?.state === 2,
      20_000,
      'both results in status.dat',
    );
    expect(svc(s, 'relay-001')).toMatchObject({ state: 0, hasBeenChecked: true });
    expect(svc(s, 'relay-002')?.output).toBe('cannot reach bm02');
    // And back: the collector's detail shows what the relay read from status.dat.
    await waitFor(
      async () => (await detail('relay-002')).nagios?.state === 'CRITICAL',
      15_000,
      'relay-002 CRITICAL in the detail',
    );
  }, 60_000);

  test('a bulk downtime is confirmed from the status.dat the relay sends back, and mutes', async () => {
    const run = await corral([
      'downtime',
      '--match',
      '^relay-',
      '--for',
      '2h',
      '--comment',
      'moving racks',
      '--yes',
      '--wait',
    ]);
    expect(run.stderr).toContain('schedule a 2h downtime on 50 slave(s)');
    expect(run.code).toBe(0);
    const s = await nagios.status();
    const mine = s.downtimes.filter((d) => d.author === 'jdoe' && d.comment === 'moving racks');
    expect(new Set(mine.map((d) => d.host))).toEqual(new Set(SLAVES));
    const { body } = await getJson<{ actions: ActionView[] }>(
      `${collector.url}/api/v1/actions?limit=1`,
      op,
    );
    expect(body.actions[0]).toMatchObject({ kind: 'downtime', author: 'jdoe' });
    expect(body.actions[0]!.counts.confirmed).toBe(50);
    const muted = await waitFor(
      async () => (await detail('relay-007')).muted,
      15_000,
      'relay-007 muted',
    );
    expect(muted).toMatchObject({ kind: 'downtime', author: 'jdoe', comment: 'moving racks' });

    const cancel = await corral(['downtime', '--cancel', '--match', '^relay-', '--yes', '--wait']);
    expect(cancel.code).toBe(0);
    expect((await nagios.status()).downtimes.filter((d) => d.comment === 'moving racks')).toEqual(
      [],
    );
  }, 90_000);

  test('a crafted comment sent through the collector injects nothing', async () => {
    const comment = 'late\n[0] DEL_ALL_SVC_DOWNTIME;relay-010;buildbot-start; x;y\r\u001b[2J';
    const run = await corral([
      'downtime',
      'relay-010',
      '--for',
      '1h',
      '--comment',
      comment,
      '--yes',
      '--wait',
    ]);
    expect(run.code).toBe(0);
    const d = (await nagios.status()).downtimes.find((x) => x.host === 'relay-010')!;
    expect(d.comment).toBe('late [0] DEL_ALL_SVC_DOWNTIME,relay-010,buildbot-start, x,y ␛[2J');
    const names = new Set((await nagios.externalCommands()).map((c) => c.split(';')[0]));
    expect([...names].filter((n) => !INTENDED.has(n!))).toEqual([]);
    await corral(['downtime', '--cancel', 'relay-010', '--yes', '--wait']);
  }, 60_000);

  test('crafted requests sent straight to the relay by a hostile collector are refused, each target alone', async () => {
    // The relay does not trust its collector: it checks names and text again before any line.
    const hostile = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api/v1/relay' });
    await new Promise((r) => hostile.once('listening', r));
    const hostilePort = (hostile.address() as AddressInfo).port;
    const connected = new Promise<WebSocket>((resolve) => hostile.once('connection', resolve));
    const second = startRelay(nagiosSide, `http://127.0.0.1:${hostilePort}`);
    try {
      const ws = await connected;
      const replies: Array<Record<string, unknown>> = [];
      ws.on('message', (d) => replies.push(JSON.parse(d.toString()) as Record<string, unknown>));
      const ask = async (request: Record<string, unknown>) => {
        ws.send(JSON.stringify(request));
        return waitFor(
          () => replies.find((r) => r.type === 'answers' && r.id === request.id),
          15_000,
          `answers to ${String(request.id)}`,
        );
      };
      const before = (await nagios.externalCommands()).length;
      const act = await ask({
        type: 'act',
        id: 1,
        preview: false,
        action: { kind: 'ack', author: 'mallory', comment: 'x', sticky: true },
        targets: [
          { host: 'relay-020\n[0] SHUTDOWN_PROGRAM', service: SERVICE },
          { host: 'relay-021;x', service: SERVICE },
          { host: 'relay-022', service: `${SERVICE};DEL_ALL` },
        ],
      });
      expect(act.answers).toEqual([
        { outcome: 'refused', reason: expect.stringMatching(/^host ".*" is refused/) },
        { outcome: 'refused', reason: expect.stringMatching(/^host ".*" is refused/) },
        { outcome: 'refused', reason: expect.stringMatching(/^service ".*" is refused/) },
      ]);
      const author = await ask({
        type: 'act',
        id: 2,
        preview: false,
        action: {
          kind: 'downtime',
          start: Date.now(),
          end: Date.now() + 3600_000,
          fixed: true,
          author: 'eve;x',
          comment: 'y',
        },
        targets: [{ host: 'relay-023', service: SERVICE }],
      });
      expect(author.answers).toEqual([
        { outcome: 'unsent', reason: expect.stringMatching(/author "eve;x" is refused/) },
      ]);
      const perf = await ask({
        type: 'submit',
        id: 3,
        results: [
          {
            target: { host: 'relay-024', service: SERVICE },
            state: 0,
            output: { text: 'ok', perfdata: 'a=1\n[0] SHUTDOWN_PROGRAM' },
          },
        ],
      });
      expect(perf.answers).toEqual([
        { outcome: 'refused', reason: expect.stringMatching(/^perfdata ".*" is refused/) },
      ]);
      const shape = await ask({
        type: 'act',
        id: 4,
        preview: false,
        action: { kind: 'shell' },
        targets: [],
      });
      expect(shape.answers).toEqual([
        {
          outcome: 'refused',
          reason: expect.stringMatching(/^the relay refused the request: action/),
        },
      ]);
      // A well-formed request from the same connection is carried out: the relay was listening.
      const fine = await ask({
        type: 'submit',
        id: 5,
        results: [
          { target: { host: 'relay-025', service: SERVICE }, state: 1, output: { text: 'marker' } },
        ],
      });
      expect(fine.answers).toEqual([{ outcome: 'sent' }]);
      await nagios.waitForStatus((st) => svc(st, 'relay-025')?.output === 'marker', 15_000);
      const after = await nagios.externalCommands();
      expect(after.slice(before).map((c) => c.split(';')[0])).toEqual([
        'PROCESS_SERVICE_CHECK_RESULT',
      ]);
    } finally {
      await second.stop();
      await new Promise((r) => hostile.close(r));
    }
  }, 60_000);

  test('without its relay a collector is degraded, says why, fails actions at once and still takes heartbeats', async () => {
    const alone = await startCollector({
      config: collectorConfig.replace(
        `inventory: ${path.join(collectorDir, 'inventory.yaml')}\n`,
        '',
      ),
    });
    let late: Relay | null = null;
    try {
      const health = await getJson<{
        status: string;
        problems: Array<{ part: string; problem: string }>;
      }>(`${alone.url}/healthz`);
      expect(health.status).toBe(503);
      expect(health.body.problems).toEqual([
        expect.objectContaining({
          part: 'nagios-relay',
          problem:
            'the Nagios relay is not connected: run corral nagios-relay on the Nagios host with a token of role relay (docs/nagios.md)',
        }),
      ]);
      expect(
        (await postJson(`${alone.url}/api/v1/heartbeats`, { slave: 'relay-040' }, op)).status,
      ).toBe(202);
      const started = Date.now();
      const run = await runCorral(
        ['downtime', 'relay-040', '--for', '1h', '--comment', 'x', '--yes', '--wait'],
        { CORRAL_URL: alone.url, CORRAL_TOKEN: OPERATOR },
      );
      expect(run.code).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('relay-040: the Nagios relay is not connected');
      expect(Date.now() - started).toBeLessThan(20_000);
      // Once a relay connects, the collector is well again.
      late = startRelay(nagiosSide, alone.url);
      await waitFor(
        async () => (await getJson(`${alone.url}/healthz`)).status === 200,
        30_000,
        '/healthz well with the relay connected',
      );
    } finally {
      await late?.stop();
      await alone.stop();
      alone.cleanup();
    }
  }, 90_000);

  test('with tls: the relay verifies the collector against --ca, and refuses one its CA does not vouch for', async () => {
    const pki = makePki();
    const secure = await startCollector({
      config: [
        `tls: {cert: ${JSON.stringify(pki.cert)}, key: ${JSON.stringify(pki.key)}}`,
        collectorConfig.replace(`inventory: ${path.join(collectorDir, 'inventory.yaml')}\n`, ''),
      ].join('\n'),
    });
    const relays: Relay[] = [];
    try {
      expect(secure.url).toMatch(/^https:/);
      const wrong = startRelay(nagiosSide, secure.url, ['--ca', pki.otherCa]);
      relays.push(wrong);
      await waitFor(
        () =>
          wrong.logs.find((l) =>
            String(l.msg).includes(`its certificate is not trusted by the CA in ${pki.otherCa}`),
          ),
        20_000,
        'the relay refusing a collector its CA does not vouch for',
      );
      const right = startRelay(nagiosSide, secure.url, ['--ca', pki.ca]);
      relays.push(right);
      await waitFor(
        () => right.logs.some((l) => l.msg === 'connected to the collector'),
        20_000,
        'the relay connected over TLS',
      );
      const sent = await runCorral(
        ['beat', 'relay-045', '--critical', 'over tls', '--collector', secure.url, '--ca', pki.ca],
        { CORRAL_TOKEN: OPERATOR },
      );
      expect(sent.code).toBe(0);
      await nagios.waitForStatus(
        (st) => svc(st, 'relay-045')?.output === 'over tls',
        30_000,
        'the result sent over TLS in status.dat',
      );
      expect(wrong.logs.some((l) => l.msg === 'connected to the collector')).toBe(false);
    } finally {
      for (const r of relays) await r.stop();
      await secure.stop();
      secure.cleanup();
      pki.cleanup();
    }
  }, 90_000);

  test('the relay connects again after the collector restarts, and results flow again', async () => {
    await collector.stop();
    collector = await startCollector({
      dir: collectorDir,
      config: collectorConfig,
      args: ['--listen', `127.0.0.1:${port}`],
    });
    expect(
      (await beat('relay-030', { kind: 'critical', message: 'after the restart' })).status,
    ).toBe(202);
    await nagios.waitForStatus(
      (st) => svc(st, 'relay-030')?.output.includes('after the restart') === true,
      30_000,
      'the result sent after the restart in status.dat',
    );
    expect(relay.child.exitCode).toBe(null);
    expect(relay.logs.filter((l) => l.msg === 'connected to the collector').length).toBe(2);
  }, 90_000);
});
