// The slave table: only the lines in the window reach React, so 10,000 slaves cost what 50 do.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { truncate } from '../format.js';
import type { Column } from '../layout.js';
import type { ConsoleStore, Line } from '../store.js';
import { emptyTableText, groupTitle } from '../table-lines.js';
import { SlaveRow } from './SlaveRow.js';
import { tint, useColor } from './theme.js';

export interface SlaveTableProps {
  store: ConsoleStore;
  columns: Column[];
  height: number;
}

/** The table on the store: picks the window's lines and what they show. */
export function SlaveTable({ store, columns, height }: SlaveTableProps) {
  const lines = useStore(store, (s) => s.lines);
  const top = useStore(store, (s) => s.top);
  const cursor = useStore(store, (s) => s.cursor);
  const marks = useStore(store, (s) => s.marks);
  const inFlight = useStore(store, (s) => s.inFlight);
  const now = useStore(store, (s) => s.now);
  const stale = useStore(store, (s) => s.connection.status !== 'connected');
  const total = useStore(store, (s) => s.counts.total);
  return (
    <SlaveLines
      window={lines.slice(top, top + height)}
      columns={columns}
      height={height}
      now={now}
      cursor={cursor}
      marks={marks}
      inFlight={inFlight}
      stale={stale}
      empty={emptyTableText(total)}
    />
  );
}

export interface SlaveLinesProps {
  /** The lines in the window, first to last. */
  window: readonly Line[];
  columns: Column[];
  height: number;
  now: number;
  /** Index in the visible rows of the slave under the cursor. */
  cursor: number;
  marks: ReadonlySet<string>;
  inFlight: ReadonlyMap<string, string>;
  /** Not connected: the rows are what was last heard. */
  stale: boolean;
  /** What the table says when it has no line to show. */
  empty: string;
}

/** The column titles and the window's lines, from what it is given. */
export function SlaveLines(p: SlaveLinesProps) {
  const color = useColor();
  return (
    <Box flexDirection="column" height={p.height + 1}>
      <Text bold wrap="truncate">
        {p.columns.map((c) => truncate(c.title, c.width)).join(' ')}
      </Text>
      {p.window.length === 0 ? (
        <Text dimColor>{`  ${p.empty}`}</Text>
      ) : (
        p.window.map((line) =>
          line.kind === 'group' ? (
            <GroupHeader key={`group:${line.key}`} line={line} color={color} />
          ) : (
            <SlaveRow
              key={line.row.name}
              row={line.row}
              columns={p.columns}
              now={p.now}
              selected={line.index === p.cursor}
              marked={p.marks.has(line.row.name)}
              action={p.inFlight.get(line.row.name) ?? null}
              stale={p.stale}
            />
          ),
        )
      )}
    </Box>
  );
}

function GroupHeader({ line, color }: { line: Extract<Line, { kind: 'group' }>; color: boolean }) {
  return (
    <Text bold color={tint(color, 'blue')} wrap="truncate">
      {groupTitle(line)}
    </Text>
  );
}
