// A bounded property run against the real collector (issue 17's fuzz suite): hostile heartbeat
// bodies and action requests over HTTP, hostile frames over the WebSocket. Every refusal is a 4xx
// with one printable line (or an `error` frame), nothing refused is stored, and the collector lives.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLAVE_NAME_PATTERN } from '../../../src/domain/names.js';
import type { ServerMessage } from '../../../src/domain/protocol.js';
import {
  getJson,
  postJson,
  startCollector,
  type RunningCollector,
} from '../../support/collector.js';
import { UNSAFE, actionBody, heartbeatBody, junk, nastyText } from '../../support/hostile.js';
import { StreamClient } from '../../support/stream-client.js';

const KNOWN = ['talos-001', 'talos-002', 'crit-1'];
/**
 * A few hundred cases each, about 10 s in all; new cases every run. A failure prints its seed and
 * path: pass them here (`{ numRuns, seed, path }`) to rerun exactly that case.
 */
const RUN = { numRuns: 200 };

/** Every `slave` value in a body that could name a slave, with a per-case prefix so cases never share one. */
function renamed(body: unknown, prefix: string, names: Set<string>): unknown {
  if (Array.isArray(body)) return body.map((b) => renamed(b, prefix, names));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if (typeof out.slave === 'string' && SLAVE_NAME_PATTERN.test(out.slave)) {
    out.slave = `${prefix}${out.slave}`.slice(0, 128);
    names.add(out.slave as string);
  }
  return out;
}

function expectRefusal(status: number, body: Record<string, unknown>, statuses: number[]) {
  expect(statuses).toContain(status);
  expect(typeof body.error).toBe('string');
  expect(body.error).not.toBe('');
  expect(body.error).not.toMatch(UNSAFE);
}

