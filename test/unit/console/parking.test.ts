// Parking and the life of a downtime in the console, through the store and the one key dispatcher:
// parked slaves handled (never unhandled, never "muted while ok"), the parked quick filter, the
// park and extend forms and what they send, until back, unpark and extend only where they apply,
// undo from the log, and the hygiene items the collector sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formProblems,
  formRequest,
  newForm,
  parseReview,
  parseShift,
  typeText,
} from '../../../src/console/action-form.js';
import { confirmTitle, logLine, requestWords } from '../../../src/console/action-words.js';
import { alreadyThere } from '../../../src/console/already-there.js';
import { formatMuted, rowMessage } from '../../../src/console/format.js';
import { hygieneLine } from '../../../src/console/hygiene-lines.js';
import { handleKey, type KeyPress } from '../../../src/console/keys.js';
import { toRow } from '../../../src/console/rows.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import { countTriage, matchesQuickFilter } from '../../../src/console/triage.js';
import type { ClientMessage, HygieneItem } from '../../../src/domain/protocol.js';
import type { Muting, ParkView, SlaveView } from '../../../src/domain/slave.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { HOUR, T0, actionView, downtime, hello, snapshot, view } from './fixtures.js';

const previousTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

const DAY = 86400_000;

const park = (o: Partial<ParkView> = {}): ParkView => ({
  by: 'jdoe',
  owner: 'releng',
  reason: 'old 0.7 master',
  ticket: null,
  since: new Date(T0 - 10 * DAY).toISOString(),
  review: new Date(T0 + 20 * DAY).toISOString(),
  reviewDue: false,
  actionId: 4,
  ...o,
});

const parked = (name: string, o: Partial<ParkView> = {}, v: Partial<SlaveView> = {}) => ({
  ...view(name, { ago: 30 * HOUR }),
  parked: park(o),
  ...v,
});

const parkDowntime = downtime('jdoe', 'parked: old 0.7 master');

/** Dead and parked, dead and muted, dead, ok and muted, parked past review. */
function parkFarm(): SlaveView[] {
  return [
    parked('parked-dead'),
    view('muted-dead', { ago: 30 * HOUR, muted: downtime() }),
    view('plain-dead', { ago: 30 * HOUR }),
    view('muted-ok', { ago: 600, muted: downtime() }),
    parked('parked-due', { reviewDue: true }, { muted: parkDowntime, mutes: [parkDowntime] }),
  ];
}

