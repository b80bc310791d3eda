// The action form: one line a field, the problem beside it as the operator types (red once Enter
// was pressed), and what a valid length means in local time.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import {
  FIELDS,
  QUICK_CHOICES,
  actionKindOf,
  formProblems,
  parseLength,
  parseReview,
  parseShift,
  quickChoice,
  type ActionForm,
  type FieldKey,
  type FormKind,
  type TextFieldKey,
} from '../action-form.js';
import { formatWhen } from '../action-words.js';
import { formatDuration } from '../../domain/duration.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

/** The border, the title and a line a field (the form's keys are in the footer). */
export function formPaneLines(kind: FormKind): number {
  return 3 + FIELDS[kind].length;
}

/** The form's title for its slaves (`3 slaves`). */
const TITLES: Record<FormKind, (slaves: string) => string> = {
  downtime: (slaves) => `Schedule a downtime on ${slaves}`,
  ack: (slaves) => `Acknowledge the problem on ${slaves}`,
  recheck: (slaves) => `Recheck on ${slaves}`,
  park: (slaves) => `Park ${slaves}`,
  'extend-downtime': (slaves) => `Move the end of the downtimes on ${slaves}`,
};

const LABELS: Record<FieldKey, string> = {
  length: 'for / until',
  comment: 'comment',
  flexible: 'kind',
  untilBack: 'until back',
  sticky: 'sticky',
  force: 'how',
  reason: 'reason',
  owner: 'owner',
  review: 'review',
  ticket: 'ticket',
  shift: 'by / to',
};

export function ActionFormPane({ store }: { store: ConsoleStore }) {
  const color = useColor();
  const form = useStore(store, (s) => s.form);
  const now = useStore(store, (s) => s.now);
  if (!form) return null;
  const problems = formProblems(form, now);
  const n = form.targets.length;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={formPaneLines(form.kind)}>
      <Text bold wrap="truncate">
        {TITLES[form.kind](`${n} slave${n === 1 ? '' : 's'}`)}
        {form.hidden > 0 ? ` (${form.hidden} of them hidden by the current filter)` : ''}
      </Text>
      {FIELDS[form.kind].map((key, i) => (
        <Field
          key={key}
          label={LABELS[key]}
          focused={i === form.focus}
          value={valueText(form, key)}
          selected={form.pristine.some((k) => k === key)}
          hint={problems[key] ?? hintFor(form, key, now)}
          problem={problems[key] !== undefined}
          tried={form.tried}
          color={color}
        />
      ))}
    </Box>
  );
}

function Field(p: {
  label: string;
  focused: boolean;
  value: string;
  /** A default not edited yet: drawn selected, as the first key typed replaces it. */
  selected: boolean;
  hint: string;
  problem: boolean;
  tried: boolean;
  color: boolean;
}) {
  const hintColor = p.problem ? (p.tried ? 'red' : 'yellow') : undefined;
  return (
    <Text wrap="truncate">
      <Text bold={p.focused} inverse={p.focused}>
        {(p.focused ? '▸ ' : '  ') + p.label.padEnd(12)}
      </Text>{' '}
      <Text bold inverse={p.focused && p.selected}>
        {p.value}
      </Text>
      {p.focused && !p.value.startsWith('[') ? '▏' : ''}
      {'  '}
      <Text color={hintColor ? tint(p.color, hintColor) : undefined} dimColor={!p.problem}>
        {p.hint}
      </Text>
    </Text>
  );
}

function valueText(form: ActionForm, key: FieldKey): string {
  const v = form.values;
  switch (key) {
    case 'length':
    case 'comment':
    case 'reason':
    case 'owner':
    case 'review':
    case 'ticket':
    case 'shift':
      return v[key];
    case 'untilBack':
      return v.untilBack ? '[no | YES]' : '[NO | yes]';
    case 'flexible':
      return v.flexible ? '[fixed | FLEXIBLE]' : '[FIXED | flexible]';
    case 'sticky':
      return v.sticky ? '[YES | no]' : '[yes | NO]';
    case 'force':
      return v.force ? '[re-submit state | FORCE A CHECK]' : '[RE-SUBMIT STATE | force a check]';
  }
}

/** `(← 1d → 7d, or type 45m, 18:00)`: the quick choices around the value, and what else to type. */
function choicesHint(form: ActionForm, key: TextFieldKey, typed: string): string {
  const choices = QUICK_CHOICES[key]!;
  const v = form.values[key];
  return `(← ${quickChoice(v, -1, choices)} → ${quickChoice(v, 1, choices)}, or type ${typed})`;
}

function hintFor(form: ActionForm, key: FieldKey, now: number): string {
  const v = form.values;
  if (key === 'length') {
    const length = parseLength(v.length, now);
    if (!length.ok) return length.problem;
    const choices = choicesHint(form, 'length', '45m, 18:00');
    return length.kind === 'duration'
      ? `until ${formatWhen(length.endMs, now)} ${choices}`
      : `for ${formatDuration(length.seconds)} ${choices}`;
  }
  if (key === 'untilBack') {
    return v.untilBack
      ? "ends at the slave's next buildbot start (the length is the longest it lasts)"
      : 'lasts its length';
  }
  if (key === 'review') {
    const review = parseReview(v.review, now);
    if (!review.ok) return review.problem;
    return `review due ${formatWhen(review.atMs, now)} ${choicesHint(form, 'review', '2027-01-15')}`;
  }
  if (key === 'shift') {
    const shift = parseShift(v.shift, now);
    if (!shift.ok) return shift.problem;
    const choices = choicesHint(form, 'shift', '-6h, 18:00');
    return shift.kind === 'to'
      ? `each ends at ${formatWhen(shift.endMs, now)} ${choices}`
      : `each ends ${formatDuration(Math.abs(shift.seconds))} ${shift.seconds < 0 ? 'earlier' : 'later'} ${choices}`;
  }
  if (key === 'owner') return 'who looks after them (empty: you)';
  if (key === 'ticket') return 'a ticket or URL (optional)';
  if (key === 'reason') return 'why they are idle on purpose';
  if (key === 'flexible') {
    return form.values.flexible
      ? 'starts when the slave goes non-OK within the window'
      : 'from now to the end';
  }
  if (key === 'sticky') {
    return form.values.sticky ? 'until the slave is OK again' : 'until the next change of state';
  }
  if (key === 'force') {
    return actionKindOf(form) === 'force-check'
      ? 'f: Nagios runs the check now'
      : 'r: send Nagios the state corral knows (after a Nagios restart)';
  }
  return '';
}
