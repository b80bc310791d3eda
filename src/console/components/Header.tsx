// The top two lines: where we are connected, as whom, what the collector is wired to (and whether
// it is reachable now), the server's clock, and counts per state (unhandled, then the handled ones
// dimmed), the parked slaves (reviews due) and what needs a decision (hygiene).
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { MonitoringLink } from '../../domain/protocol.js';
import { SLAVE_STATES, type SlaveState } from '../../domain/state.js';
import { STATE_COLORS, formatClock } from '../format.js';
import { hygieneCount } from '../hygiene-lines.js';
import type { ConsoleStore } from '../store.js';
import type { TriageCounts } from '../triage.js';
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
  const triage = useStore(store, (s) => s.triage);
  const link = monitoringLabel(useStore(store, (s) => s.monitoring));
  const decide = useStore(store, (s) => hygieneCount(s.hygiene));
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
        {/* On the first line, where it is not cut: what needs a decision. */}
        {decide ? <Text color={tint(color, 'yellow')}>{`  ${decide}`}</Text> : null}
        {'  '}server time {formatClock(now)} {zone}
      </Text>
      <Text wrap="truncate">
        {SLAVE_STATES.map((state) => (
          <StateCount key={state} state={state} triage={triage} color={color} />
        ))}
        <Text dimColor={counts.muted === 0}>muted {counts.muted}</Text>
        {triage.mutedHealthy > 0 ? (
          <Text
            color={tint(color, 'yellow')}
          >{` · ${triage.mutedHealthy} muted while ok (3)`}</Text>
        ) : null}
        {triage.parked > 0 ? <Text>{` · parked ${triage.parked} (4)`}</Text> : null}
        {triage.reviewDue > 0 ? (
          <Text color={tint(color, 'yellow')}>{`, ${triage.reviewDue} review due`}</Text>
        ) : null}
        <Text dimColor>{`  of ${counts.total}`}</Text>
      </Text>
    </Box>
  );
}

/**
 * `critical 16 +199 handled`: the unhandled count in the state's colour, the handled ones (muted,
 * rebooting) dimmed after it; rebooting and ok are shown whole.
 */
function StateCount(props: { state: SlaveState; triage: TriageCounts; color: boolean }) {
  const { state, triage, color } = props;
  const whole = state === 'rebooting' || state === 'ok';
  const handled = triage.handled[state];
  const shown = whole ? triage.unhandled[state] + handled : triage.unhandled[state];
  return (
    <Text>
      <Text color={shown > 0 ? tint(color, STATE_COLORS[state]) : undefined} dimColor={shown === 0}>
        {state} {shown}
      </Text>
      {!whole && handled > 0 ? <Text dimColor>{` +${handled} handled`}</Text> : null}
      {'  '}
    </Text>
  );
}
