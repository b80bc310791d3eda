import { describe, expect, test } from 'vitest';
import type { SlaveView } from '../../../src/domain/slave.js';
import { pluginResult, unknown, usageError } from '../../../src/nagios/plugin-result.js';

const base: SlaveView = {
  name: 'talos-001',
  pool: null,
  master: 'bm01',
  state: 'ok',
  inInventory: true,
  attributes: {},
  firstSeen: null,
  lastStart: '2026-11-25T00:00:00.000Z',
  ageSeconds: 7380,
  lastHeartbeat: null,
  lastCritical: null,
  muted: null,
  mutes: [],
  reboot: null,
};

describe('corral check answers', () => {
  test.each([
    [{ state: 'ok' }, 0, 'OK - buildbot started 2h03m ago on bm01|age=7380s'],
    [{ state: 'late', ageSeconds: 21720 }, 1, 'WARNING - no buildbot start for 6h02m|age=21720s'],
    [{ state: 'dead', ageSeconds: 25200 }, 2, 'CRITICAL - no buildbot start for 7h00m|age=25200s'],
    [
      {
        state: 'critical',
        lastCritical: { at: '2026-11-25T00:00:00Z', message: 'no master|x\ny' },
      },
      2,
      'CRITICAL - no master/x y|age=7380s',
    ],
    [
      { state: 'never', ageSeconds: null, lastStart: null },
      2,
      'CRITICAL - no heartbeat ever received from talos-001',
    ],
    [
      { state: 'rebooting', reboot: { phase: 'rebooting', method: 'ipmi', since: 'x' } },
      1,
      'WARNING - rebooting (ipmi), waiting for a buildbot start|age=7380s',
    ],
    [
      { state: 'needs-hands', reboot: { phase: 'needs-hands', since: 'x' } },
      2,
      'CRITICAL - needs hands: every reboot method was tried and the slave did not come back|age=7380s',
    ],
  ] as Array<[Partial<SlaveView>, number, string]>)('%j → %i', (change, code, line) => {
    const r = pluginResult({ ...base, ...change });
    expect({ code: r.code, line: r.line }).toEqual({ code, line });
    expect(r.perfdata === undefined ? r.text : `${r.text}|${r.perfdata}`).toBe(line);
  });

  test("a slave's escapes, bidi overrides and line breaks reach Nagios as text, on one line", () => {
    const message =
      'ok\x1b]0;PWNED-TITLE\x07 \x1b[2J\x1b[31mRED\x1b[0m \x1b]52;c;cHduZWQ=\x07 end\r\n\u202enimda|x=1';
    const r = pluginResult({ ...base, state: 'critical', lastCritical: { at: 'x', message } });
    expect(r.line).toBe(
      'CRITICAL - ok␛]0;PWNED-TITLE␇ ␛[2J␛[31mRED␛[0m ␛]52;c;cHduZWQ=␇ end \\u202enimda/x=1|age=7380s',
    );
    expect(r.line).not.toMatch(/[\p{Cc}\u202e]/u);
  });

  test('UNKNOWN keeps the reason on one line, `;` included', () => {
    expect(unknown('cannot reach x; refused\nsecond')).toMatchObject({
      code: 3,
      line: 'UNKNOWN - cannot reach x; refused second',
    });
  });

  test('a usage error is UNKNOWN, one line; a `|` in what was typed starts no perfdata', () => {
    const r = usageError("corral check: unknown option '--a|b'", 'corral check SLAVE');
    expect(r).toEqual({
      code: 3,
      line: "UNKNOWN - corral check: unknown option '--a/b' (usage: corral check SLAVE)",
      text: "UNKNOWN - corral check: unknown option '--a/b' (usage: corral check SLAVE)",
    });
  });
});
