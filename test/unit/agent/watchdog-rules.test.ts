// The watchdog's pure decisions at their edges: the --after threshold, once per outage, the guard, idle and uptime.
import { describe, expect, it } from 'vitest';
import {
  decide,
  INITIAL_STATE,
  type Decision,
  type Observation,
  type WatchdogRules,
  type WatchState,
} from '../../../src/agent/watchdog-rules.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 25, 4, 0);
const rules: WatchdogRules = {
  master: 'bm01:9010',
  afterMs: 10 * MIN,
  reboot: true,
  idleMs: null,
  guardMs: HOUR,
};
const obs = (o: Partial<Observation>): Observation => ({
  now: T0,
  masterReachable: true,
  uptimeMs: 24 * HOUR,
  lastRebootAt: null,
  ...o,
});

/** Runs checks in order and returns every decision with the time of its check. */
function run(
  steps: Array<Partial<Observation>>,
  r: WatchdogRules = rules,
  start: WatchState = INITIAL_STATE,
) {
  let state = start;
  const out: Array<{ at: number } & Decision> = [];
  for (const step of steps) {
    const o = obs(step);
    const result = decide(state, o, r);
    state = result.state;
    out.push(...result.decisions.map((d) => ({ at: o.now, ...d })));
  }
  return { state, out, acts: out.filter((d) => d.kind !== 'note') };
}

describe('master watch', () => {
  it('does nothing while the master answers', () => {
    expect(run([{ now: T0 }, { now: T0 + HOUR }]).out).toEqual([]);
  });

  it('sends the critical heartbeat once the master has been unreachable for --after, not a moment before, then reboots', () => {
    const { acts, out } = run([
      { now: T0, masterReachable: false },
      { now: T0 + 10 * MIN - 1, masterReachable: false },
      { now: T0 + 10 * MIN, masterReachable: false },
      { now: T0 + 11 * MIN, masterReachable: false },
      { now: T0 + 60 * MIN, masterReachable: false },
    ]);
    expect(out[0]).toMatchObject({
      kind: 'note',
      at: T0,
      reason: expect.stringMatching(/cannot connect to master bm01:9010; critical after 10m/),
    });
    expect(acts).toEqual([
      {
        at: T0 + 10 * MIN,
        kind: 'critical',
        message: 'cannot connect to master bm01:9010 for 10m',
        reason: expect.any(String),
      },
      { at: T0 + 10 * MIN, kind: 'reboot', reason: 'cannot connect to master bm01:9010 for 10m' },
    ]);
  });

  it('an outage interrupted by one good check starts counting again', () => {
    const { acts, out } = run([
      { now: T0, masterReachable: false },
      { now: T0 + 9 * MIN, masterReachable: true },
      { now: T0 + 10 * MIN, masterReachable: false },
      { now: T0 + 19 * MIN, masterReachable: false },
    ]);
    expect(acts).toEqual([]);
    expect(out.map((d) => d.reason)).toContainEqual('master bm01:9010 reachable again after 9m');
  });

  it('a new outage sends a new critical heartbeat, but a process reboots only once', () => {
    const { acts } = run([
      { now: T0, masterReachable: false },
      { now: T0 + 10 * MIN, masterReachable: false },
      { now: T0 + 20 * MIN, masterReachable: true },
      { now: T0 + 30 * MIN, masterReachable: false },
      { now: T0 + 40 * MIN, masterReachable: false },
    ]);
    expect(acts.map((d) => d.kind)).toEqual(['critical', 'reboot', 'critical']);
  });

  it('a wall clock step (NTP at boot) is not an outage: the monotonic clock counts', () => {
    const { acts } = run([
      { now: T0, monotonic: 1000, masterReachable: false },
      { now: T0 + 5 * HOUR, monotonic: 61_000, masterReachable: false },
    ]);
    expect(acts).toEqual([]);
  });

  it('without --reboot it only reports', () => {
    const { acts } = run(
      [
        { now: T0, masterReachable: false },
        { now: T0 + HOUR, masterReachable: false },
      ],
      { ...rules, reboot: false },
    );
    expect(acts.map((d) => d.kind)).toEqual(['critical']);
  });

  it('the marker holds a reboot within the guard after the last one, logged once, and lets it go after', () => {
    const lastRebootAt = T0 - 30 * MIN;
    const { out } = run([
      { now: T0, masterReachable: false, lastRebootAt },
      { now: T0 + 10 * MIN, masterReachable: false, lastRebootAt },
      { now: T0 + 20 * MIN, masterReachable: false, lastRebootAt },
      { now: T0 + 29 * MIN, masterReachable: false, lastRebootAt },
      { now: T0 + 30 * MIN, masterReachable: false, lastRebootAt },
    ]);
    const holds = out.filter((d) => d.kind === 'note' && d.reason.includes('held'));
    expect(holds).toHaveLength(1);
    expect(holds[0]!.reason).toMatch(
      /rebooted the host at 2026-11-25T03:30:00.000Z, within the guard of 1h/,
    );
    expect(out.filter((d) => d.kind !== 'note')).toEqual([
      expect.objectContaining({ at: T0 + 10 * MIN, kind: 'critical' }),
      expect.objectContaining({ at: T0 + 30 * MIN, kind: 'reboot' }),
    ]);
  });
});

