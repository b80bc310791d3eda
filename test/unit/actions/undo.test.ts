import { describe, expect, it } from 'vitest';
import { planUndo, undoRefusal, type UndoneAction } from '../../../src/actions/undo.js';
import type { MonitoringView, SlaveView } from '../../../src/domain/slave.js';
import { view } from '../console/fixtures.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const params = { comment: 'kernel update', start: iso(T0), end: iso(T0 + 7200_000), fixed: true };

const undone = (o: Partial<UndoneAction> = {}): UndoneAction => ({
  id: 17,
  author: 'alice',
  kind: 'downtime',
  params,
  targets: ['a', 'b', 'c'].map((slave) => ({ slave, status: 'confirmed' as const, error: null })),
  undoneBy: null,
  ...o,
});

const service = (
  downtimes: Array<{ author: string; comment: string; id: number }>,
): MonitoringView => ({
  host: 'h',
  service: 'buildbot-start',
  state: 'OK',
  output: '',
  lastCheck: null,
  downtimes: downtimes.map((d) => ({
    ...d,
    start: params.start,
    end: params.end,
    fixed: true,
    inEffect: true,
  })),
  acknowledgement: null,
  comments: [],
});

describe('undoRefusal', () => {
  it('refuses kinds without an undo, an action undone already, a slave that was not its target', () => {
    expect(undoRefusal(undone({ kind: 'recheck' }), ['a'])).toBe(
      'action 17 re-submitted states to the monitoring system: there is nothing to undo',
    );
    expect(undoRefusal(undone({ undoneBy: { actionId: 18, by: 'bob' } }), ['a'])).toBe(
      'action 17 was already undone by action 18 (bob): nothing to undo',
    );
    expect(undoRefusal(undone(), ['a', 'z'])).toBe(
      'targets: z was not a target of action 17: undo acts only on its slaves',
    );
    expect(undoRefusal(undone(), ['a', 'b'])).toBeNull();
  });
});

describe('planUndo', () => {
  it("a downtime's undo cancels only its own downtimes and leaves a slave whose downtime is gone", () => {
    const services: Record<string, MonitoringView> = {
      a: service([
        { author: 'alice', comment: 'kernel update', id: 1 },
        { author: 'opal', comment: 'kernel update', id: 2 },
      ]),
      b: service([{ author: 'opal', comment: 'rack move', id: 3 }]),
      c: service([{ author: 'alice', comment: 'kernel update', id: 4 }]),
    };
    const plan = planUndo(undone(), ['a', 'b', 'c'], {
      view: () => undefined,
      service: (s) => services[s]!,
    });
    expect(plan.via).toBe('monitor');
    if (plan.via !== 'monitor') return;
    expect(plan.act).toEqual({
      kind: 'cancel-downtime',
      only: { author: 'alice', comment: 'kernel update', start: T0, fixed: true },
    });
    expect([...plan.skips]).toEqual([
      ['b', 'no downtime of action 17 left (ended, cancelled or replaced since): left as it is'],
    ]);
    expect(plan.existing.map((e) => (e.kind === 'downtime' ? e.downtimeId : null))).toEqual([1, 4]);
  });

  it("an acknowledgement's undo removes it only where it is still the action's", () => {
    const acked = (author: string, comment: string): SlaveView => ({
      ...view('x'),
      mutes: [{ kind: 'acknowledgement', author, comment, sticky: true }],
    });
    const views: Record<string, SlaveView> = {
      a: acked('alice', 'kernel update'),
      b: acked('bob', 'bug 42'),
      c: view('c'),
    };
    const plan = planUndo(
      undone({ kind: 'ack', params: { comment: 'kernel update' } }),
      ['a', 'b', 'c'],
      {
        view: (s) => views[s],
        service: () => null,
      },
    );
    expect(plan).toMatchObject({ via: 'monitor', act: { kind: 'remove-ack' } });
    expect([...plan.skips]).toEqual([
      ['b', 'acknowledged by bob since (bug 42): left as it is'],
      ['c', 'no acknowledgement left (removed, or the problem cleared since): left as it is'],
    ]);
  });

  it("a reboot's undo stops only that action's chains still running", () => {
    const rebooting = (actionId: number): SlaveView => ({
      ...view('x'),
      reboot: { phase: 'rebooting', method: 'ssh', since: iso(T0), by: 'alice', actionId },
    });
    const views: Record<string, SlaveView> = { a: rebooting(17), b: rebooting(20), c: view('c') };
    const plan = planUndo(undone({ kind: 'reboot', params: {} }), ['a', 'b', 'c'], {
      view: (s) => views[s],
      service: () => null,
    });
    expect(plan.via).toBe('reboot');
    expect([...plan.skips.keys()]).toEqual(['b', 'c']);
  });
});
