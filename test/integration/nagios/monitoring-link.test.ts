// The monitoring link in the stream: a collector wired to a real Nagios says in `hello` that it is
// reachable, says within seconds when Nagios stops (command file unread) or hangs (status.dat stale),
// and says when it is back; a collector wired to nothing says so.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MonitoringLink } from '../../../src/domain/protocol.js';
import { startCollector, type RunningCollector } from '../../support/collector.js';
import {
  hasNagios,
  passiveObjects,
  startNagios,
  type NagiosInstance,
} from '../../support/nagios.js';
import { StreamClient } from '../../support/stream-client.js';

/** Nagios polls each second, the collector's tick each second: a change shows within a few. */
const WITHIN_MS = 6000;

describe('a collector wired to no monitoring', () => {
  let collector: RunningCollector;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
  });

  test('hello says so', async () => {
    const stream = new StreamClient(collector.wsUrl);
    const hello = await stream.next('hello');
    stream.close();
    expect(hello.monitoring).toEqual({
      backend: 'none',
      reachable: false,
      problem: null,
      since: null,
    });
  });
});

describe.skipIf(!hasNagios)('a collector wired to a private Nagios', () => {
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  let stream: StreamClient;

  /** The next `monitoring` message after `from` messages that satisfies `ok`. */
  const nextLink = async (from: number, ok: (l: MonitoringLink) => boolean) => {
    const deadline = Date.now() + WITHIN_MS;
    for (;;) {
      const found = stream
        .of('monitoring')
        .filter((m) => stream.messages.indexOf(m) >= from)
        .find((m) => ok(m.monitoring));
      if (found) return found.monitoring;
      if (Date.now() > deadline) {
        throw new Error(
          `no such monitoring message within ${WITHIN_MS} ms; got ${JSON.stringify(stream.of('monitoring'))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    nagios = await startNagios({ objects: passiveObjects(['link-1']) });
    collector = await startCollector({
      config: [
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${nagios.statusFile}`,
        '  status_interval: 1s',
        '',
      ].join('\n'),
    });
    stream = new StreamClient(collector.wsUrl);
  }, 60_000);

  afterAll(async () => {
    stream?.close();
    await collector?.stop();
    collector?.cleanup();
    await nagios?.cleanup();
  });

  test('hello: nagios, reachable', async () => {
    const hello = await stream.next('hello');
    expect(hello.monitoring).toEqual({
      backend: 'nagios',
      reachable: true,
      problem: null,
      since: null,
    });
  });

  test('Nagios stopped: unreachable within seconds, naming the command file; back once restarted', async () => {
    const from = stream.messages.length;
    const stoppedAt = Date.now();
    await nagios.stop();
    const down = await nextLink(from, (l) => l.problem?.includes(nagios.commandFile) ?? false);
    expect(down.backend).toBe('nagios');
    expect(down.reachable).toBe(false);
    expect(Date.parse(down.since!)).toBeGreaterThanOrEqual(stoppedAt - 1000);
    expect(down.problem).not.toMatch(/[\n\r]/);

    const back = stream.messages.length;
    await nagios.restart();
    const up = await nextLink(back, (l) => l.reachable);
    expect(up).toEqual({ backend: 'nagios', reachable: true, problem: null, since: null });
  }, 60_000);

  test('Nagios hung (SIGSTOP): status.dat stale makes it unreachable; SIGCONT brings it back', async () => {
    const pid = nagios.pid()!;
    const from = stream.messages.length;
    process.kill(pid, 'SIGSTOP');
    try {
      const stale = await nextLink(from, (l) => !l.reachable);
      expect(stale.problem).toContain(nagios.statusFile);
      expect(stale.problem).toContain('is Nagios running?');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const back = stream.messages.length;
    const up = await nextLink(back, (l) => l.reachable);
    expect(up.problem).toBeNull();
  }, 60_000);

  test('a console connecting during an outage hears it in hello', async () => {
    const from = stream.messages.length;
    await nagios.stop();
    const down = await nextLink(from, (l) => !l.reachable);
    const late = new StreamClient(collector.wsUrl);
    const hello = await late.next('hello');
    late.close();
    expect(hello.monitoring).toEqual(down);
    await nagios.restart();
    await nextLink(stream.messages.length, (l) => l.reachable);
  }, 60_000);
});
