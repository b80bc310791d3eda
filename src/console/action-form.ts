// The action form's model, pure: which fields each action has, their defaults, editing, the
// problems shown as the operator types, and the request it becomes. Times are UTC epoch ms.
import { DOWNTIME_TOO_LONG, MAX_DOWNTIME_SECONDS } from '../domain/downtime-window.js';
import { parseDuration } from '../domain/duration.js';
import type { ActionKind, ActionRequest } from '../domain/protocol.js';
import { fieldText } from './key-splitter.js';

/**
 * The forms the keys open: `c` is recheck with a choice to force, `A` acknowledge, `p` park, `e`
 * move the end of the downtimes.
 */
export type FormKind = 'downtime' | 'ack' | 'recheck' | 'park' | 'extend-downtime';
/** What an action key opens: a form, else (nothing to fill in) the confirmation. */
export type KeyedKind = Exclude<ActionKind, 'force-check' | 'undo'>;
export type TextFieldKey =
  'length' | 'comment' | 'reason' | 'owner' | 'review' | 'ticket' | 'shift';
export type FieldKey = TextFieldKey | 'flexible' | 'untilBack' | 'sticky' | 'force';

export interface FormValues {
  /** A duration (`2h`, `30d`) or an end time (`18:00`, `2026-11-26 18:00`, ISO 8601 with a zone). */
  length: string;
  comment: string;
  flexible: boolean;
  /** downtime: ends at the slave's next buildbot start, the length its upper bound. */
  untilBack: boolean;
  sticky: boolean;
  /** recheck: force a check instead of re-submitting the current state. */
  force: boolean;
  /** park: why (required), who owns the slaves (empty: the collector says), a ticket URL. */
  reason: string;
  owner: string;
  /** park: when to look again: a duration from now (`30d`) or a date (`2027-01-15`). */
  review: string;
  ticket: string;
  /** extend-downtime: how far the end moves (`7d`, `-2h` shortens), or the new end (`18:00`). */
  shift: string;
}

export interface ActionForm {
  kind: FormKind;
  /** The slaves it is for: the marks (all of them, shown or not) or the cursor row. */
  targets: string[];
  /** How many of the targets the current filters hide. */
  hidden: number;
  values: FormValues;
  focus: number;
  /**
   * The text fields still holding their default (or a quick choice): shown selected, and the
   * first key typed there replaces the value instead of adding to it.
   */
  pristine: readonly TextFieldKey[];
  /** Set once Enter was pressed: problems then show in red, not as hints. */
  tried: boolean;
}

export const FIELDS: Record<FormKind, readonly FieldKey[]> = {
  downtime: ['length', 'comment', 'flexible', 'untilBack'],
  ack: ['comment', 'sticky'],
  recheck: ['force'],
  park: ['reason', 'owner', 'review', 'ticket'],
  'extend-downtime': ['shift'],
};

export function isFormKind(kind: KeyedKind): kind is FormKind {
  return Object.hasOwn(FIELDS, kind);
}

export const TEXT_FIELDS: ReadonlySet<FieldKey> = new Set<TextFieldKey>([
  'length',
  'comment',
  'reason',
  'owner',
  'review',
  'ticket',
  'shift',
]);

function isTextField(key: FieldKey): key is TextFieldKey {
  return TEXT_FIELDS.has(key);
}

/** The quick choices ←/→ cycle through on the text fields that have them. */
export const QUICK_CHOICES: Partial<Record<TextFieldKey, readonly string[]>> = {
  length: ['2h', '1d', '7d', '30d'],
  review: ['7d', '30d', '90d'],
  shift: ['2h', '1d', '7d', '-2h'],
};
export const QUICK_LENGTHS = QUICK_CHOICES.length!;

/** Each form's text fields that start with a default (selected: the first key replaces it). */
const DEFAULTS: Partial<Record<FormKind, readonly TextFieldKey[]>> = {
  downtime: ['length'],
  park: ['review'],
  'extend-downtime': ['shift'],
};

