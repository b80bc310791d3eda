// The `x` menu: the actions, their keys, and exactly which slaves they would touch.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { ConsoleStore } from '../store.js';

export const MENU = [
  ['d', 'schedule a downtime'],
  ['D', 'cancel the downtimes'],
  ['c', 'recheck: re-submit the current state, or force a check'],
  ['A', 'acknowledge the problem'],
  ['U', 'remove the acknowledgement'],
  ['r', 'reboot: the configured methods, in order, until the next buildbot start'],
  ['R', 'cancel the reboots (stops the commands running)'],
] as const;

export const ACTION_MENU_LINES = MENU.length + 4;

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
      {MENU.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          {'  '}
          <Text bold>{key}</Text> {what}
        </Text>
      ))}
      <Text dimColor>Esc closes</Text>
    </Box>
  );
}
