import { describe, expect, test } from 'vitest';
import {
  acknowledgeServiceProblem,
  checkComment,
  cleanText,
  deleteServiceDowntime,
  epochSeconds,
  freshnessResult,
  heartbeatResult,
  NagiosInputError,
  processServiceCheckResult,
  removeServiceAcknowledgement,
  scheduleForcedServiceCheck,
  scheduleServiceDowntime,
  TEXT_MAX_BYTES,
} from '../../../src/nagios/commands.js';

const NOW = Date.parse('2026-11-25T04:00:00.750Z');
const T = 1795579200; // NOW in epoch seconds, truncated
const svc = { host: 'talos-r3-fed-001', service: 'buildbot-start' };
const SIX_H = { warningSeconds: 21600, criticalSeconds: 25200 };

/** A command is safe when it is exactly one line with the expected number of `;`-fields. */
function fields(line: string): string[] {
  expect(line).not.toMatch(/[\r\n\u2028\u2029]/);
  return line.replace(/^\[\d+\] /, '').split(';');
}

describe('command lines', () => {
  test('PROCESS_SERVICE_CHECK_RESULT with output and perfdata', () => {
    expect(
      processServiceCheckResult(NOW, svc, 1, {
        text: 'no buildbot start for 6h02m',
        perfdata: 'age=21720s;21600;25200',
      }),
    ).toBe(
      `[${T}] PROCESS_SERVICE_CHECK_RESULT;talos-r3-fed-001;buildbot-start;1;no buildbot start for 6h02m|age=21720s;21600;25200`,
    );
  });

  test('SCHEDULE_SVC_DOWNTIME fixed: duration is end - start', () => {
    const line = scheduleServiceDowntime(NOW, svc, {
      startMs: NOW,
      endMs: NOW + 2 * 3600_000,
      fixed: true,
      author: 'jdoe',
      comment: 'bug 123: reimaging',
    });
    expect(line).toBe(
      `[${T}] SCHEDULE_SVC_DOWNTIME;talos-r3-fed-001;buildbot-start;${T};${T + 7200};1;0;7200;jdoe;bug 123: reimaging`,
    );
  });

  test('SCHEDULE_SVC_DOWNTIME flexible keeps its own duration', () => {
    const f = fields(
      scheduleServiceDowntime(NOW, svc, {
        startMs: NOW,
        endMs: NOW + 86400_000,
        fixed: false,
        durationSeconds: 3600,
        author: 'jdoe',
        comment: 'flex',
      }),
    );
    expect(f.slice(3, 8)).toEqual([String(T), String(T + 86400), '0', '0', '3600']);
  });

  test('a downtime of 30 days is exact seconds, whatever the local clock does', () => {
    const f = fields(
      scheduleServiceDowntime(NOW, svc, {
        startMs: Date.parse('2026-03-20T00:00:00Z'),
        endMs: Date.parse('2026-03-20T00:00:00Z') + 30 * 86400_000,
        fixed: true,
        author: 'jdoe',
        comment: 'across DST',
      }),
    );
    expect(Number(f[4]) - Number(f[3])).toBe(30 * 86400);
    expect(f[7]).toBe(String(30 * 86400));
  });

  test('a downtime that ends before it starts is refused', () => {
    expect(() =>
      scheduleServiceDowntime(NOW, svc, {
        startMs: NOW,
        endMs: NOW,
        fixed: true,
        author: 'a',
        comment: 'c',
      }),
    ).toThrow(/end after it starts/);
  });

  test('DEL_SVC_DOWNTIME takes a positive id only', () => {
    expect(deleteServiceDowntime(NOW, 42)).toBe(`[${T}] DEL_SVC_DOWNTIME;42`);
    for (const bad of [0, -1, 1.5, NaN]) {
      expect(() => deleteServiceDowntime(NOW, bad)).toThrow(NagiosInputError);
    }
  });

  test('ACKNOWLEDGE_SVC_PROBLEM is sticky and persistent by default, never notifies', () => {
    expect(acknowledgeServiceProblem(NOW, svc, { author: 'jdoe', comment: 'on it' })).toBe(
      `[${T}] ACKNOWLEDGE_SVC_PROBLEM;talos-r3-fed-001;buildbot-start;2;0;1;jdoe;on it`,
    );
    expect(
      fields(acknowledgeServiceProblem(NOW, svc, { author: 'j', comment: 'c', sticky: false }))[3],
    ).toBe('1');
  });

  test('REMOVE_SVC_ACKNOWLEDGEMENT and SCHEDULE_FORCED_SVC_CHECK', () => {
    expect(removeServiceAcknowledgement(NOW, svc)).toBe(
      `[${T}] REMOVE_SVC_ACKNOWLEDGEMENT;talos-r3-fed-001;buildbot-start`,
    );
    expect(scheduleForcedServiceCheck(NOW, svc)).toBe(
      `[${T}] SCHEDULE_FORCED_SVC_CHECK;talos-r3-fed-001;buildbot-start;${T}`,
    );
  });

  test('epoch seconds truncate milliseconds and refuse nonsense', () => {
    expect(epochSeconds(1999)).toBe(1);
    expect(() => epochSeconds(NaN)).toThrow(NagiosInputError);
    expect(() => epochSeconds(-1)).toThrow(NagiosInputError);
  });
});

