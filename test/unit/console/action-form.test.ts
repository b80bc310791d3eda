import { afterEach, describe, expect, it } from 'vitest';
import {
  cycleChoice,
  deleteChar,
  formProblems,
  formRequest,
  moveFocus,
  newForm,
  parseLength,
  parseLocalTime,
  typeText,
  clearField,
  fieldNeedingInput,
} from '../../../src/console/action-form.js';
import {
  countsWords,
  formatWhen,
  logLine,
  mergeLog,
  requestWords,
} from '../../../src/console/action-words.js';
import { actionView } from './fixtures.js';

const previousTz = process.env.TZ;
afterEach(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

const NOW = Date.parse('2026-11-25T12:00:00Z');
const DAY = 86_400_000;

describe('the action form', () => {
  it('starts a downtime at 2h with an empty comment that blocks it, and cycles the quick lengths', () => {
    let f = newForm('downtime', ['a', 'b'], 1);
    expect(f.values.length).toBe('2h');
    expect(formProblems(f, NOW)).toEqual({ comment: expect.stringMatching(/comment is required/) });
    expect(formRequest(f, NOW)).toBeNull();
    f = cycleChoice(f, 1);
    expect(f.values.length).toBe('1d');
    f = cycleChoice(cycleChoice(cycleChoice(f, 1), 1), 1);
    expect(f.values.length).toBe('2h');
    f = cycleChoice(f, -1);
    expect(f.values.length).toBe('30d');
  });

  it('edits the focused text field: typing, Backspace, and no control characters', () => {
    let f = newForm('downtime', ['a'], 0);
    f = deleteChar(deleteChar(f));
    expect(f.values.length).toBe('');
    expect(formProblems(f, NOW).length).toMatch(/say how long/);
    f = typeText(f, '9x');
    expect(formProblems(f, NOW).length).toMatch(/"9x" is not a duration or a time/);
    f = moveFocus(f, 1);
    // A newline is a space between words, an escape sequence goes whole.
    f = typeText(f, 'rack\n4;\x1b[2Jmove\u009b');
    expect(f.values.comment).toBe('rack 4;move');
    // Tab from the last field wraps to the first; the comment stays.
    f = moveFocus(moveFocus(moveFocus(f, 1), 1), 1);
    expect(f.focus).toBe(0);
    f = typeText(deleteChar(deleteChar(f)), '90m');
    expect(formRequest(f, NOW)).toEqual({
      kind: 'downtime',
      targets: ['a'],
      params: { comment: 'rack 4;move', duration: '90m' },
    });
  });

  it('the first key typed replaces a default or a quick choice; Backspace and Ctrl-U edit them', () => {
    let f = newForm('downtime', ['a'], 0);
    expect(f.pristine).toEqual(['length']);
    f = typeText(f, '3');
    expect(f.values.length).toBe('3');
    expect(f.pristine).toEqual([]);
    f = typeText(f, '0d');
    expect(f.values.length).toBe('30d');
    f = cycleChoice(f, 1);
    expect(f.values.length).toBe('2h');
    expect(typeText(f, '45m').values.length).toBe('45m');
    expect(typeText(deleteChar(f), '30m').values.length).toBe('230m');
    expect(clearField(f).values.length).toBe('');
    expect(typeText(clearField(f), '1d').values.length).toBe('1d');
    // Nothing typed (a control alone) leaves the default as it was.
    expect(typeText(f, '\x1b')).toBe(f);
    // The comment has no default: typing adds to it.
    const c = typeText(typeText(moveFocus(f, 1), 'rack'), ' 4');
    expect(c.values.comment).toBe('rack 4');
  });

  it('says which field keeps the form from going on', () => {
    let f = newForm('downtime', ['a'], 0);
    expect(fieldNeedingInput(f, NOW)).toBe(1);
    f = typeText(moveFocus(f, 1), 'why');
    expect(fieldNeedingInput(f, NOW)).toBeNull();
    f = typeText(moveFocus(f, -1), 'soon');
    expect(fieldNeedingInput(f, NOW)).toBe(0);
  });

  it('a yes/no field flips with ←/→ and never takes text', () => {
    let f = moveFocus(newForm('downtime', ['a'], 0), 2);
    expect(typeText(f, 'x')).toBe(f);
    f = cycleChoice(f, 1);
    expect(f.values.flexible).toBe(true);
    f = typeText(moveFocus(f, -1), 'why');
    expect(formRequest(f, NOW)?.params).toEqual({ comment: 'why', duration: '2h', flexible: true });
  });

  it('builds ack, recheck and force-check requests', () => {
    let ack = typeText(newForm('ack', ['a'], 0), 'disk swap');
    expect(formRequest(ack, NOW)).toEqual({
      kind: 'ack',
      targets: ['a'],
      params: { comment: 'disk swap', sticky: true },
    });
    ack = cycleChoice(moveFocus(ack, 1), 1);
    expect(formRequest(ack, NOW)?.params?.sticky).toBe(false);
    const recheck = newForm('recheck', ['a', 'b'], 0);
    expect(formRequest(recheck, NOW)).toEqual({ kind: 'recheck', targets: ['a', 'b'] });
    expect(formRequest(cycleChoice(recheck, 1), NOW)?.kind).toBe('force-check');
  });

  it('reads an end time in the local zone: HH:MM is the next one, dates are checked, past and >366d refused', () => {
    process.env.TZ = 'Europe/Berlin';
    // 12:00Z is 13:00 in Berlin (CET).
    expect(parseLocalTime('18:00', NOW)).toBe(Date.parse('2026-11-25T17:00:00Z'));
    expect(parseLocalTime('09:30', NOW)).toBe(Date.parse('2026-11-26T08:30:00Z'));
    expect(parseLocalTime('2026-11-26 18:00', NOW)).toBe(Date.parse('2026-11-26T17:00:00Z'));
    expect(parseLocalTime('2026-11-26T18:00:00Z', NOW)).toBe(Date.parse('2026-11-26T18:00:00Z'));
    expect(parseLocalTime('2026-02-30 18:00', NOW)).toBeNull();
    expect(parseLocalTime('25:00', NOW)).toBeNull();
    expect(parseLocalTime('tomorrow', NOW)).toBeNull();
    expect(parseLength('18:00', NOW)).toMatchObject({ ok: true, kind: 'until', seconds: 5 * 3600 });
    expect(parseLength('2026-11-24 18:00', NOW)).toEqual({
      ok: false,
      problem: 'that time is already past',
    });
    expect(parseLength('367d', NOW)).toMatchObject({ ok: false, problem: /at most 366 days/ });
    expect(parseLength('366d', NOW)).toMatchObject({ ok: true, seconds: 366 * 86400 });
    const f = typeText(
      moveFocus(typeText(deleteChar(deleteChar(newForm('downtime', ['a'], 0))), '18:00'), 1),
      'why',
    );
    expect(formRequest(f, NOW)?.params).toEqual({
      comment: 'why',
      until: '2026-11-25T17:00:00.000Z',
    });
  });
});

describe('actions in words', () => {
  it('keeps a 30d downtime exact across a daylight-saving change and names each zone', () => {
    process.env.TZ = 'Europe/Berlin';
    // 2026-10-20 12:00Z is 14:00 CEST; 30 days later the clocks have gone back: 13:00 CET.
    const now = Date.parse('2026-10-20T12:00:00Z');
    const words = requestWords(
      { kind: 'downtime', targets: ['a'], params: { duration: '30d', comment: 'move' } },
      now,
    );
    expect(words).toEqual([
      'schedule a fixed downtime of 30d',
      'from now (14:00 GMT+2) until 11-19 13:00 GMT+1',
      'comment: move',
    ]);
    expect(parseLength('30d', now)).toMatchObject({ endMs: now + 30 * DAY });
  });

  it('says what a flexible downtime, an ack and a recheck do', () => {
    process.env.TZ = 'UTC';
    expect(
      requestWords(
        {
          kind: 'downtime',
          targets: ['a'],
          params: { until: '2026-11-25T18:00:00Z', comment: 'x', flexible: true },
        },
        NOW,
      ).slice(0, 2),
    ).toEqual([
      'schedule a flexible downtime of 6h: it starts when the slave goes non-OK within the window',
      'from now (12:00 UTC) until 18:00 UTC',
    ]);
    expect(
      requestWords({ kind: 'ack', targets: ['a'], params: { comment: 'c', sticky: false } }, NOW),
    ).toEqual([
      'acknowledge the problem (not sticky: until the next change of state)',
      'comment: c',
    ]);
    expect(requestWords({ kind: 'force-check', targets: ['a'] }, NOW)).toEqual([
      'force a check now',
    ]);
  });

  it('says, in the collector words, that it would refuse a downtime whose end passed meanwhile', () => {
    process.env.TZ = 'UTC';
    // The form checked 12:30 at 12:00; the operator confirms at 12:31.
    const request = formRequest(
      {
        ...newForm('downtime', ['a'], 0),
        values: { ...newForm('downtime', [], 0).values, length: '12:30', comment: 'x' },
      },
      NOW,
    )!;
    expect(requestWords(request, NOW + 31 * 60_000)).toEqual([
      'schedule a downtime',
      'the collector would refuse it: the downtime must end after it starts',
    ]);
  });

  it('writes log lines with local time, summary and counts, settled first', () => {
    process.env.TZ = 'UTC';
    const a = actionView({
      targets: [
        { slave: 'a', status: 'confirmed', error: null },
        { slave: 'b', status: 'failed', error: 'no such service' },
        { slave: 'c', status: 'sent', error: null },
      ],
    });
    expect(countsWords(a)).toBe('1 confirmed · 1 sent, waiting for Nagios · 1 failed');
    expect(logLine(a, NOW)).toBe(
      '12:00 UTC … jdoe scheduled a 2h downtime on 3 slaves — 1 confirmed · 1 sent, waiting for Nagios · 1 failed',
    );
    expect(formatWhen(NOW - DAY, NOW)).toBe('11-24 12:00 UTC');
  });

  it('merges the log newest first, keeping the further-along copy of an action', () => {
    const started = actionView({
      id: 5,
      targets: [{ slave: 'a', status: 'pending', error: null }],
    });
    const done = actionView({
      id: 5,
      targets: [{ slave: 'a', status: 'confirmed', error: null }],
      finishedAt: new Date(NOW).toISOString(),
    });
    const older = actionView({ id: 3 });
    expect(mergeLog([started], [older]).map((a) => a.id)).toEqual([5, 3]);
    expect(mergeLog([done], [started])[0]).toBe(done);
    expect(mergeLog([started], [done])[0]).toBe(done);
    expect(
      mergeLog(
        [],
        Array.from({ length: 10 }, (_, i) => actionView({ id: i })),
        4,
      ).map((a) => a.id),
    ).toEqual([9, 8, 7, 6]);
  });
});
