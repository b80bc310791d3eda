// An audited action as the engine keeps it while it runs (epoch ms), and as consoles see it.
import {
  countTargets,
  type ActionEvent,
  type ActionMessage,
  type ActionTargetView,
  type ActionView,
} from '../domain/protocol.js';
import { outcomeOf } from '../domain/action-outcome.js';
import type { PlannedAction } from './request.js';

/** The shape the store keeps (epoch ms). */
export interface StoredActionLike {
  id: number;
  at: number;
  author: string;
  kind: PlannedAction['kind'];
  params: PlannedAction['params'];
  summary: string;
  finishedAt: number | null;
  targets: ActionTargetView[];
  /** The operator whose cancel-reboot stopped this reboot; null when none did. */
  cancelledBy?: string | null;
}

/** A new action from a plan: every target pending. */
export function newAction(id: number, plan: PlannedAction, summary: string): StoredActionLike {
  return {
    id,
    at: plan.at,
    author: plan.author,
    kind: plan.kind,
    params: plan.params,
    summary,
    finishedAt: null,
    targets: plan.targets.map((slave) => ({ slave, status: 'pending', error: null })),
  };
}

export function toView(a: StoredActionLike): ActionView {
  return {
    id: a.id,
    at: new Date(a.at).toISOString(),
    author: a.author,
    kind: a.kind,
    params: a.params,
    summary: a.summary,
    targets: a.targets.map((t) => ({ ...t })),
    counts: countTargets(a.targets),
    finishedAt: a.finishedAt === null ? null : new Date(a.finishedAt).toISOString(),
    outcome: outcomeOf(a.kind, a.targets, a.finishedAt !== null),
    cancelledBy: a.cancelledBy ?? null,
  };
}

export function actionMessage(
  event: ActionEvent,
  action: StoredActionLike,
  requestId?: string,
): ActionMessage {
  const message: ActionMessage = { type: 'action', event, action: toView(action) };
  if (requestId !== undefined) message.requestId = requestId;
  return message;
}
