import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/collector/config.js';
import { heartbeatsFromBody } from '../../../src/collector/ingest.js';

const limits = loadSettings(undefined).limits;
const NOW = Date.parse('2026-11-25T12:00:00Z');
const ingest = (body: unknown) => heartbeatsFromBody(body, limits, NOW);

describe('heartbeatsFromBody', () => {
  it('accepts one heartbeat with defaults: kind start, stamped now', () => {
    expect(ingest({ slave: 'talos-r3-fed-001' })).toEqual({
      ok: true,
      heartbeats: [
        {
          slave: 'talos-r3-fed-001',
          kind: 'start',
          master: null,
          pool: null,
          message: null,
          at: NOW,
        },
      ],
    });
  });

  it('accepts a batch with every field', () => {
    const result = ingest([
      {
        slave: 'a',
        kind: 'critical',
        master: 'bm01:9010',
        pool: 'p',
        message: 'cannot connect',
        at: '2026-11-25T11:00:00Z',
      },
      { slave: 'b' },
    ]);
    expect(result.ok && result.heartbeats.map((h) => [h.slave, h.kind, h.at])).toEqual([
      ['a', 'critical', NOW - 3600_000],
      ['b', 'start', NOW],
    ]);
  });

  it.each([
    [{}, 'slave', /slave is required/],
    [{ slave: 42 }, 'slave', /slave/],
    [{ slave: 'bad name' }, 'slave', /slave must be a slave name/],
    [{ slave: 'a;b' }, 'slave', /slave name/],
    [{ slave: 'a', kind: 'stop' }, 'kind', /kind must be "start" or "critical"/],
    [{ slave: 'a', master: 'bm01\nPROCESS' }, 'master', /master/],
    [{ slave: 'a', message: 'x'.repeat(1025) }, 'message', /at most 1024/],
    [{ slave: 'a', at: 'yesterday' }, 'at', /ISO 8601/],
    [{ slave: 'a', at: '2026-11-17T11:59:00Z' }, 'at', /older than 7d/],
    [{ slave: 'a', at: '2026-11-25T12:06:00Z' }, 'at', /ahead of the collector clock/],
    [{ slave: 'a', colour: 'red' }, 'colour', /unknown field "colour"/],
    ['talos', '', /expected a JSON object/],
    [null, '', /expected a JSON object/],
    [[], '', /empty batch/],
  ])('refuses %j naming field %j', (body, field, message) => {
    const result = ingest(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.field).toBe(field);
      expect(result.problem.error).toMatch(message);
    }
  });

  it('accepts at exactly at its bounds', () => {
    expect(ingest({ slave: 'a', at: new Date(NOW - 7 * 86400_000).toISOString() }).ok).toBe(true);
    expect(ingest({ slave: 'a', at: new Date(NOW + 300_000).toISOString() }).ok).toBe(true);
  });

  it('fails a whole batch on one bad item, naming its index and field', () => {
    const result = ingest([{ slave: 'a' }, { slave: 'b' }, { slave: 'c', kind: 'reboot' }]);
    expect(result).toEqual({
      ok: false,
      problem: { field: '[2].kind', error: 'heartbeat [2]: kind must be "start" or "critical"' },
    });
  });

  it('refuses a batch over the limit', () => {
    const result = ingest(Array.from({ length: limits.batch + 1 }, (_, i) => ({ slave: `s${i}` })));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.error).toMatch(/at most 5000/);
  });
});
