// The action flow's part of the store: from a key to a sent request through the form, the
// confirmation and the dry run, and why this console may not act.
import { isRebootKind, type ActionRequest, type ActionView } from '../../domain/protocol.js';
import {
  formRequest,
  isFormKind,
  newForm,
  type ActionForm,
  type KeyedKind,
} from '../action-form.js';
import { mutesOf } from '../format.js';
import type { Row } from '../rows.js';
import type { Confirmation, ConsoleData } from './console-data.js';
import type { SliceTools } from './slice.js';

export interface ActionFlowActions {
  /**
   * Opens the form (or, for a cancel or a reboot, the confirmation) on the marked slaves or the
   * cursor row, or on the slaves named (the action log's `D`). An extend takes only the slaves in
   * a downtime, an unpark only the parked ones.
   */
  openAction(kind: KeyedKind, on?: readonly string[]): void;
  /** The action log's `u`: the confirmation to undo that action, on its targets. */
  openUndo(action: ActionView): void;
  setForm(form: ActionForm): void;
  /** Enter in the form: on to the confirmation, or the problems shown in red. */
  submitForm(): void;
  /** Asks the collector for the exact Nagios lines or commands (once), and shows or hides them. */
  toggleDryRun(): void;
  /** In a reboot's confirmation: also reboot the slaves muted in Nagios, or not. */
  toggleIncludeMuted(): void;
  /** In a downtime's or an ack's confirmation: skip the targets already muted, or not. */
  toggleSkipMuted(): void;
  /** In a cancel-downtime's confirmation: only this operator's downtimes, or everyone's. */
  toggleOnlyMine(): void;
  /** In a reboot's confirmation: an until-back downtime on the rebooted slaves, or none. */
  toggleDowntimeUntilBack(): void;
  scrollConfirm(delta: number): void;
  /** Sends the confirmed request; its progress then shows in the status line. */
  confirmAction(): void;
  cancelAction(): void;
}

export function actionFlowSlice({ get, set }: SliceTools): ActionFlowActions {
  const nextRequestId = requestIds();
  return {
    openAction(kind, on) {
      const s = get();
      const refusal = actRefusal(s, isRebootKind(kind) ? 'reboot' : 'nagios');
      if (refusal) {
        set({ notice: refusal });
        return;
      }
      const named = on ? new Set(on) : null;
      const chosen = named
        ? s.sorted.filter((r) => named.has(r.name)).map((r) => r.name)
        : targetsOf(s);
      if (chosen.length === 0) {
        set({ notice: 'no slave to act on: move to one, or mark some (space, a)' });
        return;
      }
      const only = ONLY[kind];
      const targets = only ? chosen.filter((name) => only.takes(s.slaves.get(name))) : chosen;
      if (targets.length === 0) {
        set({ notice: only!.none(chosen.length) });
        return;
      }
      const shown = new Set(s.visible.map((r) => r.name));
      const hidden = targets.filter((name) => !shown.has(name)).length;
      if (isFormKind(kind)) {
        set({ mode: 'form', form: newForm(kind, targets, hidden), confirm: null, notice: null });
      } else {
        // Nothing to fill in: straight to the confirmation.
        const request: ActionRequest = { kind, targets };
        set({
          mode: 'confirm',
          form: null,
          confirm: newConfirmation(request, hidden),
          notice: null,
        });
      }
    },
    openUndo(action) {
      const s = get();
      const refusal = actRefusal(s);
      if (refusal) {
        set({ notice: refusal });
        return;
      }
      if (action.undoneBy) {
        const { by, actionId } = action.undoneBy;
        set({
          notice: `#${action.id} was already undone by ${by} (#${actionId}): nothing to undo`,
        });
        return;
      }
      const targets = action.targets.map((t) => t.slave);
      const shown = new Set(s.visible.map((r) => r.name));
      const request: ActionRequest = { kind: 'undo', targets, params: { actionId: action.id } };
      const hidden = targets.filter((name) => !shown.has(name)).length;
      set({ mode: 'confirm', form: null, confirm: newConfirmation(request, hidden), notice: null });
    },
    setForm(form) {
      set({ form });
    },
    submitForm() {
      const s = get();
      if (!s.form) return;
      const request = formRequest(s.form, s.now);
      if (request === null) set({ form: { ...s.form, tried: true } });
      else set({ mode: 'confirm', confirm: newConfirmation(request, s.form.hidden) });
    },
    toggleDryRun() {
      const s = get();
      const c = s.confirm;
      if (!c) return;
      if (c.dryRun && c.dryRun.status !== 'error') {
        set({ confirm: { ...c, showLines: !c.showLines } });
        return;
      }
      const requestId = nextRequestId();
      const sent = s.send({ type: 'action', requestId, ...c.request, dryRun: true });
      const dryRun = {
        requestId,
        status: sent ? ('waiting' as const) : ('error' as const),
        lines: [],
        failing: [],
        error: sent ? null : 'not connected to the collector',
      };
      set({ confirm: { ...c, dryRun, showLines: true, scroll: 0 } });
    },
    toggleIncludeMuted() {
      const c = get().confirm;
      if (c?.request.kind !== 'reboot') return;
      const includeMuted = !c.request.params?.includeMuted;
      const request = { ...c.request, params: includeMuted ? { includeMuted } : {} };
      // The exact commands depend on it: asked again when shown.
      set({ confirm: { ...c, request, dryRun: null, showLines: false, scroll: 0 } });
    },
    toggleSkipMuted() {
      const c = get().confirm;
      if (c?.request.kind !== 'downtime' && c?.request.kind !== 'ack') return;
      set({
        confirm: withParams(c, { skipMuted: c.request.params?.skipMuted ? undefined : true }),
      });
    },
    toggleOnlyMine() {
      const s = get();
      const c = s.confirm;
      if (c?.request.kind !== 'cancel-downtime' || s.you === null) return;
      set({
        confirm: withParams(c, { author: c.request.params?.author ? undefined : s.you.name }),
      });
    },
    toggleDowntimeUntilBack() {
      const c = get().confirm;
      if (c?.request.kind !== 'reboot') return;
      const on = c.request.params?.downtimeUntilBack ? undefined : true;
      set({ confirm: withParams(c, { downtimeUntilBack: on }) });
    },
    scrollConfirm(delta) {
      const c = get().confirm;
      if (!c?.dryRun) return;
      const max = Math.max(c.dryRun.lines.length - 1, 0);
      set({ confirm: { ...c, scroll: Math.min(Math.max(c.scroll + delta, 0), max) } });
    },
    confirmAction() {
      const s = get();
      const c = s.confirm;
      if (!c) return;
      const requestId = nextRequestId();
      const sent = s.send({ type: 'action', requestId, ...c.request });
      set({
        mode: 'table',
        form: null,
        confirm: null,
        notice: sent ? null : 'not connected to the collector: nothing was sent',
        own: sent
          ? {
              requestId,
              kind: c.request.kind,
              targets: c.request.targets.length,
              actionId: null,
              error: null,
            }
          : s.own,
      });
    },
    cancelAction() {
      set({ mode: 'table', form: null, confirm: null });
    },
  };
}

