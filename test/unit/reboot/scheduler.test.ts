// The bulk scheduler with fake commands (a runner the test controls) and a manual clock: the
// concurrency bound and its order, escalation, waits, cancel, no double reboot, muted slaves,
// dry run, and what the audit log is told.
import { describe, expect, test } from 'vitest';
import type { RebootStatus } from '../../../src/domain/state.js';
import type { RebootMethod } from '../../../src/reboot/methods.js';
import type { RebootTarget } from '../../../src/reboot/plan.js';
import { valuesFor } from '../../../src/reboot/placeholders.js';
import type { RunOptions, RunResult } from '../../../src/reboot/runner.js';
import {
  RebootScheduler,
  type Clock,
  type RebootAttempt,
  type RebootEvent,
} from '../../../src/reboot/scheduler.js';

class ManualClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  };
  advance(ms: number): void {
    this.t += ms;
    for (const timer of this.timers.filter((x) => x.live && x.at <= this.t)) {
      timer.live = false;
      timer.fn();
    }
  }
}

/** A command the test finishes by hand. */
interface FakeRun {
  argv: readonly string[];
  options: RunOptions;
  finish(outcome: Partial<RunResult>): void;
}

function result(partial: Partial<RunResult>): RunResult {
  return {
    outcome: 'ok',
    exitCode: 0,
    signal: null,
    durationMs: 5,
    head: [],
    tail: [],
    omittedLines: 0,
    error: null,
    ...partial,
  };
}

