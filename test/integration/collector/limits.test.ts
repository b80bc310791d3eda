// The collector's bounds against a careless or hostile client, on the real collector: an upload
// the client gives up on, and heartbeats that would create slaves without end.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, waitFor, type RunningCollector } from '../../support/collector.js';

describe('an aborted upload', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector({ env: { CORRAL_LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await c.stop();
    c.cleanup();
  });

  it('is a debug line, not an internal error with a stack', async () => {
    const socket = connect(c.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write(
      'POST /api/v1/heartbeats HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n[{"slave": "half-',
    );
    // The head and half the body arrive before the close: the collector is reading the body.
    socket.destroy();
    const gone = await waitFor(
      () => c.logs.find((l) => l.msg === 'client went away before its request was read'),
      10_000,
      'the debug line',
    );
    expect(gone).toMatchObject({ level: 20, method: 'POST', url: '/api/v1/heartbeats' });
    expect(c.logs.filter((l) => Number(l.level) >= 50 || 'err' in l)).toEqual([]);
  });
});
