// A reboot chain as the store records it, and the chain taken up again from that record after a
// restart or on the collector that took over. Pure. The rule that matters: a method whose command
// may have run (recorded `running` before it was started) is never run again.
import type { Chain, ChainOutcome, ChainState } from './chain.js';
import type { RebootMethod } from './methods.js';

/** Where a chain stands, as stored (one row per action and slave); times are epoch ms. */
export interface RecordedChain {
  actionId: number;
  slave: string;
  begunAt: number;
  /** The method the chain is at (queued for, running, waiting after) or ended at. */
  index: number;
  method: string;
  phase: Exclude<ChainState['phase'], 'done'> | ChainOutcome;
  since: number;
  /** `waiting`: until when a start is waited for. */
  until: number | null;
  /** The current method's command was started (or was about to be: recorded before it ran). */
  commandRan: boolean;
  tried: string[];
}

/** The record of a chain as it stands now. */
export function recordOf(actionId: number, chain: Chain): RecordedChain {
  const s = chain.state;
  const index = s.phase === 'done' ? lastIndex(chain) : s.index;
  return {
    actionId,
    slave: chain.slave,
    begunAt: chain.begunAt,
    index,
    method: chain.methods[index]?.name ?? '',
    phase: s.phase === 'done' ? s.outcome : s.phase,
    since: s.since,
    until: s.phase === 'waiting' ? s.until : null,
    commandRan: s.phase === 'running' || s.phase === 'waiting',
    tried: [...chain.tried],
  };
}

function lastIndex(chain: Chain): number {
  return Math.max(0, Math.min(chain.tried.length, chain.methods.length - 1));
}

export type Resumed =
  | { resumed: true; chain: Chain; reason: string }
  /** The chain cannot go on as recorded (its methods changed): it ends with this reason. */
  | { resumed: false; reason: string };

/**
 * The chain from its record, with the methods configured now. A method recorded as running may
 * have rebooted the slave already: it is counted as run, and the chain waits its `wait` for a start
 * (a hands step ends the chain needing hands), then goes on as it would have.
 */
export function resumeChain(
  record: RecordedChain,
  methods: readonly RebootMethod[],
  now: number,
): Resumed {
  const method = methods[record.index];
  if (method === undefined || method.name !== record.method) {
    return {
      resumed: false,
      reason: `its reboot methods changed while no collector ran the chain (it was at ${record.method}): not resumed, reboot it again`,
    };
  }
  const chain = (state: ChainState, tried = record.tried): Chain => ({
    slave: record.slave,
    methods,
    begunAt: record.begunAt,
    state,
    tried,
  });
  const at = `${method.name}: resumed`;
  switch (record.phase) {
    case 'queued':
      return {
        resumed: true,
        chain: chain({ phase: 'queued', index: record.index, since: record.since }),
        reason: `${at}, its command had not run`,
      };
    case 'running':
      if (method.hands) {
        const ending = `${method.name}: its command was started before the collector stopped; the slave needs hands`;
        return {
          resumed: true,
          chain: chain({ phase: 'done', outcome: 'needs-hands', since: now }, [
            ...record.tried,
            ending,
          ]),
          reason: [...record.tried, ending].join('; '),
        };
      }
      return {
        resumed: true,
        chain: chain({
          phase: 'waiting',
          index: record.index,
          since: now,
          until: now + method.waitMs,
        }),
        reason: `${at}; its command was started before the collector stopped and is not run again: waiting ${Math.round(method.waitMs / 1000)}s for a new start`,
      };
    case 'waiting':
      return {
        resumed: true,
        chain: chain({
          phase: 'waiting',
          index: record.index,
          since: record.since,
          until: record.until ?? now,
        }),
        reason: `${at}, waiting for a new start`,
      };
    default:
      return {
        resumed: true,
        chain: chain({ phase: 'done', outcome: record.phase, since: record.since }),
        reason: `already ${record.phase}`,
      };
  }
}