function fedStore(slaves = parkFarm()) {
  const store = createConsoleStore('ws://test', T0);
  store.getState().applyMessages([hello(), snapshot(1, slaves)], T0);
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
const TAB = { tab: true };
const names = (store: ConsoleStore) => store.getState().visible.map((r) => r.name);

describe('parked slaves in the table', () => {
  it('are handled: never an unhandled problem nor "muted while ok", and counted apart', () => {
    const rows = parkFarm().map((v) => toRow(v, DEFAULT_POLICY, T0));
    const triage = countTriage(rows);
    // Only plain-dead is an unhandled problem; both parked slaves are dead but handled.
    expect(triage.unhandled.dead).toBe(1);
    expect(triage.handled.dead).toBe(3);
    expect(triage.parked).toBe(2);
    expect(triage.reviewDue).toBe(1);
    // muted-ok only: a parked slave's downtime is kept on purpose.
    expect(triage.mutedHealthy).toBe(1);
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(matchesQuickFilter('unhandled', byName.get('parked-dead')!)).toBe(false);
    expect(matchesQuickFilter('parked', byName.get('parked-dead')!)).toBe(true);
    expect(matchesQuickFilter('parked', byName.get('muted-dead')!)).toBe(false);
  });

  it('4 shows only the parked slaves, 1 none of them, 0 all again', () => {
    const { store } = fedStore();
    press(store, '4');
    expect(store.getState().stateFilter).toBe('parked');
    expect(names(store).sort()).toEqual(['parked-dead', 'parked-due']);
    press(store, '1');
    expect(names(store)).toEqual(['plain-dead']);
    press(store, '0');
    expect(names(store)).toHaveLength(5);
  });

  it('MUTED says PARKED and for whom (DUE past its review), not the downtime corral renews', () => {
    const rows = new Map(parkFarm().map((v) => [v.name, toRow(v, DEFAULT_POLICY, T0)]));
    expect(formatMuted(rows.get('parked-dead')!)).toBe('PARKED releng');
    expect(formatMuted(rows.get('parked-due')!)).toBe('PARKED DUE releng');
    expect(formatMuted(rows.get('muted-dead')!)).toBe('DT→11-25 14:00');
  });

  it('the MESSAGE column says why it is parked, review due first; else the critical message', () => {
    const rows = new Map(parkFarm().map((v) => [v.name, toRow(v, DEFAULT_POLICY, T0)]));
    expect(rowMessage(rows.get('parked-dead')!)).toBe('parked (releng): old 0.7 master');
    expect(rowMessage(rows.get('parked-due')!)).toBe(
      'review due · parked (releng): old 0.7 master',
    );
    expect(rowMessage(rows.get('plain-dead')!)).toBe('');
    const crit = toRow(view('c', { ago: HOUR, criticalAgo: 60 }), DEFAULT_POLICY, T0);
    expect(rowMessage(crit)).toBe('cannot reach master');
  });
});

describe('the park form', () => {
  it('needs a reason; review 30d by default, a date, never in the past; owner and ticket optional', () => {
    let f = newForm('park', ['a', 'b'], 0);
    expect(formProblems(f, T0).reason).toMatch(/a reason is required/);
    expect(formRequest(f, T0)).toBeNull();
    f = typeText(f, '  old 0.7 master ');
    expect(formRequest(f, T0)).toEqual({
      kind: 'park',
      targets: ['a', 'b'],
      params: { reason: 'old 0.7 master', review: '30d' },
    });
    // Owner, then review (its default replaced by the first key), then ticket.
    f = typeText({ ...f, focus: 1 }, 'releng');
    f = typeText({ ...f, focus: 2 }, '2026-11-20');
    expect(formProblems(f, T0).review).toBe('that review date is already past: give a later one');
    f = typeText({ ...f, focus: 2, pristine: ['review'] }, '2027-01-15');
    f = typeText({ ...f, focus: 3 }, 'https://bugzil.la/1');
    expect(formRequest(f, T0)).toEqual({
      kind: 'park',
      targets: ['a', 'b'],
      params: {
        reason: 'old 0.7 master',
        owner: 'releng',
        review: '2027-01-15T00:00:00.000Z',
        ticket: 'https://bugzil.la/1',
      },
    });
  });

  it('reads review dates: durations, days, times; refuses the past, days a month lacks, words', () => {
    expect(parseReview('30d', T0)).toMatchObject({
      ok: true,
      kind: 'duration',
      atMs: T0 + 30 * DAY,
    });
    expect(parseReview('2026-11-26', T0)).toMatchObject({
      ok: true,
      atMs: Date.parse('2026-11-26T00:00:00Z'),
    });
    // Today's midnight is already past at noon.
    expect(parseReview('2026-11-25', T0)).toMatchObject({ ok: false });
    expect(parseReview('2027-02-30', T0)).toMatchObject({
      ok: false,
      problem: /not a duration or a date/,
    });
    expect(parseReview('soon', T0)).toMatchObject({
      ok: false,
      problem: /not a duration or a date/,
    });
    expect(parseReview('', T0)).toMatchObject({ ok: false, problem: /say when to look again/ });
  });

  it('p on marked slaves, a reason, Enter: the confirmation says what parking does; Enter sends it', () => {
    const { store, sent } = fedStore();
    press(store, '0', ' ', ' ', 'p');
    expect(store.getState().form?.kind).toBe('park');
    expect(store.getState().form?.targets).toHaveLength(2);
    // Enter on an empty reason stays there, the problem now red.
    press(store, ENTER);
    expect(store.getState().mode).toBe('form');
    expect(store.getState().form?.tried).toBe(true);
    press(store, 'rack 9 gone', ENTER);
    const c = store.getState().confirm!;
    expect(confirmTitle(c.request, T0)).toBe('Park 2 slaves?');
    expect(requestWords(c.request, T0).slice(1)).toEqual([
      'corral keeps them muted (it renews their downtime) until they are unparked',
      'reason: rack 9 gone',
      'owner: you',
      'review due 12-25 12:00 UTC: flagged in the console and corral ls then',
    ]);
    press(store, ENTER);
    expect(sent).toEqual([
      expect.objectContaining({
        type: 'action',
        kind: 'park',
        params: { reason: 'rack 9 gone', review: '30d' },
      }),
    ]);
  });

  it('P unparks only the parked slaves among the marks; none parked says so and opens nothing', () => {
    const { store } = fedStore();
    press(store, 'a', 'P');
    const c = store.getState().confirm!;
    expect(c.request).toEqual({ kind: 'unpark', targets: expect.any(Array) });
    expect([...c.request.targets].sort()).toEqual(['parked-dead', 'parked-due']);
    expect(confirmTitle(c.request, T0)).toBe('Unpark 2 slaves?');
    press(store, { escape: true }, 'u', '1', 'P');
    expect(store.getState().mode).toBe('table');
    expect(store.getState().notice).toBe('it is not parked: nothing to unpark (p parks)');
  });
});

describe('what the targets already have, in the confirmation', () => {
  it('a park skips the parked, an unpark ends their parks, an extend moves the downtimes', () => {
    const { store } = fedStore();
    const slaves = store.getState().slaves;
    const all = [...slaves.keys()];
    expect(alreadyThere({ kind: 'park', targets: all }, slaves, 'bob', T0).lines).toEqual([
      '2 already parked by jdoe for releng: old 0.7 master: skipped',
    ]);
    expect(alreadyThere({ kind: 'unpark', targets: all }, slaves, 'jdoe', T0).lines).toEqual([
      'ends the park of 2, parked by you for releng: old 0.7 master',
    ]);
    expect(
      alreadyThere({ kind: 'extend-downtime', targets: all }, slaves, 'jdoe', T0).lines,
    ).toEqual([
      'moves your downtime until 14:00 UTC on 2: waiting for hands',
      'moves your downtime until 14:00 UTC on 1: parked: old 0.7 master',
    ]);
  });
});

describe('until back, extend and shorten', () => {
  it('the downtime form sends untilBack when chosen, and the confirmation says when it ends', () => {
    const { store, sent } = fedStore();
    press(store, 'd', TAB, 'no hands', TAB, TAB, { rightArrow: true });
    expect(store.getState().form?.values.untilBack).toBe(true);
    press(store, ENTER);
    const request = store.getState().confirm!.request;
    expect(request.params).toEqual({ comment: 'no hands', duration: '2h', untilBack: true });
    expect(requestWords(request, T0)).toContain(
      "until back: each ends at its slave's next buildbot start (corral cancels it), at the latest 14:00 UTC",
    );
    press(store, ENTER);
    expect(sent[0]).toMatchObject({ kind: 'downtime', params: { untilBack: true } });
  });

  it('MUTED says an until-back downtime ends at the next start, at the latest at its end', () => {
    const dt = downtime() as Extract<Muting, { kind: 'downtime' }>;
    const back = { ...dt, untilBack: true, actionId: 9 };
    const row = (mutes: Muting[]) =>
      toRow({ ...view('s'), muted: mutes[0]!, mutes }, DEFAULT_POLICY, T0);
    expect(formatMuted(row([back]))).toBe('DT→back≤11-25 14:00');
    // With a plain downtime too, the slave stays muted past its next start: a plain end.
    expect(formatMuted(row([back, { ...dt, untilBack: false, actionId: null }]))).toBe(
      'DT→11-25 14:00 ×2',
    );
  });

  it('reads moves: later, earlier, to a time; refuses nothing, words and the past', () => {
    expect(parseShift('7d', T0)).toEqual({ ok: true, kind: 'by', text: '7d', seconds: 7 * 86400 });
    expect(parseShift('-2h', T0)).toEqual({ ok: true, kind: 'by', text: '-2h', seconds: -7200 });
    expect(parseShift('+1d', T0)).toEqual({ ok: true, kind: 'by', text: '1d', seconds: 86400 });
    expect(parseShift('18:00', T0)).toEqual({ ok: true, kind: 'to', endMs: T0 + 6 * 3600_000 });
    expect(parseShift('', T0)).toMatchObject({ ok: false, problem: /say how far/ });
    expect(parseShift('-', T0)).toMatchObject({ ok: false, problem: /not a duration or a time/ });
    expect(parseShift('2026-11-24 10:00', T0)).toMatchObject({
      ok: false,
      problem: 'that time is already past',
    });
    expect(parseShift('400d', T0)).toMatchObject({ ok: false });
  });

  it('e takes only the slaves in a downtime and sends extend, or until for a time', () => {
    const { store, sent } = fedStore();
    press(store, 'a', 'e');
    const form = store.getState().form!;
    expect(form.kind).toBe('extend-downtime');
    expect([...form.targets].sort()).toEqual(['muted-dead', 'muted-ok', 'parked-due']);
    expect(formRequest(form, T0)?.params).toEqual({ extend: '1d' });
    press(store, '-2h', ENTER);
    const request = store.getState().confirm!.request;
    expect(request.params).toEqual({ extend: '-2h' });
    expect(confirmTitle(request, T0)).toBe(
      'Move the end of their downtimes 2h earlier on 3 slaves?',
    );
    press(store, ENTER);
    expect(sent[0]).toMatchObject({ kind: 'extend-downtime', params: { extend: '-2h' } });
    const to = typeText({ ...form, pristine: ['shift'] }, '18:00');
    expect(formRequest(to, T0)?.params).toEqual({ until: '2026-11-25T18:00:00.000Z' });
  });

  it('e on a slave in no downtime says so', () => {
    const { store } = fedStore();
    press(store, '1', 'e');
    expect(store.getState().mode).toBe('table');
    expect(store.getState().notice).toBe(
      'it is not in a downtime: e moves the end of downtimes (d schedules one)',
    );
  });

  it("u in a reboot's confirmation asks for an until-back downtime, and again for none", () => {
    const { store } = fedStore();
    store.getState().applyMessages([{ ...hello(), reboot: { methods: ['ssh'], pools: {} } }], T0);
    press(store, 'r');
    expect(store.getState().confirm?.request.kind).toBe('reboot');
    press(store, 'u');
    expect(store.getState().confirm?.request.params).toEqual({ downtimeUntilBack: true });
    expect(requestWords(store.getState().confirm!.request, T0)).toContain(
      'and a downtime on each until it starts again: it alerts only if it does not come back',
    );
    press(store, 'u');
    expect(store.getState().confirm?.request.params).toEqual({});
  });
});

describe('undo from the action log', () => {
  const parkAction = actionView({
    id: 12,
    kind: 'park',
    summary: 'jdoe parked 3 slaves',
    targets: ['a', 'b', 'c'].map((slave) => ({ slave, status: 'confirmed', error: null })),
    finishedAt: new Date(T0).toISOString(),
    outcome: 'done',
  });

  it('u on the selected action confirms, then sends undo on its targets with its id', () => {
    const { store, sent } = fedStore();
    store.getState().setLog({ status: 'ready', actions: [parkAction] });
    press(store, 'L', 'u');
    const c = store.getState().confirm!;
    expect(c.request).toEqual({ kind: 'undo', targets: ['a', 'b', 'c'], params: { actionId: 12 } });
    expect(confirmTitle(c.request, T0)).toBe('Undo action #12 on 3 slaves?');
    // a, b and c are not among the slaves shown.
    expect(c.hidden).toBe(3);
    expect(sent).toEqual([]);
    press(store, ENTER);
    expect(sent).toEqual([
      expect.objectContaining({ kind: 'undo', targets: ['a', 'b', 'c'], params: { actionId: 12 } }),
    ]);
  });

  it('an undone action says by whom, and u on it says so instead of asking', () => {
    const { store, sent } = fedStore();
    const undone = { ...parkAction, undoneBy: { actionId: 14, by: 'bob' } };
    expect(logLine(undone, T0)).toBe(
      '12:00 UTC ✓ jdoe parked 3 slaves — 3 confirmed · undone by bob (#14)',
    );
    store.getState().setLog({ status: 'ready', actions: [undone] });
    press(store, 'L', 'u');
    expect(store.getState().mode).toBe('log');
    expect(store.getState().notice).toBe('#12 was already undone by bob (#14): nothing to undo');
    expect(sent).toEqual([]);
  });

  it('a viewer cannot undo', () => {
    const { store } = fedStore();
    store.getState().applyMessages([{ ...hello(), you: { name: 'vera', role: 'viewer' } }], T0);
    store.getState().setLog({ status: 'ready', actions: [parkAction] });
    press(store, 'L', 'u');
    expect(store.getState().mode).toBe('log');
    expect(store.getState().notice).toBe('your token (viewer) cannot act: an operator token can');
  });
});

describe('hygiene', () => {
  const items: HygieneItem[] = [
    {
      kind: 'mute-ending',
      slave: 'muted-dead',
      detail: 'downtime ends in 2h; the slave is dead',
      by: 'jdoe',
      until: new Date(T0 + 2 * 3600_000).toISOString(),
    },
    { kind: 'review-due', slave: 'parked-due', detail: 'review was due', by: 'jdoe', until: null },
    {
      kind: 'foreign-downtime',
      slave: 'gone',
      detail: 'by nagiosadmin',
      by: 'nagiosadmin',
      until: null,
    },
  ];

  it('holds what hello and each hygiene message say, the latest whole; a hello without it empties it', () => {
    const { store } = fedStore();
    store.getState().applyMessages([{ ...hello(), hygiene: items }], T0);
    expect(store.getState().hygiene).toEqual(items);
    press(store, 'H', 'j', 'j');
    expect(store.getState().hygieneCursor).toBe(2);
    store.getState().applyMessages([{ type: 'hygiene', items: items.slice(0, 1) }], T0);
    expect(store.getState().hygiene).toHaveLength(1);
    // The cursor stays on an item.
    expect(store.getState().hygieneCursor).toBe(0);
    store.getState().applyMessages([hello()], T0);
    expect(store.getState().hygiene).toEqual([]);
  });

  it('Enter on an item shows its slave with its detail open, clearing a filter that hid it', () => {
    const { store } = fedStore();
    store.getState().applyMessages([{ type: 'hygiene', items }], T0);
    press(store, '4', 'H', 'j', ENTER);
    let s = store.getState();
    expect(s.mode).toBe('table');
    expect(s.detailOpen).toBe(true);
    expect(s.visible[s.cursor]?.name).toBe('parked-due');
    press(store, { escape: true }, 'H', ENTER);
    s = store.getState();
    expect(s.stateFilter).toBe('all');
    expect(s.visible[s.cursor]?.name).toBe('muted-dead');
    // A slave the collector does not have: said, and the view stays.
    press(store, { escape: true }, 'H', 'j', 'j', ENTER);
    expect(store.getState().mode).toBe('hygiene');
    expect(store.getState().notice).toBe('gone is not among the slaves this collector has');
  });

  it('writes an item as kind, slave, whose, until (local) and detail', () => {
    expect(hygieneLine(items[0]!, 12, T0)).toBe(
      'mute ending  muted-dead   jdoe         14:00 UTC       downtime ends in 2h; the slave is dead',
    );
    expect(hygieneLine(items[1]!, 12, T0)).toBe(
      'review due   parked-due   jdoe         -               review was due',
    );
  });
});