function harness(concurrency = 2) {
  const clock = new ManualClock();
  const runs: FakeRun[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const events: RebootEvent[] = [];
  const statuses = new Map<string, RebootStatus | null>();
  const scheduler = new RebootScheduler({
    concurrency,
    clock,
    onEvent: (e) => events.push(e),
    onStatus: (slave, status) => statuses.set(slave, status),
    run: (argv, options) =>
      new Promise<RunResult>((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        let settled = false;
        const finish = (partial: Partial<RunResult>) => {
          if (settled) return;
          settled = true;
          inFlight--;
          resolve(result(partial));
        };
        options.signal?.addEventListener('abort', () =>
          finish({ outcome: 'cancelled', exitCode: null, signal: 'SIGTERM' }),
        );
        runs.push({ argv, options, finish });
      }),
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return {
    clock,
    runs,
    events,
    statuses,
    scheduler,
    flush,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    attempts: () => events.filter((e): e is RebootAttempt => e.type === 'attempt'),
  };
}

const m = (name: string, extra: Partial<RebootMethod> = {}): RebootMethod => ({
  name,
  argv: [`/usr/bin/${name}`, '{slave}'],
  timeoutMs: 30_000,
  waitMs: 60_000,
  hands: false,
  ...extra,
});

function target(
  slave: string,
  methods: RebootMethod[],
  extra: Partial<RebootTarget> = {},
): RebootTarget {
  return { values: valuesFor(slave, {}), methods, muted: null, rebooting: null, ...extra };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `s${String(i).padStart(3, '0')}`);

describe('RebootScheduler', () => {
  test('runs at most N commands at once, in the order given, and waits for each start', async () => {
    const h = harness(3);
    const chain = [m('ssh')];
    const bulk = h.scheduler.submit(
      names(10).map((n) => target(n, chain)),
      { includeMuted: false },
    );
    // Every slave shows rebooting at once (queued ones too), before anything ran.
    expect([...h.statuses.values()].every((s) => s?.phase === 'rebooting')).toBe(true);
    expect(h.runs.map((r) => r.argv[1])).toEqual(['s000', 's001', 's002']);
    for (let i = 0; i < 10; i++) {
      h.runs[i]!.finish({});
      await h.flush();
      expect(h.inFlight).toBeLessThanOrEqual(3);
    }
    expect(h.runs.map((r) => r.argv[1])).toEqual(names(10));
    expect(h.maxInFlight).toBe(3);
    // All waiting now: a start for each brings it back.
    for (const n of names(10)) h.scheduler.noteStart(n, h.clock.t);
    const done = await bulk.done;
    expect(done.allBack).toBe(true);
    expect(done.slaves.map((s) => s.outcome)).toEqual(Array(10).fill('back'));
    expect([...h.statuses.values()].every((s) => s === null)).toBe(true);
    expect(h.scheduler.isRebooting('s000')).toBe(false);
  });

  test('a failing method escalates; the escalated slave goes before slaves not yet started', async () => {
    const h = harness(1);
    const bulk = h.scheduler.submit(
      ['a', 'b'].map((n) => target(n, [m('ssh'), m('ipmi')])),
      {
        includeMuted: false,
      },
    );
    h.runs[0]!.finish({ outcome: 'failed', exitCode: 255, tail: ['Connection refused'] });
    await h.flush();
    expect(h.runs.map((r) => r.argv.join(' '))).toEqual(['/usr/bin/ssh a', '/usr/bin/ipmi a']);
    expect(h.statuses.get('a')).toEqual({ phase: 'rebooting', method: 'ipmi', since: h.clock.t });
    const [attempt] = h.attempts();
    expect(attempt).toMatchObject({
      slave: 'a',
      method: 'ssh',
      argv: ['/usr/bin/ssh', 'a'],
      exitCode: 255,
      outcome: 'failed',
      tail: ['Connection refused'],
    });
    bulk.cancel();
    await bulk.done;
  });

  test('a timeout escalates; the chain ends in needs hands when no start comes', async () => {
    const h = harness(2);
    const bulk = h.scheduler.submit([target('a', [m('ssh'), m('pdu', { waitMs: 120_000 })])], {
      includeMuted: false,
    });
    h.runs[0]!.finish({ outcome: 'timed-out', exitCode: null, signal: 'SIGTERM' });
    await h.flush();
    h.runs[1]!.finish({});
    await h.flush();
    expect(h.statuses.get('a')).toMatchObject({ phase: 'rebooting', method: 'pdu' });
    h.clock.advance(119_999);
    expect(h.statuses.get('a')).toMatchObject({ phase: 'rebooting' });
    h.clock.advance(1);
    const done = await bulk.done;
    expect(h.statuses.get('a')).toEqual({ phase: 'needs-hands', since: h.clock.t });
    expect(done.slaves[0]).toMatchObject({ outcome: 'needs-hands' });
    expect(done.slaves[0]!.reason).toBe(
      'ssh: timed out after 30s; pdu: exited 0, no new start within 120s; every method was tried, the slave needs hands',
    );
    expect(done.allBack).toBe(false);
    expect(h.attempts().map((a) => a.outcome)).toEqual(['timed-out', 'ok']);
  });

  test('a hands step without a command marks needs hands without running anything', async () => {
    const h = harness(2);
    const bulk = h.scheduler.submit(
      [target('a', [m('ssh'), { ...m('hands'), argv: [], hands: true }])],
      { includeMuted: false },
    );
    h.runs[0]!.finish({ outcome: 'failed', exitCode: 1 });
    const done = await bulk.done;
    expect(h.runs).toHaveLength(1);
    expect(done.slaves[0]!.outcome).toBe('needs-hands');
    expect(h.statuses.get('a')?.phase).toBe('needs-hands');
  });

  test('cancel stops the commands in flight and clears every waiting or queued slave', async () => {
    const h = harness(2);
    const bulk = h.scheduler.submit(
      names(5).map((n) => target(n, [m('ssh')])),
      { includeMuted: false },
    );
    h.runs[0]!.finish({}); // s000 now waits for its start
    await h.flush();
    expect(h.inFlight).toBe(2);
    bulk.cancel();
    const done = await bulk.done;
    expect(h.inFlight).toBe(0);
    expect(h.runs).toHaveLength(3); // nothing more started after the cancel
    expect(done.slaves.map((s) => s.outcome)).toEqual(Array(5).fill('cancelled'));
    expect([...h.statuses.values()].every((s) => s === null)).toBe(true);
    expect(h.attempts().filter((a) => a.outcome === 'cancelled')).toHaveLength(2);
    // A timer of the cancelled wait does nothing later.
    h.clock.advance(10 * 60_000);
    expect(h.statuses.get('s000')).toBeNull();
  });

  test('a slave already rebooting is not rebooted twice, in another bulk or the same', async () => {
    const h = harness(4);
    const first = h.scheduler.submit([target('a', [m('ssh')])], { includeMuted: false });
    const second = h.scheduler.submit(
      [
        target('a', [m('ssh')]),
        target('b', [m('ssh')]),
        target('b', [m('ssh')]),
        target('c', [m('ssh')], { rebooting: 'being rebooted by alice (action 1)' }),
      ],
      { includeMuted: false },
    );
    expect(second.plans.map((p) => (p.action === 'skip' ? p.reason : p.action))).toEqual([
      'already rebooting',
      'reboot',
      'listed twice',
      'already being rebooted by alice (action 1)',
    ]);
    expect(h.runs.map((r) => r.argv[1])).toEqual(['a', 'b']);
    first.cancel();
    second.cancel();
    const done = await second.done;
    expect(done.slaves.map((s) => s.outcome)).toEqual([
      'skipped',
      'cancelled',
      'skipped',
      'skipped',
    ]);
    await first.done;
  });

  test('muted slaves are skipped unless the operator includes them', async () => {
    const h = harness(4);
    const targets = [
      target('a', [m('ssh')], { muted: 'acknowledged by bob' }),
      target('b', [m('ssh')]),
    ];
    const skipped = h.scheduler.submit(targets, { includeMuted: false });
    expect(skipped.plans[0]).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/muted/),
    });
    expect(h.runs.map((r) => r.argv[1])).toEqual(['b']);
    skipped.cancel();
    await skipped.done;
    const included = h.scheduler.submit([targets[0]!], { includeMuted: true });
    expect(h.runs.map((r) => r.argv[1])).toEqual(['b', 'a']);
    included.cancel();
    await included.done;
  });

  test('a slave with a placeholder without value fails alone, before anything runs for it', async () => {
    const h = harness(4);
    const ipmi = m('ipmi', {
      argv: ['ipmitool', '-H', '{mgmt_host}', 'chassis', 'power', 'cycle'],
    });
    const bulk = h.scheduler.submit(
      [
        target('a', [ipmi]),
        { ...target('b', [ipmi]), values: valuesFor('b', { attributes: { mgmt_host: 'b-mgmt' } }) },
      ],
      { includeMuted: false },
    );
    expect(h.runs.map((r) => r.argv)).toEqual([
      ['ipmitool', '-H', 'b-mgmt', 'chassis', 'power', 'cycle'],
    ]);
    expect(h.statuses.has('a')).toBe(false);
    h.scheduler.noteStart('b', h.clock.t);
    const done = await bulk.done;
    expect(done.slaves[0]).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/no value for \{mgmt_host\}/),
    });
    expect(done.slaves[1]!.outcome).toBe('back');
    expect(done.allBack).toBe(false);
  });

  test('dry run: the exact argv per slave and method, and nothing runs', () => {
    const h = harness(4);
    const plans = h.scheduler.plan(
      [
        target('a', [m('ssh'), m('pdu')]),
        target('b', [m('ssh')], { muted: 'acknowledged by bob' }),
      ],
      { includeMuted: false },
    );
    expect(plans).toEqual([
      {
        slave: 'a',
        action: 'reboot',
        steps: [
          { method: 'ssh', argv: ['/usr/bin/ssh', 'a'], hands: false },
          { method: 'pdu', argv: ['/usr/bin/pdu', 'a'], hands: false },
        ],
      },
      { slave: 'b', action: 'skip', reason: expect.stringMatching(/muted/) },
    ]);
    expect(h.runs).toHaveLength(0);
    expect(h.statuses.size).toBe(0);
  });

  test('a start that arrives while the command runs ends the chain and stops the command', async () => {
    const h = harness(1);
    const bulk = h.scheduler.submit([target('a', [m('ssh')])], { includeMuted: false });
    h.scheduler.noteStart('a', h.clock.t);
    const done = await bulk.done;
    expect(done.slaves[0]!.outcome).toBe('back');
    expect(h.attempts()[0]!.outcome).toBe('cancelled');
  });

  test('a start older than the reboot does not count', async () => {
    const h = harness(1);
    const bulk = h.scheduler.submit([target('a', [m('ssh')])], { includeMuted: false });
    h.runs[0]!.finish({});
    await h.flush();
    h.scheduler.noteStart('a', h.clock.t - 1);
    expect(h.scheduler.isRebooting('a')).toBe(true);
    h.scheduler.noteStart('a', h.clock.t);
    expect((await bulk.done).allBack).toBe(true);
  });

  test('a runner that throws counts as a command that could not start, and escalates', async () => {
    const events: RebootEvent[] = [];
    let calls = 0;
    const scheduler = new RebootScheduler({
      concurrency: 1,
      onEvent: (e) => events.push(e),
      onStatus: () => {},
      run: () => {
        calls++;
        return Promise.reject(new Error('spawn failed'));
      },
    });
    const done = await scheduler.submit([target('a', [m('ssh'), m('ipmi')])], {
      includeMuted: false,
    }).done;
    expect(calls).toBe(2);
    expect(done.slaves[0]).toMatchObject({
      outcome: 'needs-hands',
      reason: expect.stringMatching(/could not run \(spawn failed\)/),
    });
  });

  test('every change is reported with a reason, for progress and the audit log', async () => {
    const h = harness(1);
    const bulk = h.scheduler.submit([target('a', [m('ssh')])], { includeMuted: false, id: 42 });
    h.runs[0]!.finish({});
    await h.flush();
    h.scheduler.noteStart('a', h.clock.t);
    await bulk.done;
    expect(bulk.id).toBe(42);
    expect(
      h.events.map((e) =>
        e.type === 'attempt' ? `attempt ${e.outcome}` : `${e.phase}: ${e.reason}`,
      ),
    ).toEqual([
      'queued: queued',
      'running: ssh: running',
      'attempt ok',
      'waiting: ssh: exited 0; waiting 60s for a new start',
      'back: started again',
    ]);
    expect(h.events.every((e) => e.bulkId === 42)).toBe(true);
  });
});
