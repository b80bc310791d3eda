// The slave table: only the lines in the window reach React, so 10,000 slaves cost what 50 do.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { truncate } from '../format.js';
import type { Column } from '../layout.js';
import { stateBreakdown } from '../rows.js';
import type { ConsoleStore, Line } from '../store.js';
import { SlaveRow } from './SlaveRow.js';
import { tint, useColor } from './theme.js';

export interface SlaveTableProps {
  store: ConsoleStore;
  columns: Column[];
  height: number;
}

export function SlaveTable({ store, columns, height }: SlaveTableProps) {
  const color = useColor();
  const lines = useStore(store, (s) => s.lines);
  const top = useStore(store, (s) => s.top);
  const cursor = useStore(store, (s) => s.cursor);
  const marks = useStore(store, (s) => s.marks);
  const inFlight = useStore(store, (s) => s.inFlight);
  const now = useStore(store, (s) => s.now);
  const stale = useStore(store, (s) => s.connection.status !== 'connected');
  const total = useStore(store, (s) => s.counts.total);
  const window = lines.slice(top, top + height);
  return (
    <Box flexDirection="column" height={height + 1}>
      <Text bold wrap="truncate">
        {columns.map((c) => truncate(c.title, c.width)).join(' ')}
      </Text>
      {window.length === 0 ? (
        <Text dimColor>{total === 0 ? '  no slaves yet' : '  no slave matches the filters'}</Text>
      ) : (
        window.map((line) => renderLine(line, columns, now, cursor, marks, inFlight, stale, color))
      )}
    </Box>
  );
}

function renderLine(
  line: Line,
  columns: Column[],
  now: number,
  cursor: number,
  marks: ReadonlySet<string>,
  inFlight: ReadonlyMap<string, string>,
  stale: boolean,
  color: boolean,
) {
  if (line.kind === 'group') {
    const marked = line.marked > 0 ? `, ${line.marked} marked` : '';
    return (
      <Text key={`group:${line.key}`} bold color={tint(color, 'blue')} wrap="truncate">
        ── {line.key} ({line.count}: {stateBreakdown(line.states)}
        {marked})
      </Text>
    );
  }
  return (
    <SlaveRow
      key={line.row.name}
      row={line.row}
      columns={columns}
      now={now}
      selected={line.index === cursor}
      marked={marks.has(line.row.name)}
      action={inFlight.get(line.row.name) ?? null}
      stale={stale}
    />
  );
}