export function newForm(kind: FormKind, targets: string[], hidden: number): ActionForm {
  return {
    kind,
    targets,
    hidden,
    values: {
      length: '2h',
      comment: '',
      flexible: false,
      untilBack: false,
      sticky: true,
      force: false,
      reason: '',
      owner: '',
      review: '30d',
      ticket: '',
      shift: '1d',
    },
    focus: 0,
    pristine: DEFAULTS[kind] ?? [],
    tried: false,
  };
}

export function focusedField(form: ActionForm): FieldKey {
  return FIELDS[form.kind][form.focus]!;
}

export function moveFocus(form: ActionForm, delta: number): ActionForm {
  const n = FIELDS[form.kind].length;
  return { ...form, focus: (form.focus + delta + n) % n };
}

/** A text field's new value, no longer a default. */
function edited(form: ActionForm, key: TextFieldKey, value: string): ActionForm {
  const pristine = form.pristine.filter((k) => k !== key);
  return { ...form, pristine, values: { ...form.values, [key]: value } };
}

/** Typing: replaces a default, else adds to the end. */
export function typeText(form: ActionForm, text: string): ActionForm {
  const key = focusedField(form);
  if (!isTextField(key)) return form;
  // Control characters would end a Nagios command line: they never enter the form (the key
  // splitter already keeps them out; this holds whoever calls).
  const clean = fieldText(text);
  if (clean === '') return form;
  const before = form.pristine.includes(key) ? '' : form.values[key];
  return edited(form, key, before + clean);
}

/** Backspace: edits the value, a default too (what is left is then the operator's). */
export function deleteChar(form: ActionForm): ActionForm {
  const key = focusedField(form);
  if (!isTextField(key)) return form;
  return edited(form, key, form.values[key].slice(0, -1));
}

/** Ctrl-U: empties the field, as in a shell. */
export function clearField(form: ActionForm): ActionForm {
  const key = focusedField(form);
  return isTextField(key) ? edited(form, key, '') : form;
}

/** The quick choice ← (-1) or → (1) gives from this value, among `choices`. */
export function quickChoice(value: string, delta: 1 | -1, choices: readonly string[]): string {
  const at = choices.indexOf(value.trim());
  const n = choices.length;
  const next = at < 0 ? (delta > 0 ? 0 : n - 1) : (at + delta + n) % n;
  return choices[next]!;
}

/** The quick length ← (-1) or → (1) gives from this value. */
export function quickLength(length: string, delta: 1 | -1): string {
  return quickChoice(length, delta, QUICK_LENGTHS);
}

/** ←/→: the next quick choice (selected, as a default is), or flips a yes/no field. */
export function cycleChoice(form: ActionForm, delta: 1 | -1): ActionForm {
  const key = focusedField(form);
  if (isTextField(key)) {
    const choices = QUICK_CHOICES[key];
    if (choices === undefined) return form;
    const pristine = [...form.pristine.filter((k) => k !== key), key];
    const value = quickChoice(form.values[key], delta, choices);
    return { ...form, pristine, values: { ...form.values, [key]: value } };
  }
  return { ...form, values: { ...form.values, [key]: !form.values[key] } };
}

export function setChoice(form: ActionForm, key: 'force', value: boolean): ActionForm {
  return { ...form, values: { ...form.values, [key]: value } };
}

/** What the length field means: a duration from now, or an end time. */
export type Length =
  | { ok: true; kind: 'duration'; text: string; seconds: number; endMs: number }
  | { ok: true; kind: 'until'; endMs: number; seconds: number }
  | { ok: false; problem: string };

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/;
const LOCAL_TIME = /^(\d{1,2}):(\d{2})$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An end time as an operator types it: `18:00` (the next 18:00 in the local zone),
 * `2026-11-26 18:00` (local), or ISO 8601 with a zone. Null when it is none of these.
 */
