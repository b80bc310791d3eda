// Times on the action command line: ISO 8601 with a zone as given, a bare time in the local zone.
import { afterEach, describe, expect, it } from 'vitest';
import { zonedTime } from '../../../src/cli/downtime.js';
import { localTime } from '../../../src/cli/run-action.js';

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe('zonedTime', () => {
  it('passes ISO 8601 with a zone, and now', () => {
    expect(zonedTime('2026-11-25T18:00:00+01:00', '--until')).toBe('2026-11-25T18:00:00+01:00');
    expect(zonedTime('now', '--start')).toBe('now');
  });

  it('reads a time without a zone in the local zone', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(zonedTime('2026-11-25 18:00', '--until')).toBe('2026-11-25T17:00:00.000Z');
    // Summer time: the same wall clock is an hour earlier in UTC.
    expect(zonedTime('2026-07-01T18:00', '--until')).toBe('2026-07-01T16:00:00.000Z');
  });

  it('refuses what is not a time, naming the option', () => {
    expect(() => zonedTime('tomorrow', '--until')).toThrow(/--until: "tomorrow" is not a time/);
    expect(() => zonedTime('2026-02-30 10:00', '--start')).toThrow(/--start/);
  });
});

describe('localTime', () => {
  it("shows a UTC time in the operator's zone, named, across daylight saving", () => {
    process.env.TZ = 'America/New_York';
    expect(localTime('2026-11-25T18:00:00.000Z')).toBe('2026-11-25 13:00 EST');
    expect(localTime('2026-07-01T18:00:00.000Z')).toBe('2026-07-01 14:00 EDT');
  });
});
