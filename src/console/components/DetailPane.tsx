// The detail pane for the slave under the cursor: its cycle (recent starts and intervals, drawn
// as a sparkline), its last messages, why it is muted, what is in flight and what was done to it.
// Long lines wrap within the pane's rows instead of being cut at the edge.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import { formatAge } from '../../domain/duration.js';
import type { ActionView } from '../../domain/protocol.js';
import type { NagiosView, ParkView, SlaveDetail, StartRecord } from '../../domain/slave.js';
import { STATE_COLORS, STATE_MARKS, formatAction, formatRowAge, formatStamp } from '../format.js';
import type { Row } from '../rows.js';
import { OFF_SCALE, sparkline } from '../sparkline.js';
import type { ConsoleStore, DetailState } from '../store.js';
import { fitEntries, wrapText } from '../wrap.js';
import { tint, useColor } from './theme.js';

/** The starts column's width (`11-25 04:12  6h02m`); the messages and actions take the rest. */
const STARTS_WIDTH = 26;
const STAMP_WIDTH = 13;
/** Lines a wrapped status line (muted, Nagios, in flight, cycle) may take before it is cut. */
const STATUS_LINES = 3;

export function DetailPane({
  store,
  height,
  width,
  zone,
}: {
  store: ConsoleStore;
  height: number;
  width: number;
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
      width={width}
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
  /** What is in flight on the slave (`downtime sent jdoe`). */
  inFlight: string | null;
  /** Lines, its top border included. */
  height: number;
  /** Columns. */
  width: number;
  zone: string;
}

/** The pane as drawn, from what it is given. */
export function DetailView({ row, detail, now, inFlight, height, width, zone }: DetailViewProps) {
  const color = useColor();
  if (row === null) {
    return (
      <Frame height={height} width={width}>
        <Text dimColor>no slave under the cursor</Text>
      </Frame>
    );
  }
  const mine = detail !== null && detail.name === row.name ? detail : null;
  const data = mine?.status === 'ready' ? mine.data : null;
  const action = [inFlight, formatAction(row, now)].filter(Boolean).join(', ');
  const status = [
    ...(row.view.parked ? [parkLine(row.view.parked, zone)] : []),
    mutedLine(row, zone),
    ...(data?.nagios !== undefined ? [nagiosLine(data.nagios, zone)] : []),
    action ? `in flight: ${action}` : 'nothing in flight',
    ...(data !== null ? [cycleSummary(data.starts)] : []),
  ].flatMap((text) => fitEntries([wrapText(text, width)], STATUS_LINES));
  // Under the top border, the slave's line and the status lines: the starts, messages and actions.
  const listRows = Math.max(height - 2 - status.length, 2);
  return (
    <Frame height={height} width={width}>
      <Text wrap="truncate">
        <Text bold>{row.name}</Text>{' '}
        <Text color={tint(color, STATE_COLORS[row.state])} bold>
          {STATE_MARKS[row.state]}
        </Text>
        {'  '}pool {row.pool ?? '-'} master {row.master ?? '-'} age {formatRowAge(row, now)}
        {row.lastStart !== null ? `  last start ${formatStamp(row.lastStart)} ${zone}` : ''}
        {row.view.firstSeen ? `  first seen ${formatStamp(Date.parse(row.view.firstSeen))}` : ''}
      </Text>
      {status.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      {mine?.status === 'error' ? (
        <Text color={tint(color, 'red')} wrap="truncate">
          history unavailable: {mine.error}
        </Text>
      ) : data === null ? (
        <Text dimColor>loading history…</Text>
      ) : (
        <History detail={data} rows={listRows} width={width} zone={zone} />
      )}
    </Frame>
  );
}

function Frame({
  height,
  width,
  children,
}: {
  height: number;
  width: number;
  children: ReactNode;
}) {
  return (
    <Box
      flexDirection="column"
      height={height}
      width={width}
      overflow="hidden"
      borderStyle="single"
      borderTop
      borderBottom={false}
      borderLeft={false}
      borderRight={false}
    >
      {children}
    </Box>
  );
}

/**
 * `Nagios: WARNING no buildbot start for 6h02m (checked 19:30 UTC) · 2 downtimes · 1 comment`:
 * the state once, though the plugin's output starts with it too.
 */
export function nagiosLine(n: NagiosView | null, zone: string): string {
  if (n === null) return 'Nagios: no such service (corral nagios-config defines it)';
  const checked = n.lastCheck ? ` (checked ${formatStamp(Date.parse(n.lastCheck))} ${zone})` : '';
  const head =
    n.state === null ? 'Nagios: no result yet' : `Nagios: ${n.state} ${withoutState(n)}${checked}`;
  const extra = [
    n.downtimes.length > 1 ? `${n.downtimes.length} downtimes` : '',
    n.acknowledgement && n.downtimes.length > 0 ? 'also acknowledged' : '',
    n.comments.length > 0
      ? `${n.comments.length} comment${n.comments.length > 1 ? 's' : ''}, latest by ${n.comments[0]!.author}: ${n.comments[0]!.comment}`
      : '',
  ].filter(Boolean);
  return [head, ...extra].join(' · ');
}

/** The plugin's output without the state it opens with (`OK - buildbot started 2m ago`). */
function withoutState(n: NagiosView): string {
  const prefix = n.state === null ? null : new RegExp(`^${n.state}\\b\\s*[-:]?\\s*`);
  return prefix ? n.output.replace(prefix, '') : n.output;
}

/**
 * `REVIEW DUE · parked by jdoe for releng since 11-02 10:00, review 12-02 10:00 UTC, ticket
 * https://…: old 0.7 master` (the whole park, as `corral ls --parked` says it).
 */
export function parkLine(p: ParkView, zone: string): string {
  const review = p.review ? `, review ${formatStamp(Date.parse(p.review))} ${zone}` : '';
  const ticket = p.ticket ? `, ticket ${p.ticket}` : '';
  const head = `parked by ${p.by} for ${p.owner} since ${formatStamp(Date.parse(p.since))}${review}${ticket} (#${p.actionId}): ${p.reason}`;
  return p.reviewDue ? `REVIEW DUE · ${head}` : head;
}

function mutedLine(row: Row, zone: string): string {
  const m = row.view.muted;
  if (m === null) return 'not muted';
  if (m.kind === 'acknowledgement') {
    return `acknowledged by ${m.author}${m.sticky ? ' (sticky)' : ''}: ${m.comment}`;
  }
  const when = `${formatStamp(Date.parse(m.start))} → ${formatStamp(Date.parse(m.end))} ${zone}`;
  const made = m.actionId
    ? ` (#${m.actionId})`
    : m.actionId === null
      ? ' (not made by corral)'
      : '';
  const back = m.untilBack ? ', until back' : '';
  return `downtime by ${m.author}${made}, ${when}${back}${m.inEffect ? '' : ' (not yet in effect)'}: ${m.comment}`;
}

function History({
  detail,
  rows,
  width,
  zone,
}: {
  detail: SlaveDetail;
  rows: number;
  width: number;
  zone: string;
}) {
  const { messages, actions } = rightColumn(detail, rows, width - STARTS_WIDTH);
  return (
    <Box>
      <Box flexDirection="column" width={STARTS_WIDTH}>
        <Text bold wrap="truncate">
          {`starts (${zone}) `.padEnd(STAMP_WIDTH)}interval
        </Text>
        {detail.starts.length === 0 ? <Text dimColor>none yet</Text> : null}
        {detail.starts.slice(0, rows - 1).map((s) => (
          <Text key={s.at}>
            {formatStamp(Date.parse(s.at)).padEnd(STAMP_WIDTH)}
            {s.intervalSeconds === null ? '' : formatAge(s.intervalSeconds)}
          </Text>
        ))}
      </Box>
      <Box flexDirection="column" flexGrow={1}>
        <Text bold>{`last messages (${zone})`}</Text>
        {detail.messages.length === 0 ? <Text dimColor>none</Text> : null}
        {messages.map((line, i) => (
          <Text key={i} wrap="truncate">
            {line}
          </Text>
        ))}
        <Text bold>{`recent actions (${zone})`}</Text>
        {detail.actions.length === 0 ? <Text dimColor>no actions yet</Text> : null}
        {actions.map((line, i) => (
          <Text key={i} wrap="truncate">
            {line}
          </Text>
        ))}
      </Box>
    </Box>
  );
}

/**
 * The right column's lines: the messages take up to half of the rows under the two titles, the
 * actions the rest, each entry wrapped to the column and shown whole.
 */
export function rightColumn(
  detail: Pick<SlaveDetail, 'name' | 'messages' | 'actions'>,
  rows: number,
  width: number,
): { messages: string[]; actions: string[] } {
  const wrap = (text: string) => wrapText(text, Math.max(width, 10));
  const room = Math.max(rows - 2, 2);
  const messages = fitEntries(
    detail.messages.map((m) => wrap(`${formatStamp(Date.parse(m.at))} ${m.kind}: ${m.message}`)),
    Math.max(1, Math.floor(room / 2)),
  );
  const actions = fitEntries(
    detail.actions.map((a) => wrap(actionLine(a, detail.name))),
    Math.max(1, room - Math.max(messages.length, 1)),
  );
  return { messages, actions };
}

/** `11-25 04:12 jdoe downtime: confirmed (jdoe scheduled a 30d downtime on 48 slaves)` */
export function actionLine(a: ActionView, slave: string): string {
  const mine = a.targets.find((t) => t.slave === slave);
  const outcome = mine ? `${mine.status}${mine.error ? ` (${mine.error})` : ''}` : 'listed';
  return `${formatStamp(Date.parse(a.at))} ${a.author} ${a.kind}: ${outcome} · ${a.summary}`;
}

/**
 * How regular the slave's cycle is: the intervals between starts as a sparkline (oldest first),
 * then their median, shortest and longest.
 */
export function cycleSummary(starts: StartRecord[]): string {
  const oldestFirst = starts.map((s) => s.intervalSeconds).reverse();
  // The oldest start known has no interval before it: that is the history's edge, not a gap.
  while (oldestFirst[0] === null) oldestFirst.shift();
  const intervals = oldestFirst.filter((i): i is number => i !== null).sort((a, b) => a - b);
  if (intervals.length === 0) return 'cycle: not enough starts to tell';
  const median = intervals[Math.floor(intervals.length / 2)]!;
  const line = sparkline(oldestFirst);
  const legend = line.includes(OFF_SCALE) ? ` (${OFF_SCALE}: over 3 medians)` : '';
  return `cycle ${line}  median ${formatAge(median)}, shortest ${formatAge(intervals[0]!)}, longest ${formatAge(
    intervals[intervals.length - 1]!,
  )} over ${intervals.length} interval${intervals.length === 1 ? '' : 's'}${legend}`;
}