export function parseLocalTime(text: string, nowMs: number): number | null {
  const t = text.trim();
  if (ZONED.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? null : ms;
  }
  let m = LOCAL_DATE_TIME.exec(t);
  if (m) {
    const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
    if (h > 23 || mi > 59) return null;
    const local = new Date(y, mo - 1, d, h, mi);
    return local.getMonth() === mo - 1 && local.getDate() === d ? local.getTime() : null;
  }
  m = LOCAL_TIME.exec(t);
  if (m) {
    const [h, mi] = m.slice(1).map(Number) as [number, number];
    if (h > 23 || mi > 59) return null;
    const now = new Date(nowMs);
    const today = new Date(now.getFullYear(), now.getMonth(), now.getDate(), h, mi);
    if (today.getTime() > nowMs) return today.getTime();
    return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, h, mi).getTime();
  }
  return null;
}

/** Durations are whole seconds added in UTC, so `30d` is exactly 30×86400 s across DST. */
export function parseLength(text: string, nowMs: number): Length {
  const t = text.trim();
  if (t === '') return { ok: false, problem: 'say how long: 2h, 30d (←/→ choose), or until 18:00' };
  const seconds = parseDuration(t);
  if (seconds !== null) {
    if (seconds > MAX_DOWNTIME_SECONDS) return { ok: false, problem: DOWNTIME_TOO_LONG };
    return { ok: true, kind: 'duration', text: t, seconds, endMs: nowMs + seconds * 1000 };
  }
  const endMs = parseLocalTime(t, nowMs);
  if (endMs === null) {
    return {
      ok: false,
      problem: `"${t}" is not a duration or a time: write 2h, 30d, 18:00 or 2026-11-26 18:00`,
    };
  }
  if (endMs <= nowMs) return { ok: false, problem: 'that time is already past' };
  const s = Math.floor((endMs - nowMs) / 1000);
  if (s > MAX_DOWNTIME_SECONDS) return { ok: false, problem: DOWNTIME_TOO_LONG };
  return { ok: true, kind: 'until', endMs, seconds: s };
}

/** A park's review: a duration from now, or a day or time (never in the past). */
export type Review =
  | { ok: true; kind: 'duration'; text: string; atMs: number }
  | { ok: true; kind: 'at'; atMs: number }
  | { ok: false; problem: string };

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `30d`, `2027-01-15` (that day, local midnight), `2027-01-15 09:00`, or ISO 8601 with a zone. */
export function parseReview(text: string, nowMs: number): Review {
  const t = text.trim();
  if (t === '')
    return { ok: false, problem: 'say when to look again: 30d, or a date (2027-01-15)' };
  const seconds = parseDuration(t);
  if (seconds !== null)
    return { ok: true, kind: 'duration', text: t, atMs: nowMs + seconds * 1000 };
  const date = LOCAL_DATE.exec(t);
  const atMs = date
    ? localDay(Number(date[1]), Number(date[2]), Number(date[3]))
    : parseLocalTime(t, nowMs);
  if (atMs === null) {
    return { ok: false, problem: `"${t}" is not a duration or a date: write 30d or 2027-01-15` };
  }
  if (atMs <= nowMs)
    return { ok: false, problem: 'that review date is already past: give a later one' };
  return { ok: true, kind: 'at', atMs };
}

/** Local midnight of that day; null when there is no such day (2026-02-30). */
function localDay(y: number, mo: number, d: number): number | null {
  const day = new Date(y, mo - 1, d);
  return day.getMonth() === mo - 1 && day.getDate() === d ? day.getTime() : null;
}

/** How the end of the downtimes moves: by a signed duration, or to a time. */
export type Shift =
  | { ok: true; kind: 'by'; text: string; seconds: number }
  | { ok: true; kind: 'to'; endMs: number }
  | { ok: false; problem: string };

