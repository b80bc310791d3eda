// The bottom lines: filter prompt, view settings, what is shown, and the marks (always with how many
// are hidden); then the status line: a notice, the progress of this console's last action, or the keys.
// A message is shown whole, wrapped over as many lines as it takes; the keys, whole, as many as fit.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { BAD_STATUSES, countsWords, outcomeMark } from '../action-words.js';
import { keyLine } from '../key-table.js';
import type { ConsoleState, ConsoleStore, Mode } from '../store.js';
import { QUICK_FILTER_LABELS } from '../triage.js';
import { wrapText } from '../wrap.js';
import { tint, useColor } from './theme.js';

/** Between the keys of the table's line, and of a pane's (fewer, so set apart more plainly). */
const separatorOf = (mode: Mode): string => (mode === 'table' ? '  ' : ' · ');

/**
 * What the status line must say whole: a notice, this console's last action (its progress or why it
 * was refused), an error from the collector (dimmed); null when it shows the keys. Pure.
 */
export function statusMessage(s: ConsoleState): { text: string; tone: string | null } | null {
  if (s.notice) return { text: s.notice, tone: 'yellow' };
  const progress = s.mode === 'filter' ? null : ownProgress(s);
  if (progress) return progress;
  if (s.serverError) return { text: `collector: ${s.serverError}`, tone: 'dim' };
  return null;
}

/** The footer's lines at this width: the view line, then the status message wrapped (or the keys). */
export function footerHeight(s: ConsoleState, columns: number): number {
  const message = statusMessage(s);
  return 1 + (message === null ? 1 : wrapText(message.text, columns).length);
}

export function Footer({ store, columns }: { store: ConsoleStore; columns: number }) {
  const color = useColor();
  const mode = useStore(store, (s) => s.mode);
  const filterText = useStore(store, (s) => s.filterText);
  const filterError = useStore(store, (s) => s.filterError);
  const stateFilter = useStore(store, (s) => s.stateFilter);
  const sort = useStore(store, (s) => s.sort);
  const grouping = useStore(store, (s) => s.grouping);
  const shown = useStore(store, (s) => s.visible.length);
  const total = useStore(store, (s) => s.counts.total);
  const marked = useStore(store, (s) => s.marks.size);
  const hidden = useStore(store, (s) => s.hiddenMarks);
  // Primitives only: a selector returning a fresh object would re-render forever.
  const message = useStore(store, (s) => statusMessage(s)?.text ?? null);
  const tone = useStore(store, (s) => statusMessage(s)?.tone ?? null);
  const lines = useMemo(
    () => (message === null ? [] : wrapText(message, columns)),
    [message, columns],
  );
  // The keys from the key table, as many whole ones as the width takes: what the keys do now.
  const keys = useMemo(() => keyLine(mode, separatorOf(mode), columns), [mode, columns]);
  const editing = mode === 'filter';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {editing || filterText ? (
          <Text color={tint(color, filterError ? 'red' : 'cyan')}>
            /{filterText}
            {editing ? '▏' : ''}
            {filterError ? `  ${filterError}` : ''}
            {'  '}
          </Text>
        ) : null}
        <Text>
          {stateFilter !== 'all' ? `[${QUICK_FILTER_LABELS[stateFilter]}]  ` : ''}
          {`showing ${shown} of ${total}  sort: ${sort}`}
          {grouping !== 'none' ? `  by ${grouping}` : ''}
          {'  '}
        </Text>
        {marked > 0 ? (
          <Text bold color={tint(color, 'cyan')}>
            {marked} marked{hidden > 0 ? ` (${hidden} hidden by filter)` : ''}
          </Text>
        ) : null}
      </Text>
      {lines.length > 0 ? (
        lines.map((line, i) => (
          <Text
            key={i}
            wrap="truncate"
            dimColor={tone === 'dim'}
            color={tone && tone !== 'dim' ? tint(color, tone) : undefined}
          >
            {line}
          </Text>
        ))
      ) : (
        <Text wrap="truncate" dimColor>
          {keys}
        </Text>
      )}
    </Box>
  );
}

/** This console's last action as it stands: waiting, refused, or its counts and first failure. */
export function ownProgress(s: ConsoleState): { text: string; tone: string | null } | null {
  const own = s.own;
  if (!own) return null;
  if (own.error)
    return { text: `the collector refused the ${own.kind}: ${own.error}`, tone: 'red' };
  const action = own.actionId === null ? undefined : s.log.find((a) => a.id === own.actionId);
  if (!action) {
    return {
      text: `${own.kind} on ${own.targets} slave${own.targets === 1 ? '' : 's'}: sent, waiting for the collector…`,
      tone: null,
    };
  }
  const failure = action.targets.find((t) => BAD_STATUSES.has(t.status));
  const { mark, tone, words } = outcomeMark(action);
  const text = `${mark} ${words ? `${words}: ` : ''}${action.summary} — ${countsWords(action)}${failure ? ` · ${failure.slave}: ${failure.error ?? failure.status}` : ''}${failure || words ? ' (L: the log)' : ''}`;
  return { text, tone: failure && tone === 'cyan' ? 'red' : tone };
}
