import { describe, expect, test } from 'vitest';
import { downtimeWindow, DowntimeWindowError } from '../../../src/domain/downtime-window.js';

const NOW = Date.parse('2026-03-28T12:00:00Z');

describe('downtimeWindow', () => {
  test('now for a duration', () => {
    expect(downtimeWindow({ duration: '2h' }, NOW)).toEqual({
      startMs: NOW,
      endMs: NOW + 2 * 3600_000,
    });
  });

  test('30 days across a daylight-saving change are exactly 30×86400 s, whatever TZ says', () => {
    const w = downtimeWindow({ start: '2026-03-28T12:00:00+01:00', duration: '30d' }, NOW);
    expect(w.startMs).toBe(Date.parse('2026-03-28T11:00:00Z'));
    expect(w.endMs - w.startMs).toBe(30 * 86400_000);
  });

  test('from a time until a time, zones honoured', () => {
    expect(
      downtimeWindow({ start: '2026-03-29T00:00:00Z', until: '2026-03-29T03:00:00+02:00' }, NOW),
    ).toEqual({
      startMs: Date.parse('2026-03-29T00:00:00Z'),
      endMs: Date.parse('2026-03-29T01:00:00Z'),
    });
  });

  test.each([
    [{}, 'duration', /either a duration/],
    [{ duration: '2h', until: '2026-03-29T00:00:00Z' }, 'until', /not both/],
    [{ duration: 'two hours' }, 'duration', /not a duration/],
    [{ duration: '0s' }, 'duration', /not a duration/],
    [{ until: '2026-03-29 00:00' }, 'until', /ISO 8601 with a zone/],
    [{ until: '2026-03-29T00:00:00' }, 'until', /with a zone/],
    [{ start: 'tomorrow', duration: '1h' }, 'start', /not a time/],
    [{ until: '2026-03-28T11:00:00Z' }, 'until', /end after it starts/],
    [{ start: '2026-03-01T00:00:00Z', until: '2026-03-02T00:00:00Z' }, 'until', /already be over/],
    [{ duration: '53w' }, 'duration', /at most 366 days/],
  ])('%j is refused on %s', (input, field, message) => {
    let caught: unknown;
    try {
      downtimeWindow(input, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DowntimeWindowError);
    expect((caught as DowntimeWindowError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });
});
