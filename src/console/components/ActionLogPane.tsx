// The action log: recent actions of every operator, newest first, one line each, and for the one
// selected what is not confirmed yet and why.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { BAD_STATUSES, logLine } from '../action-words.js';
import type { ActionView } from '../../domain/protocol.js';
import type { ConsoleData, ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

/** Lines under the list for the selected action's unsettled or failed targets. */
const DETAIL_LINES = 3;

export function ActionLogPane({ store, height }: { store: ConsoleStore; height: number }) {
  const log = useStore(store, (s) => s.log);
  const cursor = useStore(store, (s) => s.logCursor);
  const status = useStore(store, (s) => s.logStatus);
  const error = useStore(store, (s) => s.logError);
  const now = useStore(store, (s) => s.now);
  return (
    <ActionLog log={log} cursor={cursor} status={status} error={error} now={now} height={height} />
  );
}

export interface ActionLogProps {
  log: readonly ActionView[];
  cursor: number;
  status: ConsoleData['logStatus'];
  error: string | null;
  now: number;
  height: number;
}

/** The log as drawn, from what it is given. */
export function ActionLog({ log, cursor, status, error, now, height }: ActionLogProps) {
  const color = useColor();
  const listRows = Math.max(height - 4 - DETAIL_LINES, 1);
  // The newest stay in view until the selection moves below the window.
  const top0 = Math.max(0, cursor - listRows + 1);
  const selected = log[cursor];
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height}>
      <Text bold wrap="truncate">
        Action log: every operator, newest first{' '}
        <Text dimColor>
          {status === 'loading' ? '(loading the audit log…) ' : ''}j/k select · L/Esc close
        </Text>
      </Text>
      {status === 'error' ? (
        <Text color={tint(color, 'red')} wrap="truncate">
          audit log unavailable: {error}; showing what was streamed since the console started
        </Text>
      ) : null}
      {log.length === 0 ? <Text dimColor>no actions yet</Text> : null}
      {log.slice(top0, top0 + listRows).map((a, i) => (
        <Text key={a.id} wrap="truncate" inverse={top0 + i === cursor}>
          {logLine(a, now)}
        </Text>
      ))}
      <Box flexGrow={1} />
      {selected ? <TargetDetail action={selected} color={color} /> : null}
    </Box>
  );
}

function TargetDetail({ action, color }: { action: ActionView; color: boolean }) {
  // A reboot is done when the slave is back; a Nagios action when Nagios confirms it.
  const reboot = action.kind === 'reboot';
  const done = reboot ? 'back' : 'confirmed';
  const unsettled = action.targets.filter((t) => t.status !== done);
  if (unsettled.length === 0) {
    return (
      <Text wrap="truncate" color={tint(color, 'green')}>
        {`#${action.id}: all ${action.targets.length} ${reboot ? 'back' : 'confirmed by Nagios'}`}
      </Text>
    );
  }
  const shown = unsettled.slice(0, DETAIL_LINES - 1);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold>
        {`#${action.id}: ${unsettled.length} of ${action.targets.length} not ${done}`}
      </Text>
      {shown.map((t) => (
        <Text
          key={t.slave}
          wrap="truncate"
          color={BAD_STATUSES.has(t.status) ? tint(color, 'red') : undefined}
        >
          {`  ${t.slave}: ${t.status}${t.error ? `: ${t.error}` : ''}`}
          {unsettled.length > shown.length && t === shown[shown.length - 1]
            ? `  (and ${unsettled.length - shown.length} more)`
            : ''}
        </Text>
      ))}
    </Box>
  );
}
