// The hygiene view (H): what needs an operator's decision, as the collector lists it (kind, slave,
// whose, until when, the detail), one line an item, the selected one inverse; Enter shows its slave.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { HygieneItem } from '../../domain/protocol.js';
import { hygieneLine, hygieneTitles } from '../hygiene-lines.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

export function HygienePane(p: { store: ConsoleStore; height: number; width: number }) {
  const items = useStore(p.store, (s) => s.hygiene);
  const cursor = useStore(p.store, (s) => s.hygieneCursor);
  const now = useStore(p.store, (s) => s.now);
  return <HygieneList items={items} cursor={cursor} now={now} height={p.height} width={p.width} />;
}

export interface HygieneListProps {
  items: readonly HygieneItem[];
  cursor: number;
  now: number;
  /** Lines, the border included. */
  height: number;
  width: number;
}

/** The list as drawn, from what it is given. */
export function HygieneList({ items, cursor, now, height, width }: HygieneListProps) {
  const color = useColor();
  // Inside the border: the title, the column heads, then the items.
  const rows = Math.max(height - 4, 1);
  const top = Math.max(0, Math.min(cursor - rows + 1, items.length - rows));
  const room = Math.max(width - 4, 20);
  const slaveWidth = Math.min(Math.max(5, ...items.map((i) => i.slave.length)), 30);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height}>
      <Text bold wrap="truncate">
        Hygiene: {items.length === 0 ? 'nothing needs a decision' : `${items.length} to decide`}{' '}
        <Text dimColor>j/k select · Enter show the slave · H/Esc close</Text>
      </Text>
      <Text dimColor wrap="truncate">
        {hygieneTitles(slaveWidth)}
      </Text>
      {items.slice(top, top + rows).map((item, i) => (
        <Text
          key={`${item.kind} ${item.slave} ${i}`}
          wrap="truncate"
          inverse={top + i === cursor}
          color={item.kind === 'mute-ending' ? tint(color, 'yellow') : undefined}
        >
          {hygieneLine(item, slaveWidth, now).slice(0, room)}
        </Text>
      ))}
    </Box>
  );
}
