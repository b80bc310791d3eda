// The top two lines: where we are connected, as whom, the server's clock, and counts per state.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { SLAVE_STATES } from '../../domain/state.js';
import { STATE_COLORS, formatClock } from '../format.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

const STATUS_COLORS = { connected: 'green', connecting: 'yellow', disconnected: 'red' } as const;

export function Header({ store, zone }: { store: ConsoleStore; zone: string }) {
  const color = useColor();
  const url = useStore(store, (s) => s.url);
  const status = useStore(store, (s) => s.connection.status);
  const you = useStore(store, (s) => s.you);
  const now = useStore(store, (s) => s.now);
  const counts = useStore(store, (s) => s.counts);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>corral</Text> {url}{' '}
        <Text color={tint(color, STATUS_COLORS[status])}>● {status}</Text>
        {you ? ` as ${you.name} (${you.role})` : ''} server time {formatClock(now)} {zone}
      </Text>
      <Text wrap="truncate">
        {SLAVE_STATES.map((state) => (
          <Text
            key={state}
            color={counts[state] > 0 ? tint(color, STATE_COLORS[state]) : undefined}
            dimColor={counts[state] === 0}
          >
            {state} {counts[state]}
            {'  '}
          </Text>
        ))}
        <Text dimColor={counts.muted === 0}>muted {counts.muted}</Text>
        <Text dimColor>{`  of ${counts.total}`}</Text>
      </Text>
    </Box>
  );
}
