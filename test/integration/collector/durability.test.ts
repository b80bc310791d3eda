// A 202 means on disk: kill -9 the collector mid-stream, restart it, count what was acknowledged;
// each slave's history comes back whole, from the checkpointed rows and the log after them.
import { afterEach, describe, expect, it } from 'vitest';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import {
  getJson,
  postJson,
  queryStore,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

let running: RunningCollector[] = [];
afterEach(async () => {
  for (const r of running) await r.kill();
  running[0]?.cleanup();
  running = [];
});

describe('durability', () => {
  it('keeps every acknowledged heartbeat across kill -9', async () => {
    const first = await startCollector();
    running.push(first);
    const acknowledged = new Set<string>();
    // 16 senders in parallel, each a stream of single heartbeats, until the crash.
    const senders = Array.from({ length: 16 }, async (_, sender) => {
      for (let i = 0; ; i++) {
        const slave = `crash-${sender}-${i}`;
        try {
          const res = await postJson(`${first.url}/api/v1/heartbeats`, { slave });
          if (res.status === 202) acknowledged.add(slave);
        } catch {
          return; // the collector is gone: this one was never acknowledged
        }
      }
    });
    // The crash comes once 200 were acknowledged, however fast the machine is.
    await waitFor(() => acknowledged.size >= 200, 60_000, '200 acknowledged heartbeats');
    await first.kill();
    await Promise.all(senders);

    const second = await startCollector({ dir: first.dir });
    running.push(second);
    const { body } = await getJson<{ slaves: Array<{ name: string }> }>(
      `${second.url}/api/v1/slaves`,
    );
    const present = new Set(body.slaves.map((s) => s.name));
    const lost = [...acknowledged].filter((name) => !present.has(name));
    expect(lost).toEqual([]);
  }, 90_000);

  it("brings back each slave's history after kill -9, checkpointed or not", async () => {
    const config = 'history: {checkpoint: 1s}';
    const first = await startCollector({ config });
    running.push(first);
    const t0 = Date.now() - 3 * 3600_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const post = async (body: unknown) =>
      expect((await postJson(`${first.url}/api/v1/heartbeats`, body)).status).toBe(202);
    await post([
      ...['h-1', 'h-2', 'h-3'].map((slave) => ({ slave, at: at(0), pool: 'p' })),
      { slave: 'h-1', at: at(1) },
      { slave: 'h-1', kind: 'critical', message: 'cannot connect to master', at: at(2) },
    ]);
    // The checkpoint has these rows once it records their last heartbeat id (5).
    await waitFor(async () => {
      const [row] = await queryStore<{ through: number }>(
        first,
        'SELECT through FROM summary_checkpoint',
      );
      return (row?.through ?? 0) >= 5;
    }, 5000);
    // And these only the log has.
    await post([
      { slave: 'h-1', at: at(3) },
      { slave: 'h-2', kind: 'critical', message: 'disk full', at: at(4) },
      { slave: 'h-4', at: at(5), master: 'bm01' },
    ]);
    const names = ['h-1', 'h-2', 'h-3', 'h-4'];
    const details = async (url: string) =>
      Promise.all(
        names.map(async (name) => {
          const { body } = await getJson<{ slave: SlaveDetail }>(`${url}/api/v1/slaves/${name}`);
          // The age moves on with the clock between the two reads; what it is computed from
          // (lastStart) is compared.
          const { ageSeconds: _age, ...rest } = body.slave;
          return rest;
        }),
      );
    const before = await details(first.url);
    expect(before[0]!.starts.map((s) => s.at)).toEqual([at(3), at(1), at(0)]);
    await first.kill();

    const second = await startCollector({ dir: first.dir, config });
    running.push(second);
    expect(await details(second.url)).toEqual(before);
    // h-1, h-2 and h-4 had heartbeats after the checkpoint.
    expect(second.logs).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/up to date from the heartbeat log/),
        slaves: 3,
      }),
    );
  });

  it('stops gracefully on SIGTERM: exit 0, nothing lost', async () => {
    const first = await startCollector();
    running.push(first);
    const res = await postJson(`${first.url}/api/v1/heartbeats`, [
      { slave: 'g-1' },
      { slave: 'g-2', kind: 'critical' },
    ]);
    expect(res.status).toBe(202);
    expect(await first.stop()).toBe(0);
    expect(first.logs.at(-1)?.msg).toBe('stopped');
    const second = await startCollector({ dir: first.dir });
    running.push(second);
    const { body } = await getJson<{ slaves: Array<{ name: string; state: string }> }>(
      `${second.url}/api/v1/slaves`,
    );
    expect(body.slaves.map((s) => [s.name, s.state])).toEqual([
      ['g-2', 'critical'],
      ['g-1', 'ok'],
    ]);
  });

  it('refuses to start on a port in use, with one line', async () => {
    const first = await startCollector();
    running.push(first);
    await expect(startCollector({ args: ['--listen', `127.0.0.1:${first.port}`] })).rejects.toThrow(
      /exited with 1 before listening: corral: 127\.0\.0\.1:\d+ is already in use/,
    );
  });
});
