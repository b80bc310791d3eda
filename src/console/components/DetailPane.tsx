// The detail pane for the slave under the cursor: its cycle (recent starts and intervals),
// its last messages, why it is muted, what is in flight and what was done to it.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { formatAge } from '../../domain/duration.js';
import type { ActionView } from '../../domain/protocol.js';
import type { NagiosView, SlaveDetail, StartRecord } from '../../domain/slave.js';
import { STATE_COLORS, STATE_MARKS, formatAction, formatRowAge, formatStamp } from '../format.js';
import type { Row } from '../rows.js';
import type { ConsoleStore, DetailState } from '../store.js';
import { tint, useColor } from './theme.js';

export function DetailPane({
  store,
  height,
  zone,
}: {
  store: ConsoleStore;
  height: number;
  zone: string;
}) {
  const row = useStore(store, (s) => s.visible[s.cursor] ?? null);
  const detail = useStore(store, (s) => s.detail);
  const now = useStore(store, (s) => s.now);
  const inFlight = useStore(store, (s) => (row ? (s.inFlight.get(row.name) ?? null) : null));
  return (
    <DetailView
      row={row}
      detail={detail}
      now={now}
      inFlight={inFlight}
      height={height}
      zone={zone}
    />
  );
}

export interface DetailViewProps {
  /** The slave under the cursor; null when there is none. */
  row: Row | null;
  /** The fetched detail: used only when it is this row's. */
  detail: DetailState | null;
  now: number;
  /** What is in flight on the slave (`downtime sent`). */
  inFlight: string | null;
  height: number;
  zone: string;
}

/** The pane as drawn, from what it is given. */
export function DetailView({ row, detail, now, inFlight, height, zone }: DetailViewProps) {
  const color = useColor();
  if (row === null) {
    return (
      <Box
        height={height}
        borderStyle="single"
        borderTop
        borderBottom={false}
        borderLeft={false}
        borderRight={false}
      >
        <Text dimColor>no slave under the cursor</Text>
      </Box>
    );
  }
  const mine = detail !== null && detail.name === row.name ? detail : null;
  const data = mine?.status === 'ready' ? mine.data : null;
  // Header, muted, Nagios (when wired), in flight, and the section titles.
  const listRows = Math.max(height - (data?.nagios !== undefined ? 6 : 5), 1);
  return (
    <Box
      flexDirection="column"
      height={height}
      borderStyle="single"
      borderTop
      borderBottom={false}
      borderLeft={false}
      borderRight={false}
    >
      <Text wrap="truncate">
        <Text bold>{row.name}</Text>{' '}
        <Text color={tint(color, STATE_COLORS[row.state])} bold>
          {STATE_MARKS[row.state]}
        </Text>
        {'  '}pool {row.pool ?? '-'} master {row.master ?? '-'} age {formatRowAge(row, now)}
        {row.lastStart !== null ? `  last start ${formatStamp(row.lastStart)} ${zone}` : ''}
        {row.view.firstSeen ? `  first seen ${formatStamp(Date.parse(row.view.firstSeen))}` : ''}
      </Text>
      <Text wrap="truncate">{mutedLine(row, zone)}</Text>
      {data?.nagios !== undefined ? (
        <Text wrap="truncate">{nagiosLine(data.nagios, zone)}</Text>
      ) : null}
      <Text wrap="truncate">
        {inFlight || formatAction(row, now)
          ? `in flight: ${[inFlight, formatAction(row, now)].filter(Boolean).join(', ')}`
          : 'nothing in flight'}
      </Text>
      {mine?.status === 'error' ? (
        <Text color={tint(color, 'red')} wrap="truncate">
          history unavailable: {mine.error}
        </Text>
      ) : data === null ? (
        <Text dimColor>loading history…</Text>
      ) : (
        <History detail={data} rows={listRows} zone={zone} />
      )}
    </Box>
  );
}

