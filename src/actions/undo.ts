// What undoing an action does, one entry per kind: the monitoring action that takes back what it
// did on each target (a downtime action's own downtimes cancelled, its acknowledgement removed),
// the reboots it stops, or why it cannot be undone. A target someone changed since is left as it
// is, saying so. Pure: the undone action and what the targets have now are given.
import type { ActionFacts } from '../domain/action-facts.js';
import { downtimeMatches } from '../domain/downtime-match.js';
import { downtimeIdentity } from '../domain/made-by.js';
import type { ActionKind, ActionView, ExistingMute } from '../domain/protocol.js';
import type { MonitoringView, SlaveView } from '../domain/slave.js';
import type { MonitorAction } from '../monitoring/monitor.js';
import { existingOf } from './existing.js';

/** The undone action as the audit log shows it. */
export type UndoneAction = Pick<
  ActionView,
  'id' | 'author' | 'kind' | 'params' | 'targets' | 'undoneBy'
>;

/** What the targets have now. */
export interface UndoLook {
  view: (slave: string) => SlaveView | undefined;
  /** The slave's service in the monitoring system (every downtime, in effect or to come). */
  service: (slave: string) => MonitoringView | null;
}

/** Targets left as they are, with why; and what they have that the undo takes back. */
export interface UndoTargets {
  skips: Map<string, string>;
  existing: ExistingMute[];
}

/** An undo the monitoring system carries out: `act` as it is sent, `confirmAs` as it is read back. */
export interface MonitorUndo extends UndoTargets {
  via: 'monitor';
  act: MonitorAction;
  confirmAs: Pick<ActionFacts, 'kind' | 'cancels'>;
}

/** An undo of a park: the slaves still parked by it are unparked (its downtimes cancelled). */
export interface UnparkUndo extends UndoTargets {
  via: 'unpark';
}

/** An undo of a reboot: the chains of the action still under way are stopped. */
export interface RebootUndo extends UndoTargets {
  via: 'reboot';
}

export type UndoPlan = MonitorUndo | RebootUndo | UnparkUndo;

type UndoRule =
  | { refuse: (id: number) => string }
  | { plan: (undone: UndoneAction, targets: readonly string[], look: UndoLook) => UndoPlan };

const LEFT = 'left as it is';

/** Each kind's undo; a new kind adds its entry here. */
export const UNDO_RULES: Record<ActionKind, UndoRule> = {
  downtime: { plan: undoDowntime },
  ack: { plan: undoAck },
  reboot: { plan: undoReboot },
  'cancel-downtime': {
    refuse: (id) =>
      `action ${id} cancelled downtimes: corral does not keep what they were, so it cannot schedule them again: schedule them with corral downtime`,
  },
  'remove-ack': {
    refuse: (id) =>
      `action ${id} removed acknowledgements: corral does not keep what they said: acknowledge again with corral ack`,
  },
  recheck: {
    refuse: (id) =>
      `action ${id} re-submitted states to the monitoring system: there is nothing to undo`,
  },
  'force-check': { refuse: (id) => `action ${id} forced checks: there is nothing to undo` },
  'cancel-reboot': {
    refuse: (id) =>
      `action ${id} stopped reboots: a stopped reboot cannot be resumed: reboot again with corral reboot`,
  },
  undo: { refuse: (id) => `action ${id} is an undo: to do again what it undid, ask for it again` },
  park: { plan: undoPark },
  unpark: {
    refuse: (id) =>
      `action ${id} unparked slaves: their parks are forgotten, so corral cannot park them again as they were: corral park them again`,
  },
  'extend-downtime': {
    refuse: (id) =>
      `action ${id} moved downtimes' ends, which corral does not keep: move them back with corral downtime --extend (e.g. --extend -7d)`,
  },
};

/**
 * Why `undone` cannot be undone on `targets` (one line), or null: its kind has no undo, it was
 * undone already, or a target was not one of its.
 */
export function undoRefusal(undone: UndoneAction, targets: readonly string[]): string | null {
  const rule = UNDO_RULES[undone.kind];
  if ('refuse' in rule) return rule.refuse(undone.id);
  if (undone.undoneBy) {
    return `action ${undone.id} was already undone by action ${undone.undoneBy.actionId} (${undone.undoneBy.by}): nothing to undo`;
  }
  const its = new Set(undone.targets.map((t) => t.slave));
  const stranger = targets.find((t) => !its.has(t));
  return stranger === undefined
    ? null
    : `targets: ${stranger} was not a target of action ${undone.id}: undo acts only on its slaves`;
}

