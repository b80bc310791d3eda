// The bottom lines: filter prompt, view settings, what is shown, and the marks (always with how many
// are hidden); then the status line: a notice, the progress of this console's last action, or the keys.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { BAD_STATUSES, countsWords, outcomeMark } from '../action-words.js';
import type { ConsoleState, ConsoleStore } from '../store.js';
import { QUICK_FILTER_LABELS } from '../triage.js';
import { tint, useColor } from './theme.js';

export function Footer({ store }: { store: ConsoleStore }) {
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
  const serverError = useStore(store, (s) => s.serverError);
  const notice = useStore(store, (s) => s.notice);
  // Primitives only: a selector returning a fresh object would re-render forever.
  const progressText = useStore(store, (s) => ownProgress(s)?.text ?? null);
  const progressTone = useStore(store, (s) => ownProgress(s)?.tone ?? null);
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
      {notice ? (
        <Text wrap="truncate" color={tint(color, 'yellow')}>
          {notice}
        </Text>
      ) : progressText && !editing ? (
        <Text wrap="truncate" color={progressTone ? tint(color, progressTone) : undefined}>
          {progressText}
        </Text>
      ) : (
        <Text wrap="truncate" dimColor>
          {serverError
            ? `collector: ${serverError}`
            : editing
              ? 'type to filter · /regex/ · Enter keep · Esc clear'
              : '? help  / filter  space mark  x act  d downtime  c recheck  A ack  r reboot  L log  s sort  Enter detail  q quit'}
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
