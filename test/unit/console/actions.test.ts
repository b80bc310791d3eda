// Acting from the console through the one key dispatcher: who may act, which slaves, the form,
// the confirmation, what is sent, and what comes back (dry run, refusal, progress).
import { describe, expect, it } from 'vitest';
import { handleKey, type KeyPress } from '../../../src/console/keys.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import type { ActionMessage, ClientMessage, HelloMessage } from '../../../src/domain/protocol.js';
import { T0, actionView, farm, hello, snapshot } from './fixtures.js';

function fedStore(
  you: HelloMessage['you'] = { name: 'jdoe', role: 'operator' },
  actions?: boolean,
) {
  const store = createConsoleStore('ws://test', T0);
  const h = { ...hello(), you, ...(actions === undefined ? {} : { actions }) };
  store.getState().applyMessages([h, snapshot(1, farm())], T0);
  store.getState().setPageSize(20);
  const sent: ClientMessage[] = [];
  store.getState().setSender((m) => {
    sent.push(m);
    return true;
  });
  return { store, sent };
}

const press = (store: ConsoleStore, ...keys: Array<string | KeyPress>) => {
  for (const k of keys) {
    if (typeof k === 'string') handleKey(store, k, {});
    else handleKey(store, '', k);
  }
};
const ENTER = { return: true };
// Ink reports a bare Esc with meta set, a tick late: the dispatcher sees both flags.
const ESC = { escape: true, meta: true };
const BACKSPACE = { delete: true };

