// Until-back downtimes and extend-downtime as requests: the default bound, a reboot's downtime, how
// an end moves, and what is refused whole (with the field that says why); their summaries.
import { describe, expect, it } from 'vitest';
import { describeAction } from '../../../src/actions/describe.js';
import { ActionRefused, planAction, type PlanContext } from '../../../src/actions/request.js';
import {
  isBackFor,
  markUntilBack,
  type UntilBackDowntime,
} from '../../../src/domain/until-back.js';
import type { Muting } from '../../../src/domain/slave.js';

const NOW = Date.parse('2026-03-20T12:00:00.400Z');
const ctx: PlanContext = { now: NOW, author: 'jdoe', known: (n) => n === 's1' };

function refused(body: unknown): ActionRefused {
  try {
    planAction(body, ctx);
  } catch (err) {
    if (err instanceof ActionRefused) return err;
    throw err;
  }
  throw new Error('the request was not refused');
}

describe('until back', () => {
  it('is bounded by 7 days unless --for or --until says otherwise', () => {
    const plan = planAction(
      { kind: 'downtime', targets: ['s1'], params: { comment: 'hands', untilBack: true } },
      ctx,
    );
    expect(plan.params).toMatchObject({
      start: '2026-03-20T12:00:00.000Z',
      end: '2026-03-27T12:00:00.000Z',
      untilBack: true,
    });
    expect(describeAction('jdoe', 'downtime', plan.params, 3, NOW)).toBe(
      'jdoe scheduled a downtime until back (at most 7d) on 3 slaves',
    );
    const bounded = planAction(
      {
        kind: 'downtime',
        targets: ['s1'],
        params: { comment: 'hands', untilBack: true, duration: '2d' },
      },
      ctx,
    );
    expect(bounded.params.end).toBe('2026-03-22T12:00:00.000Z');
  });

  it('a reboot asks for one with a default comment, or the one given', () => {
    const plan = planAction(
      { kind: 'reboot', targets: ['s1'], params: { downtimeUntilBack: true } },
      ctx,
    );
    expect(plan.params).toMatchObject({
      includeMuted: false,
      comment: 'rebooted by corral: muted until it is back',
      end: '2026-03-27T12:00:00.000Z',
      fixed: true,
      untilBack: true,
    });
    const plain = planAction({ kind: 'reboot', targets: ['s1'] }, ctx);
    expect(plain.params).toEqual({ includeMuted: false });
    expect(refused({ kind: 'downtime', targets: ['s1'], params: { untilBack: 'yes' } }).field).toBe(
      'params.untilBack',
    );
  });

  it('only a start after the downtime was asked for ends it', () => {
    const d: UntilBackDowntime = {
      slave: 's1',
      actionId: 7,
      author: 'jdoe',
      comment: 'hands',
      start: NOW - 400,
      fixed: true,
      since: NOW,
    };
    expect(isBackFor(d, null)).toBe(false);
    expect(isBackFor(d, NOW)).toBe(false);
    expect(isBackFor(d, NOW + 1)).toBe(true);
    const theirs: Muting = {
      kind: 'downtime',
      author: 'bob',
      comment: 'hands',
      start: new Date(NOW - 400).toISOString(),
      end: '2026-04-01T00:00:00.000Z',
      fixed: true,
      inEffect: true,
      downtimeId: 1,
    };
    const mine: Muting = { ...theirs, author: 'jdoe', downtimeId: 2 };
    const marked = markUntilBack({ muted: mine, mutes: [mine, theirs] }, [d]);
    expect(marked.mutes.map((m) => m.kind === 'downtime' && m.untilBack === true)).toEqual([
      true,
      false,
    ]);
    expect(marked.muted).toMatchObject({ downtimeId: 2, untilBack: true });
  });
});

describe('extend-downtime', () => {
  it('moves by a signed duration or to a time; limits as a cancel', () => {
    const later = planAction(
      { kind: 'extend-downtime', targets: ['s1'], params: { extend: '7d', author: 'bob' } },
      ctx,
    );
    expect(later.params).toEqual({ extendSeconds: 7 * 86400, author: 'bob' });
    expect(describeAction('jdoe', 'extend-downtime', later.params, 2, NOW, ['bob'])).toBe(
      "jdoe extended bob's downtimes of 2 slaves by 7d",
    );
    const earlier = planAction(
      { kind: 'extend-downtime', targets: ['s1'], params: { extend: '-2h', actionId: 4 } },
      ctx,
    );
    expect(earlier.params).toEqual({ extendSeconds: -7200, actionId: 4 });
    expect(describeAction('jdoe', 'extend-downtime', earlier.params, 1, NOW, ['al'])).toBe(
      "jdoe shortened action 4's (al's) downtimes of 1 slave by 2h",
    );
    const to = planAction(
      {
        kind: 'extend-downtime',
        targets: ['s1'],
        params: { until: '2026-03-24T18:00:00.900+01:00' },
      },
      ctx,
    );
    expect(to.params).toEqual({ end: '2026-03-24T17:00:00.000Z' });
  });

  it('refuses neither or both, a bad duration, a past or unzoned time, too long', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{}, 'params.extend', /extend \(7d, or -2h to shorten\) or until/],
      [{ extend: '1d', until: '2026-04-01T00:00:00Z' }, 'params.extend', /one of them/],
      [{ extend: 'later' }, 'params.extend', /"later" is not a duration/],
      [{ extend: '-0s' }, 'params.extend', /not a duration/],
      [{ extend: '400d' }, 'params.extend', /at most 366 days/],
      [{ until: '2026-03-20T11:00:00Z' }, 'params.until', /already past/],
      [{ until: '2026-03-24 18:00' }, 'params.until', /not a time/],
    ];
    for (const [params, field, message] of cases) {
      const err = refused({ kind: 'extend-downtime', targets: ['s1'], params });
      expect(err.field, JSON.stringify(params)).toBe(field);
      expect(err.message, JSON.stringify(params)).toMatch(message);
    }
  });
});