describe('idle restart', () => {
  const idle: WatchdogRules = { ...rules, master: null, idleMs: 6 * HOUR };
  const quiet = { masterReachable: null };

  it('restarts when the activity file has been still for the idle period and the host up as long', () => {
    const { acts } = run(
      [
        { ...quiet, now: T0, activityMtime: T0 - 6 * HOUR + 1 },
        { ...quiet, now: T0 + 1, activityMtime: T0 - 6 * HOUR + 1 },
        { ...quiet, now: T0 + 2, activityMtime: T0 - 6 * HOUR + 1 },
      ],
      idle,
    );
    expect(acts).toEqual([
      {
        at: T0 + 1,
        kind: 'idle-restart',
        reason: expect.stringMatching(/^no activity for 6h \(idle reboot after 6h\) and up 1d/),
      },
    ]);
  });

  it('waits while the host has not been up for the idle period, saying so once', () => {
    const { acts, out } = run(
      [
        { ...quiet, now: T0, activityMtime: T0 - 7 * HOUR, uptimeMs: 6 * HOUR - 2 },
        { ...quiet, now: T0 + 1, activityMtime: T0 - 7 * HOUR, uptimeMs: 6 * HOUR - 1 },
        { ...quiet, now: T0 + 2, activityMtime: T0 - 7 * HOUR, uptimeMs: 6 * HOUR },
      ],
      idle,
    );
    expect(out.filter((d) => d.kind === 'note')).toHaveLength(1);
    expect(acts.map((d) => [d.kind, d.at])).toEqual([['idle-restart', T0 + 2]]);
  });

  it('does nothing while the slave is active, and nothing (but says why) without the activity file', () => {
    expect(run([{ ...quiet, activityMtime: T0 - HOUR }], idle).out).toEqual([]);
    const missing = run(
      [
        { ...quiet, activityMtime: null },
        { ...quiet, activityMtime: null },
      ],
      idle,
    );
    expect(missing.acts).toEqual([]);
    expect(missing.out).toEqual([
      expect.objectContaining({
        kind: 'note',
        reason: expect.stringMatching(/activity file is missing/),
      }),
    ]);
  });

  it('with both rules wanting a reboot, there is still only one', () => {
    const { acts } = run(
      [
        { now: T0, masterReachable: false, activityMtime: T0 - 7 * HOUR },
        { now: T0 + 10 * MIN, masterReachable: false, activityMtime: T0 - 7 * HOUR },
      ],
      { ...idle, master: 'bm01:9010' },
    );
    expect(acts.map((d) => d.kind)).toEqual(['idle-restart', 'critical']);
  });
});
