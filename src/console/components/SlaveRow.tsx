// One slave as a table line: mark, state, name, pool, master, age, start, next change, muted, action.
import { Text } from 'ink';
import { memo } from 'react';
import {
  STATE_COLORS,
  STATE_MARKS,
  formatAction,
  formatMuted,
  formatNext,
  formatRowAge,
  formatStamp,
  truncate,
} from '../format.js';
import type { Column } from '../layout.js';
import type { Row } from '../rows.js';
import { tint, useColor } from './theme.js';

export interface SlaveRowProps {
  row: Row;
  columns: Column[];
  now: number;
  selected: boolean;
  marked: boolean;
  stale: boolean;
}

export const SlaveRow = memo(function SlaveRow({
  row,
  columns,
  now,
  selected,
  marked,
  stale,
}: SlaveRowProps) {
  const color = useColor();
  const cells = columns.map((c) => {
    const text = truncate(cellText(c.key, row, now, marked, stale), c.width);
    if (c.key === 'state') {
      return (
        <Text
          key={c.key}
          color={tint(color && !row.muted, STATE_COLORS[row.state])}
          bold={!row.muted}
        >
          {text}{' '}
        </Text>
      );
    }
    if (c.key === 'mark' && marked) {
      return (
        <Text key={c.key} color={tint(color, 'cyan')} bold>
          {text}{' '}
        </Text>
      );
    }
    if (c.key === 'next' && row.state === 'late') {
      return (
        <Text key={c.key} color={tint(color && !row.muted, 'yellow')}>
          {text}{' '}
        </Text>
      );
    }
    return <Text key={c.key}>{text} </Text>;
  });
  return (
    <Text wrap="truncate" inverse={selected} dimColor={row.muted || stale}>
      {cells}
    </Text>
  );
});

function cellText(
  key: Column['key'],
  row: Row,
  now: number,
  marked: boolean,
  stale: boolean,
): string {
  switch (key) {
    case 'mark':
      return marked ? '◆' : ' ';
    case 'state':
      return STATE_MARKS[row.state];
    case 'name':
      return row.name;
    case 'pool':
      return row.pool ?? '-';
    case 'master':
      return row.master ?? '-';
    case 'age':
      // Stale ages keep ticking but say they are a guess.
      return stale && row.lastStart !== null
        ? `~${formatRowAge(row, now)}`
        : formatRowAge(row, now);
    case 'started':
      return row.lastStart === null ? '-' : formatStamp(row.lastStart);
    case 'next':
      return formatNext(row, now);
    case 'muted':
      return formatMuted(row);
    case 'action':
      return formatAction(row, now);
  }
}
