// The WebSocket feed: hello, snapshot, ordered deltas, coalescing, resync, slow and dead consoles.
import { afterEach, describe, expect, it } from 'vitest';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { StreamClient } from '../../support/stream-client.js';

let c: RunningCollector | undefined;
const clients: StreamClient[] = [];
const connect = (options = {}) => {
  const client = new StreamClient(c!.wsUrl, options);
  clients.push(client);
  return client;
};
const beat = (body: unknown) => postJson(`${c!.url}/api/v1/heartbeats`, body);

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await c?.stop();
  c?.cleanup();
  c = undefined;
});

describe('the stream', () => {
  it('sends hello, then a snapshot, then deltas numbered one after another', async () => {
    c = await startCollector();
    await beat([{ slave: 'a-1' }, { slave: 'a-2' }]);
    const client = connect();
    const snapshot = await client.next('snapshot');
    expect(client.messages[0]?.type).toBe('hello');
    expect(client.messages[1]).toBe(snapshot);
    expect(snapshot.slaves.map((s) => s.name).sort()).toEqual(['a-1', 'a-2']);

    await beat({ slave: 'a-3', master: 'bm07' });
    const first = await client.next('delta');
    expect(first.seq).toBe(snapshot.seq + 1);
    expect(first.changed.map((s) => s.name)).toContain('a-3');
    await beat({
      slave: 'a-1',
      kind: 'critical',
      message: 'cannot connect to master bm01:9010 for 10m',
    });
    const second = await client.next('delta', client.messages.indexOf(first) + 1);
    expect(second.seq).toBe(first.seq + 1);
    expect(second.changed).toEqual([expect.objectContaining({ name: 'a-1', state: 'critical' })]);
  });

  it('the hello carries the server time and thresholds, per pool', async () => {
    c = await startCollector({
      config: 'pools:\n  talos-r3-snow: {warning: 30h, critical: 36h}\n',
    });
    const client = connect();
    const hello = await client.next('hello');
    if (hello.type !== 'hello') throw new Error('expected hello');
    expect(Math.abs(Date.parse(hello.serverTime) - Date.now())).toBeLessThan(5000);
    expect(hello.thresholds.default).toEqual({ warningSeconds: 21600, criticalSeconds: 25200 });
    expect(hello.thresholds.pools['talos-r3-snow']).toEqual({
      warningSeconds: 108000,
      criticalSeconds: 129600,
    });
  });

  it('coalesces a burst into at most about ten deltas a second', async () => {
    c = await startCollector();
    const client = connect();
    await client.next('snapshot');
    const started = Date.now();
    // 200 separate requests, as 200 slaves starting at once would send them.
    await Promise.all(Array.from({ length: 200 }, (_, i) => beat({ slave: `burst-${i}` })));
    await waitFor(
      () => new Set(client.of('delta').flatMap((d) => d.changed.map((s) => s.name))).size === 200,
      10_000,
      'every slave in some delta',
    );
    const seconds = (Date.now() - started) / 1000;
    const deltas = client.of('delta');
    expect(deltas.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);
    deltas.forEach((d, i) => i > 0 && expect(d.seq).toBe(deltas[i - 1]!.seq + 1));
  });

  it('consoles connecting together share one snapshot, and none is served after a change', async () => {
    c = await startCollector();
    await beat({ slave: 'share-1' });
    const together = Array.from({ length: 5 }, () => connect());
    const snapshots = await Promise.all(together.map((client) => client.next('snapshot')));
    // Built once for the five (their server time is the build's), all alike.
    expect(new Set(snapshots.map((s) => s.serverTime)).size).toBeLessThan(5);
    for (const s of snapshots)
      expect(s).toEqual(snapshots.find((o) => o.serverTime === s.serverTime));
    // A change right after: a console connecting now must see it, in the snapshot or the delta
    // right after it, never a snapshot from before it with a later delta missing it.
    await beat({ slave: 'share-2' });
    await together[0]!.next('delta');
    const late = connect();
    const snapshot = await late.next('snapshot');
    expect(snapshot.seq).toBeGreaterThan(snapshots[0]!.seq);
    expect(snapshot.slaves.map((v) => v.name).sort()).toEqual(['share-1', 'share-2']);
  });

  it('sends a fresh snapshot on resync', async () => {
    c = await startCollector();
    await beat({ slave: 'r-1' });
    const client = connect();
    const first = await client.next('snapshot');
    client.socket.send(JSON.stringify({ type: 'resync' }));
    const second = await client.next('snapshot', client.messages.indexOf(first) + 1);
    expect(second.slaves.map((s) => s.name)).toEqual(['r-1']);
    client.socket.send('{"type":"reboot-everything"}');
    const error = await client.next('error');
    expect(error.error).toMatch(/unknown request type/);
  });

  it('a slave crosses into late with no heartbeat, and the stream says so', async () => {
    c = await startCollector({ config: 'thresholds: {warning: 2s, critical: 4s}\n' });
    await beat({ slave: 'tick-1' });
    const client = connect();
    await client.next('snapshot');
    const late = await waitFor(
      () =>
        client
          .of('delta')
          .find((d) => d.changed.some((s) => s.name === 'tick-1' && s.state === 'late')),
      8000,
      'tick-1 late',
    );
    expect(late).toBeTruthy();
    await waitFor(
      () =>
        client
          .of('delta')
          .some((d) => d.changed.some((s) => s.name === 'tick-1' && s.state === 'dead')),
      8000,
      'tick-1 dead',
    );
  });
});

