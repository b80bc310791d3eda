// What the collector answers about slaves and actions, the same over HTTP and the stream: the slaves
// as they stand, one slave's detail, and the audit log, with an action under way shown as it is now.
import { causesOf, type Cause } from '../domain/causes.js';
import type { ActionView, RebootAttemptView } from '../domain/protocol.js';
import { startHistory } from '../domain/slave-record.js';
import type { MonitoringView, SlaveDetail, SlaveView } from '../domain/slave.js';
import type { SlaveState } from '../domain/state.js';
import { toView } from '../actions/action-record.js';
import type { Fleet } from './fleet.js';
import type { CollectorStore } from './collector-store.js';
import type { StoredAction } from './store.js';

export interface QueryParts {
  fleet: Fleet;
  store: Pick<CollectorStore, 'recentMessages' | 'listActions' | 'getAction' | 'listAttempts'>;
  /** An action still under way, fresher than the store; undefined once its end is saved. */
  inFlight: (id: number) => ActionView | undefined;
  /** The slave's service in the monitoring system (null: it has none); absent without monitoring. */
  nagiosView?: (name: string) => MonitoringView | null;
}

const MESSAGES_IN_DETAIL = 20;
const ACTIONS_IN_DETAIL = 5;

export class Queries {
  constructor(private readonly parts: QueryParts) {}

  /** Every slave, as the console sorts them; only those in `states` when given. */
  slaves(now: number, states: ReadonlySet<SlaveState> | null = null): SlaveView[] {
    const all = this.parts.fleet.views(now);
    return states === null ? all : all.filter((s) => states.has(s.state));
  }

  /** Many unhandled slaves of one master or pool turned bad together (`GET /api/v1/causes`), worst first. */
  causes(now: number): Cause[] {
    const { fleet } = this.parts;
    return causesOf(fleet.views(now), now, { policy: fleet.policy });
  }

  /** One slave as it stands; undefined when it is neither heard from nor in the inventory. */
  view(name: string, now: number): SlaveView | undefined {
    return this.parts.fleet.view(name, now);
  }

  /** These slaves as they stand (a delta's changed slaves); names no longer known are left out. */
  views(names: readonly string[], now: number): SlaveView[] {
    return names.flatMap((name) => this.parts.fleet.view(name, now) ?? []);
  }

  /** One slave with its starts, recent messages, its part of recent actions and its monitoring service. */
  async slave(name: string, now: number): Promise<SlaveDetail | undefined> {
    const { fleet, store, nagiosView } = this.parts;
    const record = fleet.get(name);
    const view = fleet.view(name, now);
    if (!record || !view) return undefined;
    const [messages, actions] = await Promise.all([
      store.recentMessages(name, MESSAGES_IN_DETAIL),
      store.listActions(ACTIONS_IN_DETAIL, name),
    ]);
    return {
      ...view,
      starts: startHistory(record),
      messages: messages.map((m) => ({
        at: new Date(m.at).toISOString(),
        kind: m.kind,
        message: m.message,
      })),
      actions: actions.map((a) => {
        const action = this.current(a);
        return { ...action, targets: action.targets.filter((t) => t.slave === name) };
      }),
      ...(nagiosView && { nagios: nagiosView(name) }),
    };
  }

  /** The audit log, newest first; only actions naming `slave` when given. */
  async actions(limit: number, slave?: string): Promise<ActionView[]> {
    return (await this.parts.store.listActions(limit, slave)).map((a) => this.current(a));
  }

  /** One action, with a reboot's commands as they ran (the audit log's attempts). */
  async action(
    id: number,
  ): Promise<{ action: ActionView; attempts?: RebootAttemptView[] } | undefined> {
    const { store } = this.parts;
    // Every action is stored before it is under way.
    const stored = Number.isSafeInteger(id) ? await store.getAction(id) : undefined;
    if (!stored) return undefined;
    const action = this.current(stored);
    return action.kind === 'reboot'
      ? { action, attempts: await store.listAttempts(id) }
      : { action };
  }

  /** A stored action, or how it stands now if it is still under way. */
  private current(a: StoredAction): ActionView {
    return this.parts.inFlight(a.id) ?? toView(a);
  }
}
