// The table's columns for the terminal's width and the rows shown: measured again only when the
// rows or what is in flight change, and the same array while the widths stay the same (so the
// rows, memoised on it, are not redrawn for nothing).
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { columnNeeds, columnsFor, type Column } from './layout.js';
import type { ConsoleStore } from './store.js';

export function useColumns(store: ConsoleStore, width: number, zone: string): Column[] {
  const visible = useStore(store, (s) => s.visible);
  const inFlight = useStore(store, (s) => s.inFlight);
  const needs = useMemo(
    () => columnNeeds(visible, inFlight, store.getState().now),
    [visible, inFlight, store],
  );
  const { name, pool, master, muted, action, message } = needs;
  return useMemo(
    () => columnsFor(width, zone, { name, pool, master, muted, action, message }),
    [width, zone, name, pool, master, muted, action, message],
  );
}
