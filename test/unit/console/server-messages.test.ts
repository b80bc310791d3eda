// The stream's messages applied to the console's data, alone: no store, no React.
import { describe, expect, it } from 'vitest';
import { initialData, type ConsoleData } from '../../../src/console/state/console-data.js';
import { applyServerMessages } from '../../../src/console/state/server-messages.js';
import type { AnyServerMessage, DryRunMessage } from '../../../src/domain/protocol.js';
import { HOUR, T0, actionView, delta, farm, hello, snapshot, view } from './fixtures.js';

/** The data after a batch, as the store would hold it (without the derived view). */
function after(data: ConsoleData, messages: AnyServerMessage[], localNow = T0) {
  const applied = applyServerMessages(data, messages, localNow);
  return { ...applied, data: { ...data, ...applied.patch } };
}
const fed = () => after(initialData('ws://test', T0), [hello(), snapshot(1, farm())]).data;

describe('server messages applied', () => {
  it('hello and snapshot: the thresholds, who we are, every slave with its state at the server clock', () => {
    const empty = initialData('ws://test', T0);
    // The local clock runs a minute behind the server's.
    const { data, slavesChanged, needResync } = after(
      empty,
      [hello(), snapshot(1, farm())],
      T0 - 60_000,
    );
    expect(slavesChanged).toBe(true);
    expect(needResync).toBe(false);
    expect(data.offsetMs).toBe(60_000);
    expect(data.now).toBe(T0);
    expect(data.you).toEqual({ name: 'jdoe', role: 'operator' });
    expect(data.seq).toBe(1);
    expect(data.slaves.get('dead-old')?.state).toBe('dead');
    expect(data.slaves.get('late-1')?.state).toBe('late');
    // Pure: what it was given is unchanged.
    expect(empty.slaves.size).toBe(0);
    expect(empty.seq).toBeNull();
  });

  it('a delta in sequence changes and removes slaves in a new map; the old one is untouched', () => {
    const before = fed();
    const { data, slavesChanged } = after(before, [
      delta(2, [view('dead-old', { ago: 5 })], ['crit-1']),
    ]);
    expect(slavesChanged).toBe(true);
    expect(data.slaves.get('dead-old')?.state).toBe('ok');
    expect(data.slaves.has('crit-1')).toBe(false);
    expect(before.slaves.get('dead-old')?.state).toBe('dead');
    expect(before.slaves.has('crit-1')).toBe(true);
  });

  it('a sequence gap asks for a resync and drops deltas until the next snapshot', () => {
    const gap = after(fed(), [delta(3, [view('new-1')]), delta(4, [view('new-2')])]);
    expect(gap.needResync).toBe(true);
    expect(gap.slavesChanged).toBe(false);
    expect(gap.data.seq).toBeNull();
    const healed = after(gap.data, [snapshot(9, [view('new-2')]), delta(10, [view('new-3')])]);
    expect(healed.needResync).toBe(false);
    expect([...healed.data.slaves.keys()]).toEqual(['new-2', 'new-3']);
  });

  it('a hello alone gives the rows it has the new thresholds', () => {
    const { data, slavesChanged } = after(fed(), [
      hello({ 'talos-r3-fed': { warningSeconds: 30 * HOUR, criticalSeconds: 36 * HOUR } }),
    ]);
    expect(slavesChanged).toBe(true);
    expect(data.slaves.get('dead-old')?.state).toBe('ok');
  });

  it('forgets marks of slaves the collector removed, keeps the same set otherwise', () => {
    const marked = { ...fed(), marks: new Set(['crit-1', 'late-1']) };
    const kept = after(marked, [delta(2, [view('late-1', { ago: 5 })])]).data;
    expect(kept.marks).toBe(marked.marks);
    const pruned = after(marked, [delta(2, [], ['crit-1'])]).data;
    expect([...pruned.marks]).toEqual(['late-1']);
  });

  it('routes an error to this console own request, to its dry run, or to the server error line', () => {
    const waiting: ConsoleData = {
      ...fed(),
      own: { requestId: 'r1', kind: 'downtime', targets: 2, actionId: null, error: null },
      confirm: {
        request: { kind: 'recheck', targets: ['late-1'] },
        hidden: 0,
        dryRun: { requestId: 'r2', status: 'waiting', lines: [], failing: [], error: null },
        showLines: true,
        scroll: 0,
      },
    };
    const { data, slavesChanged } = after(waiting, [
      { type: 'error', requestId: 'r1', error: 'no such slave: x' },
      { type: 'error', requestId: 'r2', error: 'comment is required' },
      { type: 'error', error: 'bad frame' },
    ]);
    expect(slavesChanged).toBe(false);
    expect(data.own?.error).toBe('no such slave: x');
    expect(data.confirm?.dryRun).toMatchObject({ status: 'error', error: 'comment is required' });
    expect(data.serverError).toBe('bad frame');
  });

  it('a dry run answer fills the confirmation it was asked for, with the failing targets', () => {
    const asked: ConsoleData = {
      ...fed(),
      confirm: {
        request: { kind: 'recheck', targets: ['late-1', 'x'] },
        hidden: 0,
        dryRun: { requestId: 'r2', status: 'waiting', lines: [], failing: [], error: null },
        showLines: true,
        scroll: 0,
      },
    };
    const failing = { slave: 'x', status: 'failed' as const, error: 'no such slave' };
    const answer: DryRunMessage = {
      type: 'dry-run',
      requestId: 'r2',
      dryRun: true,
      summary: 'recheck 2 slaves',
      targets: [{ slave: 'late-1', status: 'pending', error: null }, failing],
      lines: ['[1] SCHEDULE_FORCED_SVC_CHECK;late-1;buildbot-start;1'],
      existing: [],
    };
    const other = { ...answer, requestId: 'someone-else' };
    const { data } = after(asked, [other, answer]);
    expect(data.confirm?.dryRun).toMatchObject({
      status: 'ready',
      lines: answer.lines,
      failing: [failing],
    });
  });

  it('actions: in flight while unfinished, in the log always, and our own gets its id', () => {
    const mine: ConsoleData = {
      ...fed(),
      own: { requestId: 'r1', kind: 'downtime', targets: 2, actionId: null, error: null },
    };
    const started = actionView({
      id: 5,
      targets: [
        { slave: 'late-1', status: 'sent', error: null },
        { slave: 'crit-1', status: 'pending', error: null },
      ],
    });
    const s1 = after(mine, [
      { type: 'action', event: 'started', requestId: 'r1', action: started },
    ]);
    expect(s1.data.own?.actionId).toBe(5);
    expect(Object.fromEntries(s1.data.inFlight)).toEqual({
      'late-1': 'downtime sent jdoe',
      'crit-1': 'downtime pending jdoe',
    });
    const finished = { ...started, finishedAt: new Date(T0).toISOString() };
    const s2 = after(s1.data, [{ type: 'action', event: 'finished', action: finished }]);
    expect(s2.data.inFlight.size).toBe(0);
    expect(s2.data.log.map((a) => a.id)).toEqual([5]);
  });

  it('skips messages it does not know and keeps the clock on the offset it had', () => {
    const before = fed();
    const { data, slavesChanged } = after(
      before,
      [{ type: 'something-newer' } as unknown as AnyServerMessage],
      T0 + 5000,
    );
    expect(slavesChanged).toBe(false);
    expect(data.slaves).toBe(before.slaves);
    expect(data.now).toBe(T0 + 5000);
  });
});
