// The banner that says the data is stale while the collector is away, and how long it has been.
import { Text } from 'ink';
import { useStore } from 'zustand';
import { formatAge } from '../../domain/duration.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

export function Banner({ store }: { store: ConsoleStore }) {
  const color = useColor();
  const connection = useStore(store, (s) => s.connection);
  // The store's clock is the server's; the outage is measured on ours.
  const localNow = useStore(store, (s) => s.now - s.offsetMs);
  const hasData = useStore(store, (s) => s.seq !== null || s.slaves.size > 0);
  if (connection.status === 'connected') return null;
  const down = formatAge((localNow - connection.since) / 1000);
  const retry =
    connection.retryAt === null
      ? 'reconnecting'
      : `reconnecting in ${formatAge(Math.max(0, (connection.retryAt - localNow) / 1000))}`;
  const why = connection.error ? ` (${connection.error})` : '';
  const text =
    connection.status === 'connecting' && !hasData
      ? ` connecting${why} `
      : ` ${connection.status === 'connecting' ? 'reconnecting' : 'disconnected'} ${down}, data stale: ${retry}${why} `;
  return (
    <Text wrap="truncate" bold inverse color={tint(color, 'red')}>
      {text}
    </Text>
  );
}