/** The undo of `undone` on `targets` (checked by undoRefusal first). */
export function planUndo(
  undone: UndoneAction,
  targets: readonly string[],
  look: UndoLook,
): UndoPlan {
  const rule = UNDO_RULES[undone.kind];
  if ('refuse' in rule) throw new Error(rule.refuse(undone.id));
  return rule.plan(undone, targets, look);
}

/** Targets the undone action did nothing on, with why. */
function untouched(undone: UndoneAction, targets: readonly string[]): Map<string, string> {
  const status = new Map(undone.targets.map((t) => [t.slave, t.status]));
  const skips = new Map<string, string>();
  for (const slave of targets) {
    const s = status.get(slave);
    if (s === 'skipped' || s === 'failed') {
      skips.set(slave, `action ${undone.id} did nothing on it (${s})`);
    }
  }
  return skips;
}

/** Exactly the downtimes the action made (its author, comment and start; its end, moved or not); others stay. */
function undoDowntime(
  undone: UndoneAction,
  targets: readonly string[],
  look: UndoLook,
): MonitorUndo {
  const match = downtimeIdentity(undone.author, undone.params);
  const skips = untouched(undone, targets);
  const existing: ExistingMute[] = [];
  for (const slave of targets) {
    if (skips.has(slave)) continue;
    const service = look.service(slave);
    if (service === null) continue; // the target fails alone when sent
    const own = service.downtimes.filter((d) =>
      downtimeMatches(match, { ...d, start: Date.parse(d.start), end: Date.parse(d.end) }),
    );
    if (own.length === 0) {
      skips.set(
        slave,
        `no downtime of action ${undone.id} left (ended, cancelled or replaced since): ${LEFT}`,
      );
      continue;
    }
    for (const d of own) {
      existing.push({
        slave,
        kind: 'downtime',
        by: d.author,
        comment: d.comment,
        start: d.start,
        end: d.end,
        downtimeId: d.id,
      });
    }
  }
  return {
    via: 'monitor',
    act: { kind: 'cancel-downtime', only: match },
    confirmAs: { kind: 'cancel-downtime', cancels: match },
    skips,
    existing,
  };
}

/** The acknowledgement, if it is still the action's (its author and comment). */
function undoAck(undone: UndoneAction, targets: readonly string[], look: UndoLook): MonitorUndo {
  const skips = untouched(undone, targets);
  const existing: ExistingMute[] = [];
  for (const slave of targets) {
    if (skips.has(slave)) continue;
    const view = look.view(slave);
    const ack = view?.mutes.find((m) => m.kind === 'acknowledgement');
    if (ack === undefined) {
      skips.set(slave, `no acknowledgement left (removed, or the problem cleared since): ${LEFT}`);
    } else if (ack.author !== undone.author || ack.comment !== undone.params.comment) {
      skips.set(slave, `acknowledged by ${ack.author} since (${ack.comment}): ${LEFT}`);
    } else {
      existing.push({ slave, kind: 'acknowledgement', by: ack.author, comment: ack.comment });
    }
  }
  return {
    via: 'monitor',
    act: { kind: 'remove-ack' },
    confirmAs: { kind: 'remove-ack' },
    skips,
    existing,
  };
}

/** The reboots of the action still queued or running are stopped; those that ran stay. */
function undoReboot(undone: UndoneAction, targets: readonly string[], look: UndoLook): RebootUndo {
  const skips = untouched(undone, targets);
  const existing: ExistingMute[] = [];
  for (const slave of targets) {
    if (skips.has(slave)) continue;
    const view = look.view(slave);
    const reboot = view?.reboot ?? null;
    if (reboot === null || reboot.actionId !== undone.id || reboot.phase !== 'rebooting') {
      skips.set(slave, `its reboot has run (back, needing hands or stopped): ${LEFT}`);
      continue;
    }
    existing.push(...existingOf(view!).filter((e) => e.kind === 'reboot'));
  }
  return { via: 'reboot', skips, existing };
}

/** The slaves still parked by that park are unparked; one unparked or parked again since stays. */
function undoPark(undone: UndoneAction, targets: readonly string[], look: UndoLook): UnparkUndo {
  const skips = untouched(undone, targets);
  for (const slave of targets) {
    if (skips.has(slave)) continue;
    const parked = look.view(slave)?.parked ?? null;
    if (parked === null) {
      skips.set(slave, `unparked since: ${LEFT}`);
    } else if (parked.actionId !== undone.id) {
      skips.set(slave, `parked again by ${parked.by} since (action ${parked.actionId}): ${LEFT}`);
    }
  }
  return { via: 'unpark', skips, existing: [] };
}
