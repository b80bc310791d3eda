// One slave's way through its reboot chain: given an event (a slot to run, a method's exit, a
// timeout, a wait that ran out, a new start, a cancel), the next step and why. Pure: times are
// given (epoch ms), nothing is run here; the scheduler acts on the steps.
import type { RebootStatus } from '../domain/state.js';
import type { RebootMethod } from './methods.js';

export type ChainState =
  /** Waiting for a free slot to run method `index`. */
  | { phase: 'queued'; index: number; since: number }
  /** Method `index`'s command is running. */
  | { phase: 'running'; index: number; since: number }
  /** Method `index` succeeded; waiting until `until` for the slave's next start. */
  | { phase: 'waiting'; index: number; since: number; until: number }
  | { phase: 'done'; outcome: ChainOutcome; since: number };

/** `back`: a new start arrived; `needs-hands`: every method was tried; `cancelled` by an operator. */
export type ChainOutcome = 'back' | 'needs-hands' | 'cancelled';

export type ChainEvent =
  | { type: 'slot' }
  /** The command ended; `error` when it could not be started at all. */
  | { type: 'exited'; code: number | null; signal?: string | null; error?: string | null }
  | { type: 'timed-out' }
  | { type: 'wait-expired' }
  /** A `start` heartbeat with its time; one older than the chain's beginning is not proof. */
  | { type: 'started'; at: number }
  /** By an operator (`by`), or by the collector stopping (no `by`). */
  | { type: 'cancelled'; by?: string };

export interface Chain {
  slave: string;
  methods: readonly RebootMethod[];
  /** When the reboot was asked for: only a start at or after it proves the slave came back. */
  begunAt: number;
  state: ChainState;
  /** What each method run so far did (`ssh: exited 0, no new start within 25s`), in order. */
  tried: readonly string[];
}

export interface Step {
  state: ChainState;
  /** What the methods did after this step (the chain's next `tried`). */
  tried: readonly string[];
  /** For the audit log and progress; one line, says what happened and what comes next. */
  reason: string;
  /** Whether the event changed anything; an event that does not fit the phase is ignored. */
  changed: boolean;
}

export function newChain(slave: string, methods: readonly RebootMethod[], now: number): Chain {
  return {
    slave,
    methods,
    begunAt: now,
    state: { phase: 'queued', index: 0, since: now },
    tried: [],
  };
}

/** The next state of a chain after `event` at `now`. */
export function step(chain: Chain, event: ChainEvent, now: number): Step {
  const next = stepState(chain, event, now);
  return { ...next, tried: next.tried ?? chain.tried };
}

type StepResult = Omit<Step, 'tried'> & { tried?: readonly string[] };

function stepState(chain: Chain, event: ChainEvent, now: number): StepResult {
  const s = chain.state;
  if (s.phase === 'done') return ignored(s, `already ${s.outcome}`);
  if (event.type === 'cancelled') {
    const why =
      event.by === undefined ? 'cancelled: the collector stopped' : `cancelled by ${event.by}`;
    return moved({ phase: 'done', outcome: 'cancelled', since: now }, story(chain, why));
  }
  if (event.type === 'started') {
    if (event.at < chain.begunAt) return ignored(s, 'a start from before the reboot');
    const during = s.phase === 'queued' && s.index === 0 ? 'before its reboot ran' : 'again';
    return moved({ phase: 'done', outcome: 'back', since: now }, `started ${during}`);
  }
  const method = chain.methods[s.index]!;
  switch (s.phase) {
    case 'queued':
      if (event.type !== 'slot') return ignored(s, `${event.type} while queued`);
      return moved(
        { phase: 'running', index: s.index, since: now },
        method.hands ? `${method.name}: marked as needing hands` : `${method.name}: running`,
      );
    case 'running':
      return afterRun(chain, s.index, method, event, now);
    case 'waiting':
      if (event.type !== 'wait-expired') return ignored(s, `${event.type} while waiting`);
      return escalate(
        chain,
        s.index,
        `${method.name}: exited 0, no new start within ${secs(method.waitMs)}`,
        now,
      );
  }
}

function afterRun(
  chain: Chain,
  index: number,
  method: RebootMethod,
  event: ChainEvent,
  now: number,
): StepResult {
  const s = chain.state;
  let what: string;
  if (event.type === 'exited') {
    if (method.hands) {
      // A hands step without a command ran nothing: saying "exited 0" would be made up.
      const ran = method.argv.length === 0 ? '' : ` ${exitText(event)};`;
      return moved(
        { phase: 'done', outcome: 'needs-hands', since: now },
        story(chain, `${method.name}:${ran} the slave needs hands`),
      );
    }
    if (event.code === 0) {
      return moved(
        { phase: 'waiting', index, since: now, until: now + method.waitMs },
        `${method.name}: exited 0; waiting ${secs(method.waitMs)} for a new start`,
      );
    }
    what = exitText(event);
  } else if (event.type === 'timed-out') {
    if (method.hands) {
      return moved(
        { phase: 'done', outcome: 'needs-hands', since: now },
        story(
          chain,
          `${method.name}: timed out after ${secs(method.timeoutMs)}; the slave needs hands`,
        ),
      );
    }
    what = `timed out after ${secs(method.timeoutMs)}`;
  } else {
    return ignored(s, `${event.type} while running`);
  }
  return escalate(chain, index, `${method.name}: ${what}`, now);
}

/**
 * After method `index` did not bring the slave back: the next method, or needs hands. What it
 * did joins the chain's story, which the final reason tells whole.
 */
function escalate(chain: Chain, index: number, what: string, now: number): StepResult {
  const next = chain.methods[index + 1];
  const tried = [...chain.tried, what];
  if (next === undefined) {
    return {
      ...moved(
        { phase: 'done', outcome: 'needs-hands', since: now },
        [...tried, 'every method was tried, the slave needs hands'].join('; '),
      ),
      tried,
    };
  }
  return {
    ...moved({ phase: 'queued', index: index + 1, since: now }, `${what}; next: ${next.name}`),
    tried,
  };
}

/** An ending's reason after what the methods before it did. */
function story(chain: Chain, ending: string): string {
  return [...chain.tried, ending].join('; ');
}

function exitText(event: {
  code: number | null;
  signal?: string | null;
  error?: string | null;
}): string {
  if (event.error) return `could not run (${event.error})`;
  if (event.code !== null) return `exited ${event.code}`;
  return `killed by ${event.signal ?? 'a signal'}`;
}

function secs(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

const moved = (state: ChainState, reason: string): StepResult => ({
  state,
  reason,
  changed: true,
});
const ignored = (state: ChainState, reason: string): StepResult => ({
  state,
  reason,
  changed: false,
});

/**
 * The slave's reboot status while its chain runs: `rebooting` with the method it is at (queued
 * for, running, or waiting after) and since when it is at that step; `needs-hands` once the
 * chain is exhausted or its hands step is reached (even before its command has a slot); null
 * when it came back or was cancelled.
 */
export function statusOf(chain: Chain): RebootStatus | null {
  const s = chain.state;
  if (s.phase === 'done') {
    return s.outcome === 'needs-hands' ? { phase: 'needs-hands', since: s.since } : null;
  }
  const method = chain.methods[s.index]!;
  if (method.hands) return { phase: 'needs-hands', since: s.since };
  return { phase: 'rebooting', method: method.name, since: s.since };
}
