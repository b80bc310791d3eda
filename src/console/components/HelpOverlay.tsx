// The help overlay: every key, from the dispatcher's own list.
import { Box, Text } from 'ink';
import { KEY_HELP } from '../keys.js';

/** `height` is the most it may take; it takes what its lines need. */
export function HelpOverlay({ height }: { height: number }) {
  const width = Math.max(...KEY_HELP.map(([k]) => k.length)) + 2;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>corral console: keys (any key closes)</Text>
      {KEY_HELP.slice(0, Math.max(height - 3, 0)).map(([keys, what]) => (
        <Text key={keys} wrap="truncate">
          <Text bold>{keys.padEnd(width)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