describe('injection is impossible', () => {
  const crafted = [
    'evil\n[0] DISABLE_NOTIFICATIONS',
    'evil\r[0] SHUTDOWN_PROGRAM',
    'evil;host',
    'evil host',
    '',
    '-leading',
    'a'.repeat(256),
    'uni\u2028code',
    'tab\there',
  ];

  test.each(crafted)('host %j is refused with the field and the escaped value', (host) => {
    let caught: unknown;
    try {
      processServiceCheckResult(NOW, { host, service: 'buildbot-start' }, 0, { text: 'ok' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NagiosInputError);
    expect((caught as NagiosInputError).field).toBe('host');
    expect((caught as Error).message).not.toMatch(/[\r\n]/);
  });

  test.each(['buildbot;start', 'buildbot\nstart', 'two  spaces', ' lead', 'trail ', 'x$y'])(
    'service %j is refused',
    (service) => {
      expect(() => removeServiceAcknowledgement(NOW, { host: 'h', service })).toThrow(
        NagiosInputError,
      );
    },
  );

  test('a service description with single inner spaces is fine', () => {
    expect(removeServiceAcknowledgement(NOW, { host: 'h', service: 'buildbot start' })).toContain(
      ';h;buildbot start',
    );
  });

  test.each(['jdoe;x', 'jdoe\nx', '', 'a'.repeat(65)])('author %j is refused', (author) => {
    expect(() => acknowledgeServiceProblem(NOW, svc, { author, comment: 'c' })).toThrow(
      /author .* is refused/,
    );
  });

  test('a comment with newlines and control characters stays on one line, in its own field', () => {
    const comment = 'reimage\n[1795579200] SHUTDOWN_PROGRAM\r\x1b[31m;red\x00';
    const line = acknowledgeServiceProblem(NOW, svc, { author: 'jdoe', comment });
    const f = fields(line);
    expect(f).toHaveLength(8);
    expect(f[7]).toBe('reimage [1795579200] SHUTDOWN_PROGRAM ␛[31m,red␀');
  });

  test("a slave's escapes and bidi overrides reach Nagios shown, not raw", () => {
    const line = processServiceCheckResult(NOW, svc, 2, {
      text: 'ok\x1b]0;PWNED\x07 \u009b31mRED \u202enimda\r\n',
    });
    expect(line.endsWith(';2;ok␛]0,PWNED␇ \\x9b31mRED \\u202enimda')).toBe(true);
    expect(line).not.toMatch(/[\p{Cc}\u202e]/u);
  });

  test('a slave message cannot add perfdata, a field or a line', () => {
    const line = processServiceCheckResult(NOW, svc, 2, {
      text: 'cannot reach bm01|age=1s;2;3\n[0] SHUTDOWN_PROGRAM',
    });
    expect(fields(line)).toHaveLength(5);
    expect(line.endsWith(';2;cannot reach bm01/age=1s,2,3 [0] SHUTDOWN_PROGRAM')).toBe(true);
  });

  test('only our own perfdata passes, and it is checked', () => {
    expect(() =>
      processServiceCheckResult(NOW, svc, 0, { text: 'x', perfdata: 'a=1\n[0] X' }),
    ).toThrow(/perfdata/);
  });

  test('an empty or blank comment is refused: a downtime says why', () => {
    expect(() => checkComment(' \n\t ')).toThrow(/must say why/);
  });

  test('long text is cut on a character boundary to the byte bound', () => {
    const text = 'é'.repeat(TEXT_MAX_BYTES);
    const out = cleanText(text);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(TEXT_MAX_BYTES);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toContain('\ufffd');
    expect(cleanText('short')).toBe('short');
  });

  test('the longest possible command still fits one atomic pipe write', () => {
    const line = scheduleServiceDowntime(
      NOW,
      { host: 'h'.repeat(255), service: 's'.repeat(128) },
      {
        startMs: NOW,
        endMs: NOW + 1000_000,
        fixed: true,
        author: 'a'.repeat(64),
        comment: '€'.repeat(5000),
      },
    );
    expect(Buffer.byteLength(`${line}\n`)).toBeLessThanOrEqual(4096);
  });
});

describe('results the collector submits', () => {
  test('a start is OK naming the master; a critical heartbeat carries the slave message', () => {
    expect(heartbeatResult('start', 'bm01', null)).toEqual({
      state: 0,
      output: { text: 'buildbot started on bm01' },
    });
    expect(heartbeatResult('critical', null, 'cannot reach bm01')).toEqual({
      state: 2,
      output: { text: 'cannot reach bm01' },
    });
    expect(heartbeatResult('critical', null, '  ').output.text).toBe(
      'the slave reported a problem',
    );
  });

  test('crossing the warning threshold: WARNING with the age and perfdata', () => {
    const r = freshnessResult(21720, SIX_H);
    expect(r.state).toBe(1);
    expect(`${r.output.text}|${r.output.perfdata}`).toBe(
      'no buildbot start for 6h02m|age=21720s;21600;25200',
    );
  });

  test('thresholds are inclusive at the exact second, exclusive one second before', () => {
    expect(freshnessResult(21599, SIX_H).state).toBe(0);
    expect(freshnessResult(21600, SIX_H).state).toBe(1);
    expect(freshnessResult(25199, SIX_H).state).toBe(1);
    expect(freshnessResult(25200, SIX_H).state).toBe(2);
    expect(freshnessResult(25200, SIX_H).output.text).toBe('no buildbot start for 7h00m');
  });
});
