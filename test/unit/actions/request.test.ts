// Action requests: what is refused whole (and which field says why), and how parameters resolve.
import { describe, expect, it } from 'vitest';
import { describeAction } from '../../../src/actions/describe.js';
import { ActionRefused, planAction, type PlanContext } from '../../../src/actions/request.js';

const NOW = Date.parse('2026-03-20T12:00:00.400Z');
const KNOWN = new Set(['s1', 's2', 's3']);
const ctx: PlanContext = { now: NOW, author: 'jdoe', known: (n) => KNOWN.has(n) };

function refused(body: unknown, c: PlanContext = ctx): ActionRefused {
  try {
    planAction(body, c);
  } catch (err) {
    if (err instanceof ActionRefused) return err;
    throw err;
  }
  throw new Error('the request was not refused');
}

describe('planAction', () => {
  it('resolves a downtime for a duration to whole UTC seconds from now', () => {
    const plan = planAction(
      { kind: 'downtime', targets: ['s1', 's2', 's1'], params: { duration: '2h', comment: 'why' } },
      ctx,
    );
    expect(plan.targets).toEqual(['s1', 's2']);
    expect(plan.params).toEqual({
      comment: 'why',
      start: '2026-03-20T12:00:00.000Z',
      end: '2026-03-20T14:00:00.000Z',
      fixed: true,
      durationSeconds: 7200,
    });
  });

  it('30d is exactly 30×86400 s across a daylight-saving change', () => {
    const plan = planAction(
      { kind: 'downtime', targets: ['s1'], params: { duration: '30d', comment: 'c' } },
      ctx,
    );
    const length = Date.parse(plan.params.end!) - Date.parse(plan.params.start!);
    expect(length).toBe(30 * 86400 * 1000);
  });

  it('a flexible downtime with a duration and an end: the window ends then, it lasts the duration', () => {
    const plan = planAction(
      {
        kind: 'downtime',
        targets: ['s1'],
        params: {
          duration: '1h',
          until: '2026-03-21T00:00:00+01:00',
          flexible: true,
          comment: 'c',
        },
      },
      ctx,
    );
    expect(plan.params).toMatchObject({
      end: '2026-03-20T23:00:00.000Z',
      fixed: false,
      durationSeconds: 3600,
    });
  });

  it('refuses a downtime without a comment, or with only blanks and control characters', () => {
    expect(refused({ kind: 'downtime', targets: ['s1'], params: { duration: '2h' } }).field).toBe(
      'params.comment',
    );
    expect(refused({ kind: 'ack', targets: ['s1'], params: { comment: ' \n\t\r ' } }).field).toBe(
      'params.comment',
    );
  });

  it('refuses both or neither of duration and until, bad durations, ends in the past', () => {
    const dt = (params: Record<string, unknown>) =>
      refused({ kind: 'downtime', targets: ['s1'], params: { comment: 'c', ...params } });
    expect(dt({}).field).toBe('params.duration');
    expect(dt({ duration: '2h', until: '2026-03-21T00:00:00Z' }).field).toBe('params.until');
    expect(dt({ duration: '2 hours' }).message).toContain('is not a duration');
    expect(dt({ until: '2026-03-20T11:00:00Z' }).message).toContain('must end after it starts');
    expect(dt({ start: '2026-03-20T10:00:00Z', until: '2026-03-20T11:00:00Z' }).message).toContain(
      'already be over',
    );
    expect(dt({ until: '2026-03-21 00:00' }).field).toBe('params.until');
    expect(dt({ duration: '400d' }).message).toContain('at most 366 days');
  });

  it('refuses unknown kinds, unknown keys, empty and unknown targets, with the field', () => {
    expect(refused({ kind: 'reboot-all', targets: ['s1'] }).field).toBe('kind');
    expect(refused({ kind: 'recheck', targets: ['s1'], force: true }).message).toContain(
      'unknown key "force"',
    );
    expect(refused({ kind: 'recheck', targets: [] }).field).toBe('targets');
    const unknown = refused({ kind: 'recheck', targets: ['s1', 'zz', 'yy'] });
    expect(unknown.message).toContain('"zz" (and 1 more)');
    expect(unknown.message).toContain('nothing was done');
    expect(refused({ kind: 'recheck', targets: ['a;b'] }).field).toBe('targets');
    expect(refused(null).reason).toBe('invalid');
  });

  it('refuses an author that cannot be a Nagios author', () => {
    expect(refused({ kind: 'recheck', targets: ['s1'] }, { ...ctx, author: 'a;b' }).reason).toBe(
      'forbidden',
    );
  });

  it('keeps an ack sticky unless told otherwise, and the comment as Nagios keeps it', () => {
    const plan = planAction(
      { kind: 'ack', targets: ['s3'], params: { comment: 'disk; swap\nbooked' } },
      ctx,
    );
    expect(plan.params).toEqual({ comment: 'disk, swap booked', sticky: true });
  });
});

describe('describeAction', () => {
  it('says who did what to how many', () => {
    const p = { start: '2026-03-20T12:00:00.000Z', end: '2026-04-19T12:00:00.000Z', fixed: true };
    expect(describeAction('jdoe', 'downtime', p, 48, NOW)).toBe(
      'jdoe scheduled a 30d downtime on 48 slaves',
    );
    expect(describeAction('jdoe', 'ack', { sticky: true }, 1, NOW)).toBe(
      'jdoe acknowledged 1 slave',
    );
    expect(describeAction('jdoe', 'cancel-downtime', {}, 2, NOW)).toBe(
      'jdoe cancelled the downtimes of 2 slaves',
    );
    // A cancel names whose downtimes it removes, and the action it is limited to.
    expect(describeAction('bob', 'cancel-downtime', {}, 2, NOW, ['alice'])).toBe(
      "bob cancelled alice's downtimes of 2 slaves",
    );
    expect(describeAction('bob', 'cancel-downtime', {}, 2, NOW, ['alice', 'bob', 'carol'])).toBe(
      "bob cancelled alice's, bob's and carol's downtimes of 2 slaves",
    );
    expect(describeAction('bob', 'cancel-downtime', { actionId: 7 }, 1, NOW, ['alice'])).toBe(
      "bob cancelled action 7's (alice's) downtimes of 1 slave",
    );
  });

  it('names a later start and a flexible downtime', () => {
    const p = {
      start: '2026-03-21T18:00:00.000Z',
      end: '2026-03-21T22:00:00.000Z',
      fixed: false,
      durationSeconds: 5400,
    };
    expect(describeAction('jdoe', 'downtime', p, 3, NOW)).toBe(
      'jdoe scheduled a flexible 1h30m downtime from 2026-03-21T18:00:00.000Z on 3 slaves',
    );
  });
});
