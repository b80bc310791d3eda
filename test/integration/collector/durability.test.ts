// A 202 means on disk: kill -9 the collector mid-stream, restart it, count what was acknowledged.
import { afterEach, describe, expect, it } from 'vitest';
import {
  getJson,
  postJson,
  startCollector,
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
    let stop = false;
    // 16 senders in parallel, each a stream of single heartbeats, until the crash.
    const senders = Array.from({ length: 16 }, async (_, sender) => {
      for (let i = 0; !stop; i++) {
        const slave = `crash-${sender}-${i}`;
        try {
          const res = await postJson(`${first.url}/api/v1/heartbeats`, { slave });
          if (res.status === 202) acknowledged.add(slave);
        } catch {
          return; // the collector is gone: this one was never acknowledged
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await first.kill();
    stop = true;
    await Promise.all(senders);
    expect(acknowledged.size).toBeGreaterThan(100);

    const second = await startCollector({ dir: first.dir });
    running.push(second);
    const { body } = await getJson<{ slaves: Array<{ name: string }> }>(
      `${second.url}/api/v1/slaves`,
    );
    const present = new Set(body.slaves.map((s) => s.name));
    const lost = [...acknowledged].filter((name) => !present.has(name));
    expect(lost).toEqual([]);
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
