// The help overlay: every key of the table, then each pane's key line, all from the key table.
import { Box, Text } from 'ink';
import { helpEntries, keyLine } from '../key-table.js';

const ENTRIES = helpEntries('table');
const KEYS_WIDTH = Math.max(...ENTRIES.map(([k]) => k.length)) + 2;
const PANES = [
  ['filter', keyLine('filter', ' · ')],
  ['form', keyLine('form', ' · ')],
  ['confirmation', keyLine('confirm', ' · ')],
  ['action log', keyLine('log', ' · ')],
  ['hygiene view', keyLine('hygiene', ' · ')],
] as const;

/** `height` is the most it may take; it takes what its lines need. */
export function HelpOverlay({ height }: { height: number }) {
  const room = Math.max(height - 3, 0);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>corral console: keys (any key closes)</Text>
      {ENTRIES.slice(0, room).map(([keys, what]) => (
        <Text key={keys} wrap="truncate">
          <Text bold>{keys.padEnd(KEYS_WIDTH)}</Text>
          {what}
        </Text>
      ))}
      {PANES.slice(0, Math.max(room - ENTRIES.length, 0)).map(([pane, line]) => (
        <Text key={pane} wrap="truncate" dimColor>
          {`in the ${pane}: `.padEnd(KEYS_WIDTH)}
          {line}
        </Text>
      ))}
    </Box>
  );
}
