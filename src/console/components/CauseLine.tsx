// The line above the table that names a likely common cause (`bm05: 199 slaves critical since
// 03:10 CET: cannot connect to master bm05:9010`) and the key that shows only its slaves.
import { Text } from 'ink';
import { useStore } from 'zustand';
import { causeLine } from '../../domain/causes.js';
import { formatWhen } from '../action-words.js';
import { causeKey } from '../cause-filter.js';
import { STATE_COLORS, truncate } from '../format.js';
import type { ConsoleState, ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

/** Whether the line is there: a cause, or a cause filter still on. */
export function hasCauseLine(s: ConsoleState): boolean {
  return s.causes.length > 0 || s.causeFilter !== null;
}

/** The cause the line names: the one filtered on while it lasts, else the worst. */
function shownCause(s: ConsoleState) {
  const key = s.causeFilter?.key;
  return s.causes.find((c) => causeKey(c) === key) ?? (key === undefined ? s.causes[0] : undefined);
}

export function CauseLine({ store, width }: { store: ConsoleStore; width: number }) {
  const color = useColor();
  const text = useStore(store, (s) => {
    const cause = shownCause(s);
    return cause ? causeLine(cause, (iso) => formatWhen(Date.parse(iso), s.now)) : null;
  });
  const state = useStore(store, (s) => shownCause(s)?.state ?? null);
  const filtered = useStore(store, (s) => s.causeFilter !== null);
  const others = useStore(store, (s) => s.causes.length - (shownCause(s) ? 1 : 0));
  const more = others > 0 ? ` (+${others} more cause${others === 1 ? '' : 's'})` : '';
  const hint = filtered ? `  [only these · C next · Esc all]${more}` : `  C: only these${more}`;
  // The hint keeps its place: the cause's words are cut, not the key that acts on it.
  const room = Math.max(width - hint.length, 10);
  const words = (text ?? 'the cause filtered on is handled or over').trimEnd();
  const cut = words.length > room ? truncate(words, room) : words;
  return (
    <Text wrap="truncate">
      <Text
        bold={text !== null}
        dimColor={text === null}
        color={state ? tint(color, STATE_COLORS[state]) : undefined}
      >
        {cut}
      </Text>
      <Text dimColor>{hint}</Text>
    </Text>
  );
}