describe('hostile input against the real collector', () => {
  let collector: RunningCollector;

  beforeAll(async () => {
    // A command file that does not exist: actions are planned and recorded, then fail to write.
    collector = await startCollector({
      config: 'limits: {batch: 4}\nnagios: {command_file: nagios.cmd}\n',
    });
    for (const slave of KNOWN) {
      expect((await postJson(`${collector.url}/api/v1/heartbeats`, { slave })).status).toBe(202);
    }
  }, 30_000);

  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
  });

  it('heartbeat bodies: 202 and stored, or a 4xx and nothing stored', async () => {
    const accepted = new Set<string>();
    const refused = new Set<string>();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 9, arbitrary: heartbeatBody(Date.now()).map((b) => JSON.stringify(b)) },
          nastyText,
        ),
        async (text) => {
          const names = new Set<string>();
          let sent = text;
          try {
            sent = JSON.stringify(renamed(JSON.parse(text), `h${i++}-`, names));
          } catch {
            // not JSON: sent as it is
          }
          const res = await postJson(`${collector.url}/api/v1/heartbeats`, sent);
          if (res.status === 202) {
            for (const n of names) accepted.add(n);
            return;
          }
          expectRefusal(res.status, res.body, [400, 413]);
          for (const n of names) refused.add(n);
        },
      ),
      RUN,
    );
    const { body } = await getJson<{ slaves: Array<{ name: string }> }>(
      `${collector.url}/api/v1/slaves`,
    );
    const stored = new Set(body.slaves.map((s) => s.name));
    expect([...accepted].filter((n) => !stored.has(n))).toEqual([]);
    expect([...refused].filter((n) => stored.has(n))).toEqual([]);
    expect(accepted.size).toBeGreaterThan(0);
    expect(refused.size).toBeGreaterThan(0);
  }, 60_000);

  it('action requests: planned and recorded, or a 4xx and nothing recorded', async () => {
    const before = await getJson<{ actions: unknown[] }>(
      `${collector.url}/api/v1/actions?limit=500`,
    );
    let recorded = 0;
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(actionBody(Date.now(), KNOWN), async (body) => {
        const res = await postJson(`${collector.url}/api/v1/actions`, body);
        if (res.status === 202) recorded++;
        else if (res.status !== 200) {
          refusals++;
          // 503: a reboot on a collector without reboot methods (a setting, not the input).
          expectRefusal(res.status, res.body, [400, 503]);
          if (res.status === 503) {
            expect(['reboot', 'cancel-reboot']).toContain((body as { kind: unknown }).kind);
          }
        }
      }),
      RUN,
    );
    const after = await getJson<{ actions: unknown[] }>(
      `${collector.url}/api/v1/actions?limit=500`,
    );
    expect(after.body.actions.length - before.body.actions.length).toBe(recorded);
    expect(recorded).toBeGreaterThan(0);
    expect(refusals).toBeGreaterThan(0);
  }, 60_000);

  it('stream frames: each is answered (an error frame when refused) and the socket stays up', async () => {
    const client = new StreamClient(collector.wsUrl);
    try {
      await client.next('snapshot');
      let i = 0;
      const frame = fc.oneof(
        fc.record({ kind: fc.constant('junk' as const), text: nastyText, binary: fc.boolean() }),
        fc.record({
          kind: fc.constant('junk' as const),
          text: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
          binary: fc.constant(false),
        }),
        fc.record({
          kind: fc.constant('action' as const),
          body: actionBody(Date.now(), KNOWN),
          requestId: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, junk),
        }),
      );
      await fc.assert(
        fc.asyncProperty(frame, async (f) => {
          const from = client.messages.length;
          if (f.kind === 'junk') {
            // Junk frames (not resync, not action) are all answered by an error without a requestId.
            if (/"type":"(resync|action)"/.test(f.text)) return;
            client.socket.send(f.text, { binary: f.binary });
            const error = await arrival(
              client,
              from,
              (m) => m.type === 'error' && !('requestId' in m),
            );
            expect((error as { error: string }).error).not.toMatch(UNSAFE);
            return;
          }
          const fields =
            f.body !== null && typeof f.body === 'object' && !Array.isArray(f.body) ? f.body : {};
          const requestId = f.requestId === null ? `w${i++}` : f.requestId;
          client.socket.send(JSON.stringify({ ...fields, type: 'action', requestId }));
          const answer = await arrival(client, from, (m) => answers(m, requestId));
          if (answer.type === 'error') expect(answer.error).not.toMatch(UNSAFE);
        }),
        RUN,
      );
      expect(client.closed).toBe(false);
      // Still a working feed: a resync brings a snapshot.
      const from = client.messages.length;
      client.socket.send(JSON.stringify({ type: 'resync' }));
      await client.next('snapshot', from);
    } finally {
      client.close();
    }
  }, 60_000);

  it('the collector is still up and healthy enough to take a heartbeat', async () => {
    const res = await postJson(`${collector.url}/api/v1/heartbeats`, { slave: 'after-fuzz' });
    expect(res.status).toBe(202);
    expect(collector.process.exitCode).toBeNull();
  });
});

/** The first message from `from` on that passes, as soon as it arrives (no polling). */
function arrival(
  client: StreamClient,
  from: number,
  check: (m: ServerMessage) => boolean,
): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = client.messages.slice(from).find(check);
      if (!found) return;
      clearTimeout(timer);
      client.socket.off('message', look);
      resolve(found);
    };
    const timer = setTimeout(() => {
      client.socket.off('message', look);
      reject(new Error('no answer from the collector in 5 s'));
    }, 5000);
    // StreamClient's own listener came first: the message is recorded when this runs.
    client.socket.on('message', look);
    look();
  });
}

/** The answer to one request: its dry run, its action, or its error; an error without an id for a bad id. */
function answers(m: ServerMessage, requestId: unknown): boolean {
  const id = (m as { requestId?: unknown }).requestId;
  const valid = typeof requestId === 'string' && requestId !== '' && requestId.length <= 128;
  if (!valid) return m.type === 'error' && id === undefined;
  return id === requestId && ['error', 'dry-run', 'action'].includes(m.type);
}
