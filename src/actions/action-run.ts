// One audited action from its start to its end, the same for Nagios actions and reboots: numbered
// and recorded before anything is done, each step streamed to every console and saved, finished once.
import type { ActionEvent, ActionView, AnyServerMessage } from '../domain/protocol.js';
import { actionMessage, newAction, toView, type StoredActionLike } from './action-record.js';
import { ActionRefused, type PlannedAction } from './request.js';

/** Where actions are recorded (the store) and who hears of them. */
export interface ActionLedger {
  /** A new action's number, from the store: two collectors sharing one never give the same. */
  nextActionId: () => Promise<number>;
  save: (action: StoredActionLike) => Promise<unknown>;
  broadcast: (message: AnyServerMessage) => void;
  warn: (details: Record<string, unknown>, msg: string) => void;
}

/** The actions under way: numbered by the store, each shown as it stands until saved. */
export class ActionRuns {
  private readonly live = new Map<number, ActionRun>();

  constructor(private readonly ledger: ActionLedger) {}

  /** Records a new action, then announces it; throws ActionRefused (nothing done) when it cannot be recorded. */
  async begin(plan: PlannedAction, summary: string, requestId?: string): Promise<ActionRun> {
    let action;
    try {
      action = newAction(await this.ledger.nextActionId(), plan, summary);
      await this.ledger.save(action);
    } catch (err) {
      throw new ActionRefused(
        `cannot record the action (${(err as Error).message}); nothing was done`,
        undefined,
        'unavailable',
      );
    }
    const run = new ActionRun(action, requestId, this.ledger, () => this.live.delete(action.id));
    this.live.set(action.id, run);
    run.emit('started');
    return run;
  }

  /**
   * Takes up an action recorded, not finished, by a collector that stopped or lost ownership (a
   * reboot resumed): it goes on from its record, under its own number.
   */
  adopt(action: StoredActionLike): ActionRun {
    const run = new ActionRun(action, undefined, this.ledger, () => this.live.delete(action.id));
    this.live.set(action.id, run);
    return run;
  }

  /** An action under way (fresher than the store), or undefined once its end is saved. */
  inFlight(id: number): ActionView | undefined {
    return this.live.get(id)?.view();
  }
}

export class ActionRun {
  constructor(
    readonly action: StoredActionLike,
    private readonly requestId: string | undefined,
    private readonly ledger: ActionLedger,
    private readonly ended: () => void,
  ) {}

  get finished(): boolean {
    return this.action.finishedAt !== null;
  }

  view(): ActionView {
    return toView(this.action);
  }

  /** Streams a step and saves the action as it stands; a failed save is logged, the action goes on. */
  step(event: 'sent' | 'progress'): Promise<void> {
    this.emit(event);
    return this.persist();
  }

  /** Ends the action: stamped, streamed, saved; shown from the store from then on. */
  async finish(): Promise<void> {
    this.action.finishedAt = Date.now();
    this.emit('finished');
    await this.persist();
    this.ended();
  }

  /** Carried out here no more (stopped; the next start or owner takes it up): shown from the store. */
  letGo(): void {
    this.ended();
  }

  emit(event: ActionEvent): void {
    this.ledger.broadcast(actionMessage(event, this.action, this.requestId));
  }

  private async persist(): Promise<void> {
    // A copy: the targets go on changing while the write waits its turn.
    const snapshot = { ...this.action, targets: this.action.targets.map((t) => ({ ...t })) };
    try {
      await this.ledger.save(snapshot);
    } catch (err) {
      this.ledger.warn(
        { action: this.action.id, reason: (err as Error).message },
        "cannot record an action's progress",
      );
    }
  }
}
