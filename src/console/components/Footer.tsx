// The bottom lines: filter prompt, view settings, what is shown, and the marks (always with how many are hidden).
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

const STATE_FILTER_LABELS = { all: 'all', problems: 'problems only', muted: 'muted only' } as const;

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
          {stateFilter !== 'all' ? `[${STATE_FILTER_LABELS[stateFilter]}]  ` : ''}
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
      <Text wrap="truncate" dimColor>
        {serverError
          ? `collector: ${serverError}`
          : editing
            ? 'type to filter · /regex/ · Enter keep · Esc clear'
            : '? help  / filter  space mark  a mark all  u unmark  x actions  s sort  b group  Enter detail  q quit'}
      </Text>
    </Box>
  );
}