describe('consoles that cannot keep up', () => {
  it('a console that stops reading misses deltas, then gets a snapshot when it drains', async () => {
    c = await startCollector({ config: 'stream: {max_buffered_bytes: 2048, max_behind: 60s}\n' });
    const slow = connect();
    const quick = connect();
    await slow.next('snapshot');
    await quick.next('snapshot');
    // Stop reading: the kernel buffers fill, then the collector's send buffer.
    slow.socket.pause();
    const message = 'x'.repeat(1000);
    for (let round = 0; round < 40; round++) {
      await beat(
        Array.from({ length: 200 }, (_, i) => ({ slave: `flood-${round}-${i}`, message })),
      );
    }
    await waitFor(
      () => quick.of('delta').flatMap((d) => d.changed).length >= 8000,
      20_000,
      'all deltas to the quick console',
    );
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    const snapshotsBefore = Number(/corral_console_snapshots_total (\d+)/.exec(metrics)?.[1]);
    slow.socket.resume();
    // It receives what was buffered, then a snapshot with everything, then the stream goes on.
    const snapshot = await waitFor(
      () => slow.of('snapshot').find((s) => s.slaves.length >= 8000),
      20_000,
      'a catch-up snapshot',
    );
    const seqs = slow.of('delta').map((d) => d.seq);
    expect(seqs.length).toBeLessThan(quick.of('delta').length);
    expect(snapshot.seq).toBeGreaterThanOrEqual(Math.max(...seqs));
    const after = await (await fetch(`${c.url}/metrics`)).text();
    expect(Number(/corral_console_snapshots_total (\d+)/.exec(after)?.[1])).toBeGreaterThan(
      snapshotsBefore,
    );
    await beat({ slave: 'after-catch-up' });
    const next = await slow.next('delta', slow.messages.indexOf(snapshot) + 1);
    expect(next.seq).toBe(snapshot.seq + 1);
  });

  it('a console that stays stuck is dropped, and the collector keeps serving', async () => {
    c = await startCollector({ config: 'stream: {max_buffered_bytes: 2048, max_behind: 1s}\n' });
    const stuck = connect();
    await stuck.next('snapshot');
    stuck.socket.pause();
    const message = 'x'.repeat(1000);
    for (let round = 0; round < 30; round++) {
      await beat(
        Array.from({ length: 200 }, (_, i) => ({ slave: `stuck-${round}-${i}`, message })),
      );
    }
    await waitFor(
      async () =>
        /corral_consoles_dropped_total\{reason="slow"\} 1/.test(
          await (await fetch(`${c!.url}/metrics`)).text(),
        ),
      15_000,
      'the stuck console to be dropped',
    );
    const health = await getJson<{ consoles: number }>(`${c.url}/healthz`);
    expect(health.body.consoles).toBe(0);
  });

  it('a console that asks for resync after resync without reading is sent one snapshot, then dropped', async () => {
    c = await startCollector({ config: 'stream: {max_buffered_bytes: 2048, max_behind: 2s}\n' });
    const message = 'x'.repeat(1000);
    for (let round = 0; round < 10; round++) {
      await beat(Array.from({ length: 200 }, (_, i) => ({ slave: `big-${round}-${i}`, message })));
    }
    const greedy = connect();
    await greedy.next('snapshot');
    const snapshots = async () =>
      Number(
        /corral_console_snapshots_total (\d+)/.exec(
          await (await fetch(`${c!.url}/metrics`)).text(),
        )?.[1],
      );
    const before = await snapshots();
    greedy.socket.pause();
    // Each snapshot is ~2 MB: 200 of them queued would be 400 MB in the collector.
    for (let i = 0; i < 200; i++) greedy.socket.send(JSON.stringify({ type: 'resync' }));
    // The farm goes on: deltas pile up behind the snapshot it does not read. They are large, so
    // that they fill the kernel's socket buffers (several MB on loopback) within the wait: while
    // the kernel still takes them, the collector holds nothing and rightly keeps the console.
    let n = 0;
    await waitFor(
      async () => {
        const round = n++;
        await beat(
          Array.from({ length: 200 }, (_, i) => ({ slave: `after-${round}-${i}`, message })),
        );
        return /corral_consoles_dropped_total\{reason="slow"\} 1/.test(
          await (await fetch(`${c!.url}/metrics`)).text(),
        );
      },
      15_000,
      'the greedy console to be dropped',
    );
    // Not 200: the kernel's socket buffers take the first few before the collector holds any.
    expect((await snapshots()) - before).toBeLessThanOrEqual(5);
  });

  it('a console that answers no ping is dropped', async () => {
    c = await startCollector({ config: 'stream: {ping_interval: 1s}\n' });
    const deaf = connect({ autoPong: false });
    const alive = connect();
    await deaf.next('snapshot');
    await alive.next('snapshot');
    await waitFor(() => deaf.closed, 8000, 'the deaf console to be closed');
    expect(alive.closed).toBe(false);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/corral_consoles_dropped_total\{reason="no_pong"\} 1/);
  });
});
