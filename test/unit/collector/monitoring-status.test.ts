import { describe, expect, test } from 'vitest';
import { Health } from '../../../src/collector/health.js';
import {
  MonitoringStatus,
  nagiosLinkHealth,
  nextLink,
  type LinkHealth,
} from '../../../src/collector/monitoring-status.js';
import type { MonitoringLink } from '../../../src/domain/protocol.js';

const T0 = Date.parse('2026-11-30T10:00:00Z');

describe('nextLink', () => {
  test('an outage keeps its start while its words change, and ends when the problem does', () => {
    const a = nextLink(null, { backend: 'nagios', problem: 'status.dat stale' }, T0);
    expect(a).toEqual({
      backend: 'nagios',
      reachable: false,
      problem: 'status.dat stale',
      since: '2026-11-30T10:00:00.000Z',
    });
    const b = nextLink(a, { backend: 'nagios', problem: 'FIFO gone' }, T0 + 5000);
    expect(b.since).toBe(a.since);
    expect(b.problem).toBe('FIFO gone');
    const c = nextLink(b, { backend: 'nagios', problem: null }, T0 + 9000);
    expect(c).toEqual({ backend: 'nagios', reachable: true, problem: null, since: null });
    const d = nextLink(c, { backend: 'nagios', problem: 'FIFO gone' }, T0 + 20_000);
    expect(d.since).toBe('2026-11-30T10:00:20.000Z');
  });

  test('wired to nothing: never reachable, no outage, its note kept', () => {
    expect(nextLink(null, { backend: 'none', problem: 'install nagios4' }, T0)).toEqual({
      backend: 'none',
      reachable: false,
      problem: 'install nagios4',
      since: null,
    });
  });
});

test("nagiosLinkHealth: the command file's problem and status.dat's, in one line", () => {
  const health = new Health();
  expect(nagiosLinkHealth(health)).toEqual({ backend: 'nagios', problem: null });
  health.set('nagios-status', 'status.dat is stale');
  health.set('nagios-commands', 'Nagios is not reading nagios.cmd');
  health.set('store', 'disk full');
  expect(nagiosLinkHealth(health).problem).toBe(
    'Nagios is not reading nagios.cmd; status.dat is stale',
  );
});

test('MonitoringStatus tells of a change once, and nothing when nothing changed', () => {
  let health: LinkHealth = { backend: 'nagios', problem: null };
  const told: MonitoringLink[] = [];
  const status = new MonitoringStatus(
    () => health,
    (l) => told.push(l),
    T0,
  );
  status.refresh(T0 + 1000);
  expect(told).toEqual([]);
  health = { backend: 'nagios', problem: 'down' };
  status.refresh(T0 + 2000);
  status.refresh(T0 + 3000);
  expect(told.map((l) => l.reachable)).toEqual([false]);
  expect(status.current.since).toBe('2026-11-30T10:00:02.000Z');
  health = { backend: 'nagios', problem: null };
  status.refresh(T0 + 4000);
  expect(told.map((l) => l.reachable)).toEqual([false, true]);
});