/** `7d` later, `-2h` earlier, or `18:00` / `2026-11-26 18:00` as the new end. */
export function parseShift(text: string, nowMs: number): Shift {
  const t = text.trim();
  if (t === '') return { ok: false, problem: 'say how far: 7d later, -2h earlier, or until 18:00' };
  const negative = t.startsWith('-');
  const seconds = parseDuration(negative || t.startsWith('+') ? t.slice(1) : t);
  if (seconds !== null) {
    if (seconds > MAX_DOWNTIME_SECONDS) return { ok: false, problem: DOWNTIME_TOO_LONG };
    return {
      ok: true,
      kind: 'by',
      text: t.replace(/^\+/, ''),
      seconds: negative ? -seconds : seconds,
    };
  }
  const endMs = parseLocalTime(t, nowMs);
  if (endMs === null) {
    return { ok: false, problem: `"${t}" is not a duration or a time: write 7d, -2h or 18:00` };
  }
  if (endMs <= nowMs) return { ok: false, problem: 'that time is already past' };
  if ((endMs - nowMs) / 1000 > MAX_DOWNTIME_SECONDS)
    return { ok: false, problem: DOWNTIME_TOO_LONG };
  return { ok: true, kind: 'to', endMs };
}

/** What keeps the form from being sent, by field; empty when it can go. */
export function formProblems(form: ActionForm, nowMs: number): Partial<Record<FieldKey, string>> {
  const out: Partial<Record<FieldKey, string>> = {};
  const fields = FIELDS[form.kind];
  const v = form.values;
  if (fields.includes('length')) {
    const length = parseLength(v.length, nowMs);
    if (!length.ok) out.length = length.problem;
  }
  if (fields.includes('comment') && v.comment.trim() === '') {
    out.comment = 'a comment is required: say why (Nagios and the audit log keep it)';
  }
  if (fields.includes('reason') && v.reason.trim() === '') {
    out.reason = 'a reason is required: say why they are parked (corral and the audit log keep it)';
  }
  if (fields.includes('review')) {
    const review = parseReview(v.review, nowMs);
    if (!review.ok) out.review = review.problem;
  }
  if (fields.includes('shift')) {
    const shift = parseShift(v.shift, nowMs);
    if (!shift.ok) out.shift = shift.problem;
  }
  return out;
}

/** The index of the first field that keeps the form from going on, or null when it can go. */
export function fieldNeedingInput(form: ActionForm, nowMs: number): number | null {
  const problems = formProblems(form, nowMs);
  const at = FIELDS[form.kind].findIndex((key) => problems[key] !== undefined);
  return at < 0 ? null : at;
}

export function actionKindOf(form: ActionForm): ActionKind {
  if (form.kind === 'recheck') return form.values.force ? 'force-check' : 'recheck';
  return form.kind;
}

/** The request the form stands for; null while it has problems. */
export function formRequest(form: ActionForm, nowMs: number): ActionRequest | null {
  if (Object.keys(formProblems(form, nowMs)).length > 0) return null;
  const kind = actionKindOf(form);
  const targets = form.targets;
  const v = form.values;
  if (kind === 'downtime') {
    const length = parseLength(v.length, nowMs);
    if (!length.ok) return null;
    const span =
      length.kind === 'duration'
        ? { duration: length.text }
        : { until: new Date(length.endMs).toISOString() };
    return {
      kind,
      targets,
      params: {
        comment: v.comment.trim(),
        ...span,
        ...(v.flexible ? { flexible: true } : {}),
        ...(v.untilBack ? { untilBack: true } : {}),
      },
    };
  }
  if (kind === 'ack')
    return { kind, targets, params: { comment: v.comment.trim(), sticky: v.sticky } };
  if (kind === 'park') return { kind, targets, params: parkParams(v, nowMs) };
  if (kind === 'extend-downtime') {
    const shift = parseShift(v.shift, nowMs);
    if (!shift.ok) return null;
    const params =
      shift.kind === 'by' ? { extend: shift.text } : { until: new Date(shift.endMs).toISOString() };
    return { kind, targets, params };
  }
  return { kind, targets };
}

/** A park's parameters: the review as typed when a duration, else the day or time in UTC. */
function parkParams(v: FormValues, nowMs: number): NonNullable<ActionRequest['params']> {
  const review = parseReview(v.review, nowMs);
  const owner = v.owner.trim();
  const ticket = v.ticket.trim();
  return {
    reason: v.reason.trim(),
    ...(owner ? { owner } : {}),
    ...(review.ok
      ? { review: review.kind === 'duration' ? review.text : new Date(review.atMs).toISOString() }
      : {}),
    ...(ticket ? { ticket } : {}),
  };
}
