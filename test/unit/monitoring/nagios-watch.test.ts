// When status.dat counts as stale: older than 3 of Nagios's status intervals, not at exactly 3.
import { describe, expect, test } from 'vitest';
import { staleStatusProblem } from '../../../src/monitoring/nagios-watch.js';

const FILE = '/var/lib/nagios4/status.dat';
const CREATED = Date.UTC(2026, 10, 30, 5, 0, 0);

describe('staleStatusProblem', () => {
  test('fresh up to 3 intervals, stale past them, with words that do not change as it ages', () => {
    expect(staleStatusProblem(FILE, CREATED, CREATED + 30_999, 10)).toBeNull();
    const stale = staleStatusProblem(FILE, CREATED, CREATED + 31_000, 10);
    expect(stale).toBe(
      `${FILE} is older than 3 status intervals of 10s: is Nagios running? (nagios.status_interval in corral.yaml is status_update_interval from nagios.cfg)`,
    );
    expect(staleStatusProblem(FILE, CREATED, CREATED + 3_600_000, 10)).toBe(stale);
    // Rewritten but still late (a Nagios slow to write a large file): still the same words.
    expect(staleStatusProblem(FILE, CREATED + 5_000, CREATED + 3_600_000, 10)).toBe(stale);
  });

  test('the interval scales it; no status read yet is no verdict', () => {
    expect(staleStatusProblem(FILE, CREATED, CREATED + 3_999, 1)).toBeNull();
    expect(staleStatusProblem(FILE, CREATED, CREATED + 4_000, 1)).not.toBeNull();
    expect(staleStatusProblem(FILE, null, CREATED, 1)).toBeNull();
  });
});
