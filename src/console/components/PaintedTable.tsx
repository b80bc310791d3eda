// The slave table drawn by the screen, not by Ink: Ink lays out an empty box of the table's height
// and the screen writes the table's lines there, only those that changed (a cursor move: two).
import { Box, type DOMElement } from 'ink';
import { useLayoutEffect, useRef } from 'react';
import type { Column } from '../layout.js';
import type { Screen } from '../screen.js';
import type { ConsoleStore } from '../store.js';
import { sameTable, tableLines, type TableData } from '../table-lines.js';
import { paintFor, useColor } from './theme.js';

export interface PaintedTableProps {
  store: ConsoleStore;
  screen: Screen;
  columns: Column[];
  height: number;
}

export function PaintedTable({ store, screen, columns, height }: PaintedTableProps) {
  const color = useColor();
  const box = useRef<DOMElement>(null);
  useLayoutEffect(() => {
    const paint = paintFor(color);
    // Where Ink put the box, read when the screen writes: lines above it may grow or shrink.
    const top = () => rowOf(box.current);
    let shown: TableData | null = null;
    const draw = (s: TableData) => {
      if (shown && sameTable(shown, s)) return;
      shown = s;
      screen.setTable({ top, lines: tableLines(s, columns, height, paint) });
    };
    draw(store.getState());
    const unsubscribe = store.subscribe(draw);
    return () => {
      unsubscribe();
      screen.setTable(null);
    };
  }, [store, screen, columns, height, color]);
  return <Box ref={box} height={height + 1} flexShrink={0} />;
}

/** The screen row of an element: its top and its ancestors' tops, as Yoga laid them out. */
function rowOf(node: DOMElement | null): number {
  let row = 0;
  for (let n: DOMElement | undefined = node ?? undefined; n; n = n.parentNode) {
    row += n.yogaNode?.getComputedTop() ?? 0;
  }
  return row;
}
