// The action log: recent actions of every operator, newest first, one line each, and for the one
// selected every target not done with its whole reason (wrapped), scrolled with PgUp/PgDn.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import type { ActionView } from '../../domain/protocol.js';
import { logLine } from '../action-words.js';
import { actionDetail, detailWindow } from '../log-lines.js';
import type { ConsoleData, ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

export function ActionLogPane(p: { store: ConsoleStore; height: number; width: number }) {
  const { store } = p;
  const log = useStore(store, (s) => s.log);
  const cursor = useStore(store, (s) => s.logCursor);
  const scroll = useStore(store, (s) => s.logScroll);
  const status = useStore(store, (s) => s.logStatus);
  const error = useStore(store, (s) => s.logError);
  const now = useStore(store, (s) => s.now);
  return (
    <ActionLog
      log={log}
      cursor={cursor}
      scroll={scroll}
      status={status}
      error={error}
      now={now}
      height={p.height}
      width={p.width}
    />
  );
}

export interface ActionLogProps {
  log: readonly ActionView[];
  cursor: number;
  /** First detail line of the selected action shown. */
  scroll: number;
  status: ConsoleData['logStatus'];
  error: string | null;
  now: number;
  height: number;
  width: number;
}

/** The log as drawn, from what it is given. */
export function ActionLog(p: ActionLogProps) {
  const { log, cursor, status, now } = p;
  const color = useColor();
  const inner = Math.max(p.height - 2, 3);
  const errorLines = status === 'error' ? 1 : 0;
  // A third for the list, the rest for the selected action's targets.
  const listRows = Math.max(Math.min(Math.max(log.length, 1), Math.floor(inner / 3)), 1);
  const detailRows = Math.max(inner - 1 - errorLines - listRows - 1, 1);
  // The newest stay in view until the selection moves below the window.
  const top = Math.max(0, cursor - listRows + 1);
  const selected = log[cursor];
  const detail = selected ? actionDetail(selected) : null;
  // Inside the border and the padding.
  const shown = detailWindow(detail?.lines ?? [], p.scroll, detailRows, p.width - 4);
  const all = detail?.lines.length ?? 0;
  const position =
    shown.count < all
      ? `  (${shown.from + 1}-${shown.from + shown.count} of ${all} lines · PgUp/PgDn)`
      : '';
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={p.height}>
      <Text bold wrap="truncate">
        Action log: every operator, newest first{' '}
        <Text dimColor>
          {status === 'loading' ? '(loading the audit log…) ' : ''}j/k select · PgUp/PgDn scroll ·
          L/Esc close
        </Text>
      </Text>
      {status === 'error' ? (
        <Text color={tint(color, 'red')} wrap="truncate">
          audit log unavailable: {p.error}; showing what was streamed since the console started
        </Text>
      ) : null}
      <Box flexDirection="column" height={listRows}>
        {log.length === 0 ? <Text dimColor>no actions yet</Text> : null}
        {log.slice(top, top + listRows).map((a, i) => (
          <Text key={a.id} wrap="truncate" inverse={top + i === cursor}>
            {logLine(a, now)}
          </Text>
        ))}
      </Box>
      {detail ? (
        <Text wrap="truncate" bold color={all === 0 ? tint(color, 'green') : undefined}>
          {detail.title}
          <Text dimColor>{position}</Text>
        </Text>
      ) : null}
      {shown.rows.map((l, i) => (
        <Text key={i} wrap="truncate" color={l.bad ? tint(color, 'red') : undefined}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
