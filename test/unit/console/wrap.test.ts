import { describe, expect, it } from 'vitest';
import { fitEntries, wrapText } from '../../../src/console/wrap.js';

describe('wrapText', () => {
  it('breaks at spaces within the width and keeps short text whole', () => {
    expect(wrapText('confirmed · jdoe scheduled a 30d downtime', 20)).toEqual([
      'confirmed · jdoe',
      'scheduled a 30d',
      'downtime',
    ]);
    expect(wrapText('short', 20)).toEqual(['short']);
    expect(wrapText('', 20)).toEqual(['']);
    // Exactly the width fits on one line.
    expect(wrapText('abcde fghij', 11)).toEqual(['abcde fghij']);
    expect(wrapText('abcde fghij', 10)).toEqual(['abcde', 'fghij']);
  });

  it('splits a word longer than the width, filling the line it starts on', () => {
    expect(wrapText('at /var/lib/nagios4/rw/nagios.cmd now', 10)).toEqual([
      'at /var/li',
      'b/nagios4/',
      'rw/nagios.',
      'cmd now',
    ]);
    expect(wrapText('x', 0)).toEqual(['x']);
  });

  it('indents the lines after the first by `indent`, within the same width', () => {
    expect(wrapText('SCHEDULE_SVC_DOWNTIME;host;svc;jdoe;rack move', 16, 2)).toEqual([
      'SCHEDULE_SVC_DOW',
      '  NTIME;host;svc',
      '  ;jdoe;rack',
      '  move',
    ]);
    expect(wrapText('abcde fghij klm', 11, 2)).toEqual(['abcde fghij', '  klm']);
    // An indent as wide as the line is none: every line still holds something.
    expect(wrapText('abc def', 3, 3)).toEqual(['abc', 'def']);
  });

  it('never gives a line longer than the width', () => {
    const text =
      'no start within 25 s after ssh ran; ipmi ran: exit 0; hands needed for bld-linux64-ec2-101';
    for (const width of [1, 2, 7, 13, 40]) {
      for (const line of wrapText(text, width)) expect(line.length).toBeLessThanOrEqual(width);
      for (const line of wrapText(text, width, 2)) expect(line.length).toBeLessThanOrEqual(width);
    }
  });
});

describe('fitEntries', () => {
  it('keeps whole entries that fit, in order', () => {
    expect(fitEntries([['a1', 'a2'], ['b1'], ['c1', 'c2']], 4)).toEqual(['a1', 'a2', 'b1']);
    expect(fitEntries([['a1'], ['b1']], 2)).toEqual(['a1', 'b1']);
    expect(fitEntries([], 3)).toEqual([]);
  });

  it('shows the start of a first entry too long for the rows, marked as cut', () => {
    expect(fitEntries([['aaa', 'bbb', 'ccc']], 2)).toEqual(['aaa', 'bb…']);
    expect(fitEntries([['aaa']], 0)).toEqual([]);
  });
});