/** Why this console may not act now (through Nagios, by rebooting, or at all), or null when it may. */
export function actRefusal(
  s: Pick<ConsoleData, 'you' | 'nagios' | 'reboot'>,
  through: 'nagios' | 'reboot' | 'any' = 'any',
): string | null {
  if (s.you === null) return 'not connected to the collector yet';
  if (s.you.role !== 'operator')
    return `your token (${s.you.role}) cannot act: an operator token can`;
  const nagios = s.nagios;
  const reboot = s.reboot !== null;
  if (through === 'nagios' && !nagios) {
    return 'this collector is not wired to Nagios (nagios.command_file) or Icinga 2 (icinga2:): it cannot take these actions';
  }
  if (through === 'reboot' && !reboot) {
    return 'this collector has no reboot methods (reboot.methods in corral.yaml): it cannot reboot';
  }
  if (through === 'any' && !nagios && !reboot) {
    return 'this collector is not wired to Nagios or Icinga 2 and has no reboot methods: it cannot take actions';
  }
  return null;
}

/** The kinds that act only on some slaves, which, and what to say when none of those chosen is. */
const ONLY: Partial<
  Record<KeyedKind, { takes: (r?: Row) => boolean; none: (n: number) => string }>
> = {
  'extend-downtime': {
    takes: (r) => (r ? mutesOf(r).some((m) => m.kind === 'downtime') : false),
    none: (n) =>
      `${n === 1 ? 'it is not' : `none of the ${n} is`} in a downtime: e moves the end of downtimes (d schedules one)`,
  },
  unpark: {
    takes: (r) => r?.parked ?? false,
    none: (n) =>
      `${n === 1 ? 'it is not' : `none of the ${n} is`} parked: nothing to unpark (p parks)`,
  },
};

/** The marks in the order on screen (hidden ones too), so the first names are the worst; else the cursor's slave. */
export function targetsOf(s: Pick<ConsoleData, 'marks' | 'sorted' | 'cursorName'>): string[] {
  if (s.marks.size > 0) return s.sorted.filter((r) => s.marks.has(r.name)).map((r) => r.name);
  return s.cursorName !== null ? [s.cursorName] : [];
}

/** The confirmation with some parameters set or (undefined) dropped; its dry run is asked again. */
function withParams(c: Confirmation, patch: NonNullable<ActionRequest['params']>): Confirmation {
  const params = Object.fromEntries(
    Object.entries({ ...c.request.params, ...patch }).filter(([, v]) => v !== undefined),
  );
  return { ...c, request: { ...c.request, params }, dryRun: null, showLines: false, scroll: 0 };
}

export function newConfirmation(request: ActionRequest, hidden: number): Confirmation {
  return { request, hidden, dryRun: null, showLines: false, scroll: 0 };
}

/** Request ids unique to one store, so its answers are told apart from every other console's. */
export function requestIds(): () => string {
  const consoleId = Math.random().toString(36).slice(2, 8);
  let count = 0;
  return () => `console-${consoleId}-${++count}`;
}
