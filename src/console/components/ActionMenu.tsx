// The `x` menu: the actions and their keys (from the key table), and exactly which slaves they
// would touch.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { ACTIONS } from '../key-table.js';
import type { ConsoleStore } from '../store.js';

export const ACTION_MENU_LINES = ACTIONS.length + 4;

export function ActionMenu({ store }: { store: ConsoleStore }) {
  const marked = useStore(store, (s) => s.marks.size);
  const hidden = useStore(store, (s) => s.hiddenMarks);
  const cursorName = useStore(store, (s) => s.cursorName);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold wrap="truncate">
        {marked > 0
          ? `Actions on the ${marked} marked slave${marked === 1 ? '' : 's'}${hidden > 0 ? ` (${hidden} hidden by filter)` : ''}`
          : `Actions on ${cursorName ?? 'the slave under the cursor'} (nothing marked)`}
      </Text>
      {ACTIONS.map(({ key, does }) => (
        <Text key={key} wrap="truncate">
          {'  '}
          <Text bold>{key}</Text> {does}
        </Text>
      ))}
      <Text dimColor>Esc closes</Text>
    </Box>
  );
}
