import { describe, expect, test } from 'vitest';
import { ActionParamsError, resolveParams } from '../../../src/domain/action-params.js';
import {
  checkOptionalLine,
  checkReason,
  MAX_PARK_TEXT,
  ParkInputError,
  parkView,
  parseReview,
  renewalDue,
  reviewDue,
  type Park,
} from '../../../src/domain/park.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const DAY = 86400_000;

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParkInputError || err instanceof ActionParamsError) {
      return `${err.field}: ${err.message}`;
    }
    throw err;
  }
  throw new Error('no problem raised');
}

describe('parseReview', () => {
  test('a duration counts from now', () => {
    expect(parseReview('30d', NOW)).toBe(NOW + 30 * DAY);
    expect(parseReview(' 1s ', NOW)).toBe(NOW + 1000);
  });

  test('a date is its midnight UTC; a time keeps its zone', () => {
    expect(parseReview('2026-12-31', NOW)).toBe(Date.parse('2026-12-31T00:00:00Z'));
    expect(parseReview('2026-12-01T09:00:00+02:00', NOW)).toBe(Date.parse('2026-12-01T07:00:00Z'));
  });

  test('nothing given is no review date', () => {
    expect(parseReview(undefined, NOW)).toBeNull();
    expect(parseReview('  ', NOW)).toBeNull();
  });

  test('a date in the past, or now, is refused with one line', () => {
    expect(problem(() => parseReview('2026-11-30', NOW))).toBe(
      'params.review: the review date 2026-11-30 is in the past: give a later date, or a duration from now such as 30d',
    );
    expect(() => parseReview('2026-11-30T12:00:00Z', NOW)).toThrow(/in the past/);
    expect(parseReview('2026-11-30T12:00:01Z', NOW)).toBe(NOW + 1000);
  });

  test('what is neither is refused, quoted', () => {
    expect(problem(() => parseReview('next week', NOW))).toMatch(
      /^params\.review: "next week" is not a review date: write a duration from now \(30d\)/,
    );
    // A time without a zone would be read in whichever zone the collector runs in.
    expect(() => parseReview('2026-12-31T09:00', NOW)).toThrow(/not a review date/);
    expect(() => parseReview('2027-02-30', NOW)).toThrow(/not a review date/);
  });
});

describe('reason, owner, ticket', () => {
  test('the reason is required and trimmed', () => {
    expect(checkReason('  old 0.7 master ')).toBe('old 0.7 master');
    expect(problem(() => checkReason('   '))).toMatch(/^params\.reason: a reason is required/);
    expect(() => checkReason(undefined)).toThrow(/a reason is required/);
  });

  test('text that is not one printable line is refused, shown escaped', () => {
    expect(problem(() => checkReason('a\nb'))).toBe(
      'params.reason: the reason "a\\nb" is not one line of printable text: remove line breaks and control characters',
    );
    expect(() => checkReason('evil \u202e text')).toThrow(/not one line of printable text/);
    expect(() => checkOptionalLine('owner', 'x\u001b[31m')).toThrow(/^the owner .* not one line/);
    expect(() => checkOptionalLine('ticket', 'a'.repeat(MAX_PARK_TEXT + 1))).toThrow(
      `the ticket is longer than ${MAX_PARK_TEXT} characters`,
    );
  });

  test('an empty owner or ticket is none; any language is printable', () => {
    expect(checkOptionalLine('owner', '  ')).toBeUndefined();
    expect(checkOptionalLine('owner', undefined)).toBeUndefined();
    expect(checkReason('ancien maître 0.7 — 旧')).toBe('ancien maître 0.7 — 旧');
  });

  test('the park action resolves its fields, the review as ISO UTC', () => {
    expect(
      resolveParams('park', { reason: ' idle ', owner: 'releng', review: '1d', ticket: '' }, NOW),
    ).toEqual({ reason: 'idle', owner: 'releng', review: new Date(NOW + DAY).toISOString() });
    expect(problem(() => resolveParams('park', { reason: '' }, NOW))).toMatch(/^params\.reason:/);
    expect(
      problem(() => resolveParams('park', { reason: 'x', review: '2020-01-01' }, NOW)),
    ).toMatch(/^params\.review: the review date 2020-01-01 is in the past/);
  });
});

describe('a park', () => {
  const park: Park = {
    slave: 'old-1',
    actionId: 7,
    by: 'jdoe',
    owner: 'releng',
    reason: 'old 0.7 master',
    ticket: null,
    since: NOW - DAY,
    review: NOW + DAY,
    comment: 'parked: old 0.7 master',
    downtimeEnd: NOW + 3 * DAY,
  };

  test('its review falls due at the review date, not before; none without one', () => {
    expect(reviewDue(park, NOW + DAY - 1)).toBe(false);
    expect(reviewDue(park, NOW + DAY)).toBe(true);
    expect(reviewDue({ review: null }, NOW + 1000 * DAY)).toBe(false);
  });

  test('its downtime is renewed once it ends within renew_before, or when it has none', () => {
    expect(renewalDue(park, NOW, DAY)).toBe(false);
    expect(renewalDue(park, NOW + 2 * DAY - 1, DAY)).toBe(false);
    expect(renewalDue(park, NOW + 2 * DAY, DAY)).toBe(true);
    expect(renewalDue({ downtimeEnd: null }, NOW, DAY)).toBe(true);
  });

  test('its view has ISO times and whether the review is due', () => {
    expect(parkView(park, NOW + 2 * DAY)).toEqual({
      by: 'jdoe',
      owner: 'releng',
      reason: 'old 0.7 master',
      ticket: null,
      since: '2026-11-29T12:00:00.000Z',
      review: '2026-12-01T12:00:00.000Z',
      reviewDue: true,
      actionId: 7,
    });
  });
});
