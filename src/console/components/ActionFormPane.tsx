// The action form: one line a field, the problem beside it as the operator types (red once Enter
// was pressed), and what a valid length means in local time.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import {
  FIELDS,
  actionKindOf,
  formProblems,
  parseLength,
  quickLength,
  type ActionForm,
  type FieldKey,
} from '../action-form.js';
import { formatWhen } from '../action-words.js';
import { formatDuration } from '../../domain/duration.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

/** The border, the title and at most three fields (the form's keys are in the footer). */
export const FORM_PANE_LINES = 6;

const TITLES = {
  downtime: 'Schedule a downtime',
  ack: 'Acknowledge the problem',
  recheck: 'Recheck',
} as const;

const LABELS: Record<FieldKey, string> = {
  length: 'for / until',
  comment: 'comment',
  flexible: 'kind',
  sticky: 'sticky',
  force: 'how',
};

export function ActionFormPane({ store }: { store: ConsoleStore }) {
  const color = useColor();
  const form = useStore(store, (s) => s.form);
  const now = useStore(store, (s) => s.now);
  if (!form) return null;
  const problems = formProblems(form, now);
  const n = form.targets.length;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={FORM_PANE_LINES}>
      <Text bold wrap="truncate">
        {TITLES[form.kind]} on {n} slave{n === 1 ? '' : 's'}
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
      return v.length;
    case 'comment':
      return v.comment;
    case 'flexible':
      return v.flexible ? '[fixed | FLEXIBLE]' : '[FIXED | flexible]';
    case 'sticky':
      return v.sticky ? '[YES | no]' : '[yes | NO]';
    case 'force':
      return v.force ? '[re-submit state | FORCE A CHECK]' : '[RE-SUBMIT STATE | force a check]';
  }
}

function hintFor(form: ActionForm, key: FieldKey, now: number): string {
  if (key === 'length') {
    const length = parseLength(form.values.length, now);
    if (!length.ok) return length.problem;
    const v = form.values.length;
    const choices = `(← ${quickLength(v, -1)} → ${quickLength(v, 1)}, or type 45m, 18:00)`;
    return length.kind === 'duration'
      ? `until ${formatWhen(length.endMs, now)} ${choices}`
      : `for ${formatDuration(length.seconds)} ${choices}`;
  }
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
