import { describe, expect, it } from 'vitest';
import { attributeMutes, claimsOf, type ClaimingAction } from '../../../src/domain/made-by.js';
import { MadeByIndex } from '../../../src/actions/made-by-index.js';
import type { Muting } from '../../../src/domain/slave.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const window = { start: iso(T0), end: iso(T0 + 7200_000), fixed: true, durationSeconds: 7200 };

const action = (id: number, author: string, o: Partial<ClaimingAction> = {}): ClaimingAction => ({
  id,
  kind: 'downtime',
  author,
  params: { comment: 'kernel update', ...window },
  targets: [
    { slave: 'a', status: 'confirmed' },
    { slave: 'b', status: 'skipped' },
  ],
  ...o,
});

const downtime = (author: string, o: Partial<Muting> = {}): Muting =>
  ({
    kind: 'downtime',
    author,
    comment: 'kernel update',
    start: window.start,
    end: window.end,
    fixed: true,
    inEffect: true,
    downtimeId: 1,
    ...o,
  }) as Muting;

describe('made by', () => {
  it("names the action whose facts a downtime carries, its end moved or not; another author's, another start or a hand-made one is null", () => {
    const claims = [...claimsOf(action(5, 'alice')), ...claimsOf(action(6, 'bob'))];
    const mutes = [
      downtime('alice'),
      downtime('bob', { downtimeId: 2 }),
      downtime('alice', { downtimeId: 3, comment: 'by hand' }),
      downtime('alice', { downtimeId: 4, end: iso(T0 + 9 * 3600_000) }),
      downtime('alice', { downtimeId: 5, start: iso(T0 + 1000) }),
    ];
    const out = attributeMutes({ muted: mutes[0]!, mutes }, claims);
    expect(out.mutes.map((m) => (m.kind === 'downtime' ? m.actionId : 'ack'))).toEqual([
      5,
      6,
      null,
      5,
      null,
    ]);
    expect(out.muted).toMatchObject({ actionId: 5 });
  });

  it('claims only the targets the action acted on, and nothing for kinds that make no downtime', () => {
    expect(claimsOf(action(5, 'alice'))[0]!.slaves).toEqual(['a']);
    expect(claimsOf(action(5, 'alice', { kind: 'ack' }))).toEqual([]);
  });

  it('the index attributes by slave and lets claims go once no downtime from their start can last', () => {
    const index = new MadeByIndex();
    index.addAction(action(5, 'alice'), T0);
    const mutes = { muted: downtime('alice'), mutes: [downtime('alice')] };
    const at = (now: number, slave = 'a') =>
      index.attribute(new Map([[slave, mutes]]), now).get(slave)!.mutes[0];
    expect(at(T0)).toMatchObject({ actionId: 5 });
    expect(at(T0, 'b')).toMatchObject({ actionId: null });
    expect(at(T0 + 30 * 86400_000)).toMatchObject({ actionId: 5 });
    expect(at(T0 + 366 * 86400_000)).toMatchObject({ actionId: null });
    expect(index.claims('a', T0)).toEqual([]);
  });

  it('reads live claims as they stand (a park), beside the ones added', () => {
    let parked = true;
    const park = {
      actionId: 9,
      slaves: ['a'],
      match: { author: 'alice', comment: 'parked: old master' },
      until: Infinity,
    };
    const index = new MadeByIndex((slave) => (parked && slave === 'a' ? [park] : []));
    const renewed = downtime('alice', { comment: 'parked: old master', end: iso(T0 + 86400_000) });
    const at = () =>
      index.attribute(new Map([['a', { muted: renewed, mutes: [renewed] }]]), T0).get('a')!
        .mutes[0];
    expect(at()).toMatchObject({ actionId: 9 });
    parked = false;
    expect(at()).toMatchObject({ actionId: null });
  });
});
