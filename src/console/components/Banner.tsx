// The banner under the header: the collector away (data stale, for how long), else its database
// unavailable, else what is wrong with the collector's monitoring link. Shown whole, wrapped over as many lines as it takes.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { formatAge } from '../../domain/duration.js';
import { formatClock } from '../format.js';
import type { ConsoleData, ConsoleStore } from '../store.js';
import { wrapText } from '../wrap.js';
import { tint, useColor } from './theme.js';

type Tone = 'red' | 'yellow';

/** What the banner says now, or null for no banner. Pure. */
export function bannerText(
  s: Pick<
    ConsoleData,
    'connection' | 'now' | 'offsetMs' | 'seq' | 'slaves' | 'monitoring' | 'database'
  >,
): { text: string; tone: Tone } | null {
  if (s.connection.status !== 'connected') return { text: connectionText(s), tone: 'red' };
  const db = s.database;
  if (db !== null && db.problem !== null) {
    const since = db.since === null ? '' : ` since ${formatClock(Date.parse(db.since))}`;
    return {
      text: `database unavailable${since}: ${db.problem}; actions are refused until it is back`,
      tone: 'red',
    };
  }
  const link = s.monitoring;
  if (link === null || link.problem === null) return null;
  if (link.backend === 'none') return { text: `no monitoring: ${link.problem}`, tone: 'yellow' };
  // `since` is the collector's clock, as `now` is: shown as the header shows the time.
  const since = link.since === null ? '' : ` since ${formatClock(Date.parse(link.since))}`;
  return { text: `${link.backend} unreachable${since}: ${link.problem}`, tone: 'red' };
}

function connectionText(
  s: Pick<ConsoleData, 'connection' | 'now' | 'offsetMs' | 'seq' | 'slaves'>,
) {
  const { connection } = s;
  // The store's clock is the server's; the outage is measured on ours.
  const localNow = s.now - s.offsetMs;
  const hasData = s.seq !== null || s.slaves.size > 0;
  const down = formatAge((localNow - connection.since) / 1000);
  const retry =
    connection.retryAt === null
      ? 'reconnecting'
      : `reconnecting in ${formatAge(Math.max(0, (connection.retryAt - localNow) / 1000))}`;
  const why = connection.error ? ` (${connection.error})` : '';
  return connection.status === 'connecting' && !hasData
    ? `connecting${why}`
    : `${connection.status === 'connecting' ? 'reconnecting' : 'disconnected'} ${down}, data stale: ${retry}${why}`;
}

/** The banner's lines at this width, each padded by a space either side. */
function bannerLines(text: string | null, columns: number): string[] {
  return text === null ? [] : wrapText(text, columns - 2).map((line) => ` ${line} `);
}

/** How many lines the banner takes at this width (0 without one): the layout gives it that many. */
export function bannerHeight(s: ConsoleData, columns: number): number {
  return bannerLines(bannerText(s)?.text ?? null, columns).length;
}

export function Banner({ store, columns }: { store: ConsoleStore; columns: number }) {
  const color = useColor();
  const text = useStore(store, (s) => bannerText(s)?.text ?? null);
  const tone = useStore(store, (s) => bannerText(s)?.tone ?? 'red');
  const lines = useMemo(() => bannerLines(text, columns), [text, columns]);
  if (lines.length === 0) return null;
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" bold inverse color={tint(color, tone)}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
