// The confirmation before an action is sent: how many slaves, the first names, how many the
// filter hides, what it does in words and local times, and on request the exact Nagios lines.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import { requestWords } from '../action-words.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

/** How many names the confirmation spells out before `and 43 more`. */
export const NAMES_SHOWN = 5;

export function ConfirmPane({ store, height }: { store: ConsoleStore; height: number }) {
  const color = useColor();
  const confirm = useStore(store, (s) => s.confirm);
  const now = useStore(store, (s) => s.now);
  if (!confirm) return null;
  const { request, hidden, dryRun } = confirm;
  const n = request.targets.length;
  const [what, ...details] = requestWords(request, now);
  const body: ReactNode[] = [
    <Text key="names" wrap="truncate">
      {n === 1 ? 'slave: ' : 'slaves: '}
      {namesLine(request.targets)}
    </Text>,
    <Text key="hidden" wrap="truncate" color={hidden > 0 ? tint(color, 'yellow') : undefined}>
      {hidden > 0
        ? `${hidden} of them hidden by the current filter`
        : 'none of them hidden by the filter'}
    </Text>,
    ...details.map((d) => (
      <Text key={d} wrap="truncate">
        {d}
      </Text>
    )),
  ];
  if (confirm.showLines && dryRun) {
    const room = Math.max(height - 4 - body.length - 1, 1);
    if (dryRun.status === 'waiting') {
      body.push(
        <Text key="dry" dimColor>
          asking the collector for the exact Nagios command lines…
        </Text>,
      );
    } else if (dryRun.status === 'error') {
      body.push(
        <Text key="dry" color={tint(color, 'red')} wrap="truncate">
          the collector refused: {dryRun.error}
        </Text>,
      );
    } else {
      const lines = [
        ...dryRun.failing.map((t) => `would fail: ${t.slave}: ${t.error ?? 'no reason given'}`),
        ...dryRun.lines,
      ];
      const from = Math.min(confirm.scroll, Math.max(lines.length - room, 0));
      body.push(
        <Text key="dry" bold wrap="truncate">
          {`Nagios command lines (${dryRun.lines.length}) ${from + 1}-${Math.min(from + room, lines.length)} of ${lines.length}  j/k scroll · v hides`}
        </Text>,
        ...lines.slice(from, from + room).map((l, i) => (
          <Text
            key={`l${from + i}`}
            wrap="truncate"
            color={l.startsWith('would fail') ? tint(color, 'red') : undefined}
          >
            {l}
          </Text>
        )),
      );
    }
  }
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height}>
      <Text bold wrap="truncate">
        {`${what![0]!.toUpperCase()}${what!.slice(1)} on ${n} slave${n === 1 ? '' : 's'}?`}
      </Text>
      {body}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate">
        Enter/y send · Esc/n cancel · v {confirm.showLines ? 'hide' : 'show'} the exact Nagios
        command lines
      </Text>
    </Box>
  );
}

/** `a, b, c, d, e and 43 more` */
export function namesLine(names: readonly string[]): string {
  const first = names.slice(0, NAMES_SHOWN).join(', ');
  const rest = names.length - NAMES_SHOWN;
  return rest > 0 ? `${first} and ${rest} more` : first;
}