/** `Nagios: WARNING no buildbot start for 6h02m (checked 19:30 UTC) · 2 downtimes · 1 comment` */
export function nagiosLine(n: NagiosView | null, zone: string): string {
  if (n === null) return 'Nagios: no such service (corral nagios-config defines it)';
  const checked = n.lastCheck ? ` (checked ${formatStamp(Date.parse(n.lastCheck))} ${zone})` : '';
  const head =
    n.state === null ? 'Nagios: no result yet' : `Nagios: ${n.state} ${n.output}${checked}`;
  const extra = [
    n.downtimes.length > 1 ? `${n.downtimes.length} downtimes` : '',
    n.acknowledgement && n.downtimes.length > 0 ? 'also acknowledged' : '',
    n.comments.length > 0
      ? `${n.comments.length} comment${n.comments.length > 1 ? 's' : ''}, latest by ${n.comments[0]!.author}: ${n.comments[0]!.comment}`
      : '',
  ].filter(Boolean);
  return [head, ...extra].join(' · ');
}

function mutedLine(row: Row, zone: string): string {
  const m = row.view.muted;
  if (m === null) return 'not muted';
  if (m.kind === 'acknowledgement') {
    return `acknowledged by ${m.author}${m.sticky ? ' (sticky)' : ''}: ${m.comment}`;
  }
  const when = `${formatStamp(Date.parse(m.start))} → ${formatStamp(Date.parse(m.end))} ${zone}`;
  return `downtime by ${m.author}, ${when}${m.inEffect ? '' : ' (not yet in effect)'}: ${m.comment}`;
}

function History({ detail, rows, zone }: { detail: SlaveDetail; rows: number; zone: string }) {
  // The right column shares its lines: messages first, then the actions.
  const messageRows = Math.max(1, Math.min(detail.messages.length, Math.floor((rows - 2) / 2)));
  const actionRows = Math.max(1, rows - 2 - messageRows);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" dimColor>
        {cycleSummary(detail.starts)}
      </Text>
      <Box>
        <Box flexDirection="column" width={34}>
          <Text bold>{`starts (${zone})`.padEnd(17)}interval</Text>
          {detail.starts.length === 0 ? <Text dimColor>none yet</Text> : null}
          {detail.starts.slice(0, rows - 1).map((s) => (
            <Text key={s.at}>
              {formatStamp(Date.parse(s.at)).padEnd(17)}
              {s.intervalSeconds === null ? '' : formatAge(s.intervalSeconds)}
            </Text>
          ))}
        </Box>
        <Box flexDirection="column" flexGrow={1}>
          <Text bold>{`last messages (${zone})`}</Text>
          {detail.messages.length === 0 ? <Text dimColor>none</Text> : null}
          {detail.messages.slice(0, messageRows).map((m) => (
            <Text key={`${m.at}${m.message}`} wrap="truncate">
              {formatStamp(Date.parse(m.at))} {m.kind}: {m.message}
            </Text>
          ))}
          <Text bold>{`recent actions (${zone})`}</Text>
          {detail.actions.length === 0 ? (
            <Text dimColor>no actions yet</Text>
          ) : (
            detail.actions.slice(0, actionRows).map((a) => (
              <Text key={a.id} wrap="truncate">
                {actionLine(a, detail.name)}
              </Text>
            ))
          )}
        </Box>
      </Box>
    </Box>
  );
}

/** `11-25 04:12 jdoe downtime: confirmed (jdoe scheduled a 30d downtime on 48 slaves)` */
export function actionLine(a: ActionView, slave: string): string {
  const mine = a.targets.find((t) => t.slave === slave);
  const outcome = mine ? `${mine.status}${mine.error ? ` (${mine.error})` : ''}` : 'listed';
  return `${formatStamp(Date.parse(a.at))} ${a.author} ${a.kind}: ${outcome} · ${a.summary}`;
}

/** How regular the slave's cycle is: median, shortest and longest interval between starts. */
export function cycleSummary(starts: StartRecord[]): string {
  const intervals = starts
    .map((s) => s.intervalSeconds)
    .filter((i): i is number => i !== null)
    .sort((a, b) => a - b);
  if (intervals.length === 0) return 'cycle: not enough starts to tell';
  const median = intervals[Math.floor(intervals.length / 2)]!;
  return `cycle: median ${formatAge(median)}, shortest ${formatAge(intervals[0]!)}, longest ${formatAge(
    intervals[intervals.length - 1]!,
  )} over ${intervals.length} interval${intervals.length === 1 ? '' : 's'}`;
}
