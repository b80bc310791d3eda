// The top two lines: where we are connected, as whom, what the collector is wired to (and whether
// it is reachable now), the server's clock, and counts per state.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { MonitoringLink } from '../../domain/protocol.js';
import { SLAVE_STATES } from '../../domain/state.js';
import { STATE_COLORS, formatClock } from '../format.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

const STATUS_COLORS = { connected: 'green', connecting: 'yellow', disconnected: 'red' } as const;

/** `nagios ✓`, `nagios ✗`, `no monitoring`; null from a collector that does not say. Pure. */
export function monitoringLabel(
  link: MonitoringLink | null,
): { text: string; tone: 'green' | 'red' | null } | null {
  if (link === null) return null;
  if (link.backend === 'none') return { text: 'no monitoring', tone: null };
  return link.reachable
    ? { text: `${link.backend} ✓`, tone: 'green' }
    : { text: `${link.backend} ✗`, tone: 'red' };
}

export function Header({ store, zone }: { store: ConsoleStore; zone: string }) {
  const color = useColor();
  const url = useStore(store, (s) => s.url);
  const status = useStore(store, (s) => s.connection.status);
  const you = useStore(store, (s) => s.you);
  const now = useStore(store, (s) => s.now);
  const counts = useStore(store, (s) => s.counts);
  const link = monitoringLabel(useStore(store, (s) => s.monitoring));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>corral</Text> {url}{' '}
        <Text color={tint(color, STATUS_COLORS[status])}>● {status}</Text>
        {you ? ` as ${you.name} (${you.role})` : ''}
        {link ? '  ' : ''}
        {link ? (
          // What the collector last said: while disconnected it may no longer be so.
          <Text
            bold={link.tone === 'red'}
            dimColor={link.tone === null || status !== 'connected'}
            color={link.tone ? tint(color, link.tone) : undefined}
          >
            {link.text}
          </Text>
        ) : null}
        {'  '}server time {formatClock(now)} {zone}
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
