// The action menu on the marked slaves. The actions themselves arrive with the next issues;
// this is where they go, and it already says exactly which slaves an action would touch.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { ConsoleStore } from '../store.js';

export const PLANNED_ACTIONS = ['downtime', 'recheck', 'acknowledge', 'reboot'] as const;

export function ActionMenu({ store }: { store: ConsoleStore }) {
  const marked = useStore(store, (s) => s.marks.size);
  const hidden = useStore(store, (s) => s.hiddenMarks);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>
        Actions on {marked} marked slave{marked === 1 ? '' : 's'}
        {hidden > 0 ? ` (${hidden} hidden by filter)` : ''}
      </Text>
      {marked === 0 ? <Text>Mark slaves first: space marks one, a marks all shown.</Text> : null}
      {PLANNED_ACTIONS.map((a) => (
        <Text key={a} dimColor>
          {'  '}
          {a} (not available yet)
        </Text>
      ))}
      <Text dimColor>Esc closes</Text>
    </Box>
  );
}
