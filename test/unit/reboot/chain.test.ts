// Every transition of a slave's reboot chain, with the status the console shows and the reason
// the audit log keeps.
import { describe, expect, test } from 'vitest';
import {
  newChain,
  statusOf,
  step,
  type Chain,
  type ChainEvent,
} from '../../../src/reboot/chain.js';
import type { RebootMethod } from '../../../src/reboot/methods.js';

const method = (name: string, extra: Partial<RebootMethod> = {}): RebootMethod => ({
  name,
  argv: [name],
  timeoutMs: 30_000,
  waitMs: 900_000,
  hands: false,
  ...extra,
});
const ssh = method('ssh');
const ipmi = method('ipmi', { waitMs: 600_000 });
const hands = method('hands', { argv: [], hands: true });

/** Applies events in turn (each at its time) and returns the chain with the last step. */
function run(chain: Chain, ...events: Array<[ChainEvent, number]>) {
  let last = { state: chain.state, reason: '', changed: false, tried: chain.tried };
  for (const [event, now] of events) {
    last = step(chain, event, now);
    chain = { ...chain, state: last.state, tried: last.tried };
  }
  return { chain, ...last };
}

const T0 = 1_000_000;

describe('a chain', () => {
  test('starts queued for its first method, shown as rebooting with that method', () => {
    const c = newChain('s1', [ssh, ipmi], T0);
    expect(c.state).toEqual({ phase: 'queued', index: 0, since: T0 });
    expect(statusOf(c)).toEqual({ phase: 'rebooting', method: 'ssh', since: T0 });
  });

  test('success path: slot, exit 0, waiting, a new start: back, status cleared', () => {
    const c = newChain('s1', [ssh, ipmi], T0);
    const a = run(c, [{ type: 'slot' }, T0 + 1]);
    expect(a.state).toEqual({ phase: 'running', index: 0, since: T0 + 1 });
    expect(a.reason).toBe('ssh: running');
    const b = run(a.chain, [{ type: 'exited', code: 0 }, T0 + 5]);
    expect(b.state).toEqual({ phase: 'waiting', index: 0, since: T0 + 5, until: T0 + 5 + 900_000 });
    expect(b.reason).toBe('ssh: exited 0; waiting 900s for a new start');
    expect(statusOf(b.chain)).toEqual({ phase: 'rebooting', method: 'ssh', since: T0 + 5 });
    const d = run(b.chain, [{ type: 'started', at: T0 + 60_000 }, T0 + 60_001]);
    expect(d.state).toEqual({ phase: 'done', outcome: 'back', since: T0 + 60_001 });
    expect(d.reason).toBe('started again');
    expect(statusOf(d.chain)).toBeNull();
  });

  test('a non-zero exit escalates to the next method, queued again', () => {
    const r = run(
      newChain('s1', [ssh, ipmi], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: 255 }, T0 + 10],
    );
    expect(r.state).toEqual({ phase: 'queued', index: 1, since: T0 + 10 });
    expect(r.reason).toBe('ssh: exited 255; next: ipmi');
    expect(statusOf(r.chain)).toEqual({ phase: 'rebooting', method: 'ipmi', since: T0 + 10 });
  });

  test('killed by a signal, or not started at all, escalates too', () => {
    const killed = run(
      newChain('s1', [ssh, ipmi], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: null, signal: 'SIGSEGV' }, T0],
    );
    expect(killed.reason).toBe('ssh: killed by SIGSEGV; next: ipmi');
    const missing = run(
      newChain('s1', [ssh, ipmi], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: null, error: 'spawn ssh ENOENT' }, T0],
    );
    expect(missing.reason).toBe('ssh: could not run (spawn ssh ENOENT); next: ipmi');
  });

  test('a timeout escalates', () => {
    const r = run(
      newChain('s1', [ssh, ipmi], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'timed-out' }, T0 + 30_000],
    );
    expect(r.state).toMatchObject({ phase: 'queued', index: 1 });
    expect(r.reason).toBe('ssh: timed out after 30s; next: ipmi');
  });

  test('no new start within the wait escalates', () => {
    const r = run(
      newChain('s1', [ssh, ipmi], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: 0 }, T0],
      [{ type: 'wait-expired' }, T0 + 900_000],
    );
    expect(r.state).toEqual({ phase: 'queued', index: 1, since: T0 + 900_000 });
    expect(r.reason).toBe('ssh: exited 0, no new start within 900s; next: ipmi');
  });

  test('the last method failing exhausts the chain: needs hands, since then', () => {
    const r = run(
      newChain('s1', [ssh, ipmi], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: 1 }, T0],
      [{ type: 'slot' }, T0 + 1],
      [{ type: 'exited', code: 0 }, T0 + 2],
      [{ type: 'wait-expired' }, T0 + 600_002],
    );
    expect(r.state).toEqual({ phase: 'done', outcome: 'needs-hands', since: T0 + 600_002 });
    // The whole story, each method and what it did, not only the last step.
    expect(r.reason).toBe(
      'ssh: exited 1; ipmi: exited 0, no new start within 600s; every method was tried, the slave needs hands',
    );
    expect(statusOf(r.chain)).toEqual({ phase: 'needs-hands', since: T0 + 600_002 });
  });

  test('a hands step marks needs hands as soon as it runs, and ends the chain when its command ends', () => {
    const ticket = method('hands', { argv: ['file-ticket', '{slave}'], hands: true });
    const running = run(
      newChain('s1', [ssh, ticket], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'timed-out' }, T0 + 1],
      [{ type: 'slot' }, T0 + 2],
    );
    expect(statusOf(running.chain)).toEqual({ phase: 'needs-hands', since: T0 + 2 });
    const queued = run(
      newChain('s1', [ssh, ticket], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'timed-out' }, T0 + 1],
    );
    expect(queued.state).toEqual({ phase: 'queued', index: 1, since: T0 + 1 });
    expect(statusOf(queued.chain)).toEqual({ phase: 'needs-hands', since: T0 + 1 });
    expect(running.state).toEqual({ phase: 'running', index: 1, since: T0 + 2 });
    expect(running.reason).toBe('hands: marked as needing hands');
    expect(statusOf(running.chain)).toEqual({ phase: 'needs-hands', since: T0 + 2 });
    const failed = run(running.chain, [{ type: 'exited', code: 3 }, T0 + 3]);
    expect(failed.state).toEqual({ phase: 'done', outcome: 'needs-hands', since: T0 + 3 });
    expect(failed.reason).toBe('ssh: timed out after 30s; hands: exited 3; the slave needs hands');
    const timedOut = run(running.chain, [{ type: 'timed-out' }, T0 + 3]);
    expect(timedOut.state).toMatchObject({ outcome: 'needs-hands' });
  });

  test('a hands step without a command says the slave needs hands, after what was tried', () => {
    const r = run(
      newChain('s1', [ssh, ipmi, hands], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: 0 }, T0],
      [{ type: 'wait-expired' }, T0 + 900_000],
      [{ type: 'slot' }, T0 + 900_001],
      [{ type: 'exited', code: 0 }, T0 + 900_002],
      [{ type: 'wait-expired' }, T0 + 1_500_002],
      [{ type: 'slot' }, T0 + 1_500_003],
      [{ type: 'exited', code: 0 }, T0 + 1_500_003],
    );
    expect(r.state).toMatchObject({ phase: 'done', outcome: 'needs-hands' });
    expect(r.reason).toBe(
      'ssh: exited 0, no new start within 900s; ipmi: exited 0, no new start within 600s; hands: the slave needs hands',
    );
  });

  test('a start while queued: back without any reboot run', () => {
    const r = run(newChain('s1', [ssh], T0), [{ type: 'started', at: T0 + 1 }, T0 + 2]);
    expect(r.state).toMatchObject({ phase: 'done', outcome: 'back' });
    expect(r.reason).toBe('started before its reboot ran');
  });

  test('a start while running ends the chain (the command will be stopped)', () => {
    const r = run(
      newChain('s1', [ssh], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'started', at: T0 + 5 }, T0 + 5],
    );
    expect(r.state).toMatchObject({ phase: 'done', outcome: 'back' });
  });

  test('a start from before the reboot was asked is no proof: ignored', () => {
    const r = run(
      newChain('s1', [ssh], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'started', at: T0 - 1 }, T0 + 5],
    );
    expect(r.changed).toBe(false);
    expect(r.state.phase).toBe('running');
    expect(r.reason).toBe('a start from before the reboot');
  });

  test.each(['queued', 'running', 'waiting'] as const)(
    'cancel while %s clears the status',
    (phase) => {
      const events: Array<[ChainEvent, number]> = [];
      if (phase !== 'queued') events.push([{ type: 'slot' }, T0]);
      if (phase === 'waiting') events.push([{ type: 'exited', code: 0 }, T0]);
      const before = run(newChain('s1', [ssh], T0), ...events);
      expect(before.state.phase).toBe(phase);
      const r = run(before.chain, [{ type: 'cancelled', by: 'bob' }, T0 + 9]);
      expect(r.state).toEqual({ phase: 'done', outcome: 'cancelled', since: T0 + 9 });
      expect(r.reason).toBe('cancelled by bob');
      expect(statusOf(r.chain)).toBeNull();
      const stopped = run(before.chain, [{ type: 'cancelled' }, T0 + 9]);
      expect(stopped.reason).toBe('cancelled: the collector stopped');
    },
  );

  test('events that do not fit the phase change nothing', () => {
    const queued = newChain('s1', [ssh], T0);
    for (const e of [
      { type: 'exited', code: 0 },
      { type: 'timed-out' },
      { type: 'wait-expired' },
    ] as ChainEvent[]) {
      expect(step(queued, e, T0).changed).toBe(false);
    }
    const running = run(queued, [{ type: 'slot' }, T0]).chain;
    expect(step(running, { type: 'slot' }, T0).changed).toBe(false);
    expect(step(running, { type: 'wait-expired' }, T0).changed).toBe(false);
    const waiting = run(running, [{ type: 'exited', code: 0 }, T0]).chain;
    expect(step(waiting, { type: 'exited', code: 1 }, T0).changed).toBe(false);
    expect(step(waiting, { type: 'timed-out' }, T0).changed).toBe(false);
  });

  test('a finished chain ignores everything, even a cancel', () => {
    const done = run(newChain('s1', [ssh], T0), [{ type: 'cancelled' }, T0]).chain;
    for (const e of [
      { type: 'started', at: T0 + 1 },
      { type: 'cancelled' },
      { type: 'slot' },
    ] as ChainEvent[]) {
      const r = step(done, e, T0 + 2);
      expect(r.changed).toBe(false);
      expect(r.reason).toBe('already cancelled');
    }
  });

  test('a chain of only a hands step without a command', () => {
    const r = run(
      newChain('s1', [hands], T0),
      [{ type: 'slot' }, T0],
      [{ type: 'exited', code: 0 }, T0],
    );
    expect(r.state).toMatchObject({ phase: 'done', outcome: 'needs-hands' });
  });
});
