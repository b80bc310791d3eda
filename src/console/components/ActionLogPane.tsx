// The action log: recent actions of every operator, newest first, one line each, and for the one
// selected every target not done with its whole reason, scrolled with PgUp/PgDn.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { logLine } from '../action-words.js';
import { actionDetail } from '../log-lines.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

export function ActionLogPane({ store, height }: { store: ConsoleStore; height: number }) {
  const color = useColor();
  const log = useStore(store, (s) => s.log);
  const cursor = useStore(store, (s) => s.logCursor);
  const scroll = useStore(store, (s) => s.logScroll);
  const status = useStore(store, (s) => s.logStatus);
  const error = useStore(store, (s) => s.logError);
  const now = useStore(store, (s) => s.now);
  const inner = Math.max(height - 2, 3);
  const errorLines = status === 'error' ? 1 : 0;
  // A third for the list, the rest for the selected action's targets.
  const listRows = Math.max(Math.min(Math.max(log.length, 1), Math.floor(inner / 3)), 1);
  const detailRows = Math.max(inner - 1 - errorLines - listRows - 1, 1);
  // The newest stay in view until the selection moves below the window.
  const top = Math.max(0, cursor - listRows + 1);
  const selected = log[cursor];
  const detail = selected ? actionDetail(selected) : null;
  const from = detail ? Math.min(scroll, Math.max(detail.lines.length - detailRows, 0)) : 0;
  const shown = detail ? detail.lines.slice(from, from + detailRows) : [];
  const position =
    detail && detail.lines.length > detailRows
      ? `  (${from + 1}-${from + shown.length} of ${detail.lines.length} lines · PgUp/PgDn)`
      : '';
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height}>
      <Text bold wrap="truncate">
        Action log: every operator, newest first{' '}
        <Text dimColor>
          {status === 'loading' ? '(loading the audit log…) ' : ''}j/k select · PgUp/PgDn scroll ·
          L/Esc close
        </Text>
      </Text>
      {status === 'error' ? (
        <Text color={tint(color, 'red')} wrap="truncate">
          audit log unavailable: {error}; showing what was streamed since the console started
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
        <Text
          wrap="truncate"
          bold
          color={detail.lines.length === 0 ? tint(color, 'green') : undefined}
        >
          {detail.title}
          <Text dimColor>{position}</Text>
        </Text>
      ) : null}
      {shown.map((l, i) => (
        <Text key={from + i} wrap="truncate" color={l.bad ? tint(color, 'red') : undefined}>
          {`  ${l.text}`}
        </Text>
      ))}
    </Box>
  );
}
