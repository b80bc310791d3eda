import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAUSE_GAP_SECONDS,
  CAUSE_MIN_SLAVES,
  causeLine,
  causesOf,
} from '../../../src/domain/causes.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import { downtime, HOUR, T0, view } from '../console/fixtures.js';

const critical = (name: string, secondsAgo: number, master = 'bm05', pool = 'p1'): SlaveView => ({
  ...view(name, { ago: secondsAgo + HOUR, criticalAgo: secondsAgo, master, pool }),
  lastCritical: {
    at: new Date(T0 - secondsAgo * 1000).toISOString(),
    message: 'cannot connect to master bm05:9010',
  },
});
const names = (n: number, prefix = 's') =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('causesOf', () => {
  it('finds many slaves of one master turned critical close together, with their message', () => {
    const slaves = names(199).map((n, i) => critical(n, 600 - i));
    slaves.push(view('ok-1', { master: 'bm05' }), critical('elsewhere', 30, 'bm01', 'p2'));
    const [cause, ...rest] = causesOf(slaves, T0);
    expect(rest).toEqual([]);
    expect(cause).toEqual({
      group: 'master',
      name: 'bm05',
      state: 'critical',
      count: 199,
      since: new Date(T0 - 600_000).toISOString(),
      message: 'cannot connect to master bm05:9010',
      slaves: names(199),
    });
    expect(causeLine(cause!, () => '03:10')).toBe(
      'bm05: 199 slaves critical since 03:10: cannot connect to master bm05:9010',
    );
  });

  it(`needs ${CAUSE_MIN_SLAVES} slaves: one fewer is single failures`, () => {
    const at = (n: number) => names(n).map((s) => critical(s, 60));
    expect(causesOf(at(CAUSE_MIN_SLAVES - 1), T0)).toEqual([]);
    expect(causesOf(at(CAUSE_MIN_SLAVES), T0).map((c) => c.count)).toEqual([CAUSE_MIN_SLAVES]);
  });

  it(`counts slaves together while each turned within ${CAUSE_GAP_SECONDS} s of the one before`, () => {
    const chain = (gap: number) => names(6).map((s, i) => critical(s, 10_000 - i * gap));
    expect(causesOf(chain(CAUSE_GAP_SECONDS), T0).map((c) => c.count)).toEqual([6]);
    // One more second between each: six lone failures.
    expect(causesOf(chain(CAUSE_GAP_SECONDS + 1), T0)).toEqual([]);
  });

  it('splits one master into two causes when two bursts are far apart', () => {
    const early = names(5, 'a').map((s) => critical(s, 5 * HOUR));
    const late = names(7, 'b').map((s) => critical(s, 60));
    const causes = causesOf([...early, ...late], T0);
    expect(causes.map((c) => [c.count, c.slaves[0]])).toEqual([
      [7, 'b-000'],
      [5, 'a-000'],
    ]);
  });

  it("dates late and dead slaves by when they crossed their pool's threshold", () => {
    // Started 7h05m ago, one second apart: dead since 5 minutes ago, by the default thresholds.
    const dead = names(5).map((s, i) => view(s, { ago: 7 * HOUR + 300 + i, master: 'bm07' }));
    const [cause] = causesOf(dead, T0);
    expect(cause).toMatchObject({ state: 'dead', count: 5, message: null });
    expect(cause!.since).toBe(new Date(T0 - 304_000).toISOString());
    // A slow pool's thresholds keep the same slaves ok.
    const slow = { warningSeconds: 30 * HOUR, criticalSeconds: 36 * HOUR };
    const policy = { default: slow, pools: {} };
    expect(causesOf(dead, T0, { policy })).toEqual([]);
  });

  it('keeps states apart: 3 critical and 3 dead on one master are no cause', () => {
    const mixed = [
      ...names(3, 'c').map((s) => critical(s, 60)),
      ...names(3, 'd').map((s) => view(s, { ago: 7 * HOUR + 60, master: 'bm05', pool: 'p1' })),
    ];
    expect(causesOf(mixed, T0)).toEqual([]);
    const more = [...mixed, ...names(2, 'e').map((s) => critical(s, 90))];
    expect(causesOf(more, T0).map((c) => [c.state, c.count])).toEqual([['critical', 5]]);
  });

  it('leaves out slaves never heard from and muted ones (they are handled)', () => {
    const never = names(10, 'n').map((s) => view(s, { ago: null, master: 'bm05' }));
    const muted = names(10, 'm').map((s) => ({ ...critical(s, 60), muted: downtime() }));
    expect(causesOf([...never, ...muted], T0)).toEqual([]);
    const someMuted = [...muted.slice(0, 6), ...names(5, 'u').map((s) => critical(s, 60))];
    expect(causesOf(someMuted, T0).map((c) => c.slaves)).toEqual([names(5, 'u')]);
  });

  it('leaves out rebooting slaves', () => {
    const rebooting = names(6).map((s) => ({
      ...critical(s, 60),
      reboot: {
        phase: 'rebooting' as const,
        method: 'ssh',
        since: new Date(T0).toISOString(),
        by: 'alice',
        actionId: 1,
      },
    }));
    expect(causesOf(rebooting, T0)).toEqual([]);
  });

  it('says a pool when its slaves are spread over masters, and not when one master explains it', () => {
    const spread = names(6).map((s, i) => critical(s, 60, `bm0${i}`, 'talos-r3-snow'));
    expect(causesOf(spread, T0).map((c) => [c.group, c.name])).toEqual([['pool', 'talos-r3-snow']]);
    const oneMaster = names(6).map((s) => critical(s, 60, 'bm05', 'talos-r3-snow'));
    expect(causesOf(oneMaster, T0).map((c) => [c.group, c.name])).toEqual([['master', 'bm05']]);
  });

  it('sorts by count, then the worse state', () => {
    const crit = names(5, 'c').map((s) => critical(s, 60, 'bm01', 'p1'));
    const dead = names(5, 'd').map((s) =>
      view(s, { ago: 7 * HOUR + 60, master: 'bm02', pool: 'p2' }),
    );
    const late = names(6, 'l').map((s) =>
      view(s, { ago: 6 * HOUR + 60, master: 'bm03', pool: 'p3' }),
    );
    expect(causesOf([...late, ...dead, ...crit], T0).map((c) => c.state)).toEqual([
      'late',
      'critical',
      'dead',
    ]);
  });

  it('holds for any farm: each cause is big enough, unmuted, of its group and state, disjoint per group', () => {
    const slaveArb = fc.record({
      master: fc.constantFrom('bm01', 'bm02', null),
      pool: fc.constantFrom('p1', 'p2', null),
      ago: fc.option(fc.integer({ min: 0, max: 10 * HOUR }), { nil: null }),
      criticalAgo: fc.option(fc.integer({ min: 0, max: 10 * HOUR }), { nil: undefined }),
      muted: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(slaveArb, { maxLength: 60 }), (specs) => {
        const slaves = specs.map((o, i) =>
          view(`s-${i}`, {
            ago: o.ago,
            master: o.master,
            pool: o.pool,
            criticalAgo:
              o.criticalAgo !== undefined && o.ago !== null && o.criticalAgo < o.ago
                ? o.criticalAgo
                : undefined,
            muted: o.muted ? downtime() : null,
          }),
        );
        const byName = new Map(slaves.map((s) => [s.name, s]));
        const causes = causesOf(slaves, T0);
        const seen = new Set<string>();
        for (const c of causes) {
          expect(c.count).toBe(c.slaves.length);
          expect(c.count).toBeGreaterThanOrEqual(CAUSE_MIN_SLAVES);
          for (const name of c.slaves) {
            const s = byName.get(name)!;
            expect(s.muted).toBeNull();
            expect(s[c.group]).toBe(c.name);
            const key = `${c.group}/${name}/${c.state}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
          }
        }
      }),
    );
  });
});