describe('acting from the console', () => {
  it('a viewer token is told it cannot act, and nothing opens', () => {
    const { store, sent } = fedStore({ name: 'vera', role: 'viewer' });
    for (const key of ['d', 'D', 'c', 'A', 'x']) {
      press(store, key);
      expect(store.getState().mode).toBe('table');
      expect(store.getState().notice).toBe('your token (viewer) cannot act: an operator token can');
    }
    expect(sent).toEqual([]);
    // The next key clears the notice; the log stays open to viewers.
    press(store, 'L');
    expect(store.getState().notice).toBeNull();
    expect(store.getState().mode).toBe('log');
  });

  it('a collector not wired to Nagios says so instead of opening the form', () => {
    const { store } = fedStore(undefined, false);
    press(store, 'd');
    expect(store.getState().mode).toBe('table');
    expect(store.getState().notice).toMatch(/not wired to Nagios/);
  });

  it('reads hello.nagios, and hello.actions only from a collector that does not send it', () => {
    const { store } = fedStore();
    store.getState().applyMessages([{ ...hello(), nagios: false, actions: true }], T0);
    press(store, 'c');
    expect(store.getState().notice).toMatch(/not wired to Nagios/);
    store.getState().applyMessages([{ ...hello(), nagios: true, actions: false }], T0);
    press(store, 'c');
    expect(store.getState().mode).toBe('form');
  });

  it('acts on the cursor row when nothing is marked', () => {
    const { store } = fedStore();
    press(store, 'j', 'd');
    const s = store.getState();
    expect(s.mode).toBe('form');
    expect(s.form?.targets).toEqual([s.visible[1]!.name]);
    expect(s.form?.hidden).toBe(0);
  });

  it('acts on every mark, hidden ones too, in screen order, and counts the hidden', () => {
    const { store } = fedStore();
    const order = store.getState().visible.map((r) => r.name);
    press(store, ' ', ' ', 'j', ' '); // rows 0, 1 and 3
    press(store, '/');
    for (const ch of order[3]!) press(store, ch);
    press(store, ENTER);
    expect(store.getState().hiddenMarks).toBe(2);
    press(store, 'd');
    const form = store.getState().form!;
    expect(form.targets).toEqual([order[0], order[1], order[3]]);
    expect(form.hidden).toBe(2);
  });

  it('the form: a typed length replaces the default, Backspace edits it, Enter goes on, the empty comment blocks, Esc gives up', () => {
    const { store, sent } = fedStore();
    press(store, 'd');
    const s = () => store.getState();
    expect(s().form?.values.length).toBe('2h');
    // The first key typed replaces the default: 30d, not 2h30d.
    press(store, '3', '0', 'd');
    expect(s().form?.values.length).toBe('30d');
    // Backspace edits (a default too): what is left is the operator's, and typing adds to it.
    press(store, BACKSPACE, 'h');
    expect(s().form?.values.length).toBe('30h');
    press(store, { leftArrow: true });
    expect(s().form?.values.length).toBe('30d');
    // A quick choice is selected as a default is: typing replaces it.
    press(store, '7', 'd');
    expect(s().form?.values.length).toBe('7d');
    press(store, ESC);
    press(store, 'd', BACKSPACE, BACKSPACE, '3', '0', 'd');
    expect(s().form?.values.length).toBe('30d');
    // Enter on a good length goes on to the comment, which is still empty: no red yet.
    press(store, ENTER);
    expect(s().mode).toBe('form');
    expect(s().form?.focus).toBe(1);
    expect(s().form?.tried).toBe(false);
    press(store, ENTER);
    expect(s().mode).toBe('form');
    expect(s().form?.tried).toBe(true);
    // Text that reaches the dispatcher whole (a paste) is text in a text field, not commands.
    handleKey(store, 'q a d x', { paste: true });
    expect(s().form?.values).toMatchObject({ length: '30d', comment: 'q a d x' });
    expect(s().mode).toBe('form');
    press(store, ESC);
    expect(s().mode).toBe('table');
    expect(s().form).toBeNull();
    expect(sent).toEqual([]);
  });

  it('Enter reviews, v asks the collector for a dry run (to this console only), y sends', () => {
    const { store, sent } = fedStore();
    const target = store.getState().visible[0]!.name;
    press(store, 'd', { tab: true });
    handleKey(store, 'rack move', {});
    press(store, ENTER);
    expect(store.getState().mode).toBe('confirm');
    press(store, 'v');
    expect(sent).toEqual([
      {
        type: 'action',
        requestId: expect.any(String),
        kind: 'downtime',
        targets: [target],
        params: { comment: 'rack move', duration: '2h' },
        dryRun: true,
      },
    ]);
    const dryId = (sent[0] as { requestId: string }).requestId;
    // Another console's dry run is not ours.
    const line = `[1] SCHEDULE_SVC_DOWNTIME;${target};buildbot-start;1;7201;1;0;7200;jdoe;rack move`;
    const dry = (requestId: string) => ({
      type: 'dry-run' as const,
      requestId,
      dryRun: true as const,
      summary: 'jdoe scheduled a 2h downtime on 1 slave',
      targets: [{ slave: target, status: 'pending' as const, error: null }],
      lines: [line],
    });
    store.getState().applyMessages([dry('someone-else')], T0);
    expect(store.getState().confirm?.dryRun?.status).toBe('waiting');
    store.getState().applyMessages([dry(dryId)], T0);
    expect(store.getState().confirm?.dryRun).toMatchObject({ status: 'ready', lines: [line] });
    // v again hides the lines without asking again.
    press(store, 'v');
    expect(store.getState().confirm?.showLines).toBe(false);
    expect(sent).toHaveLength(1);

    press(store, 'y');
    expect(store.getState().mode).toBe('table');
    expect(sent[1]).toEqual({
      type: 'action',
      requestId: expect.any(String),
      kind: 'downtime',
      targets: [target],
      params: { comment: 'rack move', duration: '2h' },
    });
    expect((sent[1] as { requestId: string }).requestId).not.toBe(dryId);
    expect(store.getState().own).toMatchObject({ kind: 'downtime', targets: 1, actionId: null });
  });

  it('n or Esc in the confirmation sends nothing; D and c-then-f go straight to it', () => {
    const { store, sent } = fedStore();
    press(store, 'D');
    expect(store.getState().mode).toBe('confirm');
    expect(store.getState().confirm?.request.kind).toBe('cancel-downtime');
    press(store, 'n');
    expect(store.getState().mode).toBe('table');
    press(store, 'c', 'f');
    expect(store.getState().confirm?.request).toMatchObject({ kind: 'force-check' });
    press(store, ESC);
    press(store, 'x', 'c', 'r');
    expect(store.getState().confirm?.request).toMatchObject({ kind: 'recheck' });
    press(store, ESC);
    expect(sent).toEqual([]);
  });

  it('a send with no connection says nothing was sent', () => {
    const { store } = fedStore();
    store.getState().setSender(() => false);
    press(store, 'D', 'y');
    expect(store.getState().notice).toBe('not connected to the collector: nothing was sent');
    expect(store.getState().own).toBeNull();
  });

  it("follows its own action's progress and its refusal; every action reaches the log", () => {
    const { store, sent } = fedStore();
    press(store, 'D', 'y');
    const requestId = (sent[0] as { requestId: string }).requestId;
    const msg = (
      event: ActionMessage['event'],
      rid: string | undefined,
      id: number,
      done = false,
    ) =>
      ({
        type: 'action',
        event,
        ...(rid ? { requestId: rid } : {}),
        action: actionView({ id, finishedAt: done ? new Date(T0).toISOString() : null }),
      }) as ActionMessage;
    store
      .getState()
      .applyMessages([msg('started', undefined, 7), msg('started', requestId, 8)], T0);
    expect(store.getState().own?.actionId).toBe(8);
    expect(store.getState().log.map((a) => a.id)).toEqual([8, 7]);
    store.getState().applyMessages([msg('finished', requestId, 8, true)], T0);
    expect(store.getState().log[0]?.finishedAt).not.toBeNull();
    // An in-flight action leaves the in-flight map when finished, but stays in the log.
    expect(store.getState().actions.has(8)).toBe(false);

    press(store, 'D', 'y');
    const second = (sent[1] as { requestId: string }).requestId;
    store
      .getState()
      .applyMessages([{ type: 'error', requestId: second, error: 'token "jdoe" may not' }], T0);
    expect(store.getState().own?.error).toBe('token "jdoe" may not');
    expect(store.getState().serverError).toBeNull();
    // Esc in the table forgets the status line.
    press(store, ESC);
    expect(store.getState().own).toBeNull();
  });

  it('the log pane: L opens, j/k select within the log, Esc closes', () => {
    const { store } = fedStore();
    store
      .getState()
      .setLog({ status: 'ready', actions: [actionView({ id: 1 }), actionView({ id: 2 })] });
    press(store, 'L', 'j', 'j', 'j');
    expect(store.getState().logCursor).toBe(1);
    expect(store.getState().cursor).toBe(0);
    press(store, 'k', ESC);
    expect(store.getState().logCursor).toBe(0);
    expect(store.getState().mode).toBe('table');
  });

  it('L opens on the newest action; D there cancels the downtimes of the selected downtime', () => {
    const { store, sent } = fedStore();
    const s = () => store.getState();
    const on = (...slaves: string[]) =>
      slaves.map((slave) => ({ slave, status: 'confirmed' as const, error: null }));
    s().setLog({
      status: 'ready',
      actions: [
        actionView({ id: 3, kind: 'recheck', targets: on('late-1') }),
        actionView({ id: 2, kind: 'downtime', targets: on('dead-old', 'dead-young', 'crit-1') }),
      ],
    });
    press(store, 'L', 'j', ESC);
    // Reopened, the newest is selected again: a recheck, whose downtimes D cannot cancel.
    press(store, 'L', 'D');
    expect(s().mode).toBe('log');
    expect(s().notice).toMatch(/D here cancels a downtime/);
    // The downtime's slaves, in screen order, the ones the filter hides counted.
    s().setFilterText('young');
    press(store, 'j', 'D');
    expect(s().mode).toBe('confirm');
    expect(s().confirm?.request).toEqual({
      kind: 'cancel-downtime',
      targets: ['crit-1', 'dead-old', 'dead-young'],
    });
    expect(s().confirm?.hidden).toBe(2);
    press(store, ENTER);
    expect(sent).toEqual([
      expect.objectContaining({
        kind: 'cancel-downtime',
        targets: ['crit-1', 'dead-old', 'dead-young'],
      }),
    ]);
  });

  it('r reboots the marks: m takes muted slaves in, v asks for the exact commands, y sends', () => {
    const store = createConsoleStore('ws://test', T0);
    const reboot = { methods: ['ssh', 'ipmi', 'hands'], pools: { 'talos-r4-snow': ['pdu'] } };
    store.getState().applyMessages([{ ...hello(), reboot }, snapshot(1, farm())], T0);
    const sent: ClientMessage[] = [];
    store.getState().setSender((m) => {
      sent.push(m);
      return true;
    });
    store.getState().setFilterText('dead');
    press(store, 'a', 'r');
    const targets = store.getState().confirm!.request.targets;
    expect(targets).toContain('muted-dead');
    expect(store.getState().confirm!.request).toEqual({ kind: 'reboot', targets });
    press(store, 'm');
    expect(store.getState().confirm!.request.params).toEqual({ includeMuted: true });
    press(store, 'v');
    expect(sent[0]).toMatchObject({ type: 'action', kind: 'reboot', dryRun: true });
    press(store, 'm');
    // The exact commands depend on it: shown again only when asked again.
    expect(store.getState().confirm).toMatchObject({ dryRun: null, showLines: false });
    press(store, 'm', 'y');
    expect(sent[1]).toMatchObject({
      type: 'action',
      kind: 'reboot',
      targets,
      params: { includeMuted: true },
    });
    expect(sent[1]).not.toHaveProperty('dryRun');
    expect(store.getState().own).toMatchObject({ kind: 'reboot', targets: targets.length });
  });

  it('R opens the cancel-reboot confirmation; without reboot methods r says so', () => {
    const { store, sent } = fedStore();
    press(store, 'r');
    expect(store.getState().mode).toBe('table');
    expect(store.getState().notice).toBe(
      'this collector has no reboot methods (reboot.methods in corral.yaml): it cannot reboot',
    );
    store.getState().applyMessages([{ ...hello(), reboot: { methods: ['ssh'], pools: {} } }], T0);
    press(store, 'R');
    expect(store.getState().confirm?.request.kind).toBe('cancel-reboot');
    press(store, 'm'); // not a reboot: m does nothing here
    expect(store.getState().confirm?.request.params).toBeUndefined();
    press(store, ESC);
    expect(sent).toEqual([]);
  });

  it('U goes straight to removing the acknowledgement, also from the x menu', () => {
    const { store, sent } = fedStore();
    press(store, 'U');
    expect(store.getState().confirm?.request).toMatchObject({ kind: 'remove-ack' });
    press(store, ESC, 'x', 'U');
    expect(store.getState().confirm?.request).toMatchObject({ kind: 'remove-ack' });
    press(store, 'y');
    expect(sent).toMatchObject([{ type: 'action', kind: 'remove-ack' }]);
  });
});
