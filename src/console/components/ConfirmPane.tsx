// The confirmation before an action is sent: how many slaves, the first names, how many the
// filter hides, what it does in words and local times (for a reboot: the method chain and the
// muted slaves), and on request the exact Nagios lines or commands (the dry run).
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import { chainWords, confirmTitle, requestWords } from '../action-words.js';
import { alreadyThere, alreadyThereKeys } from '../already-there.js';
import type { ConsoleStore } from '../store.js';
import { tint, useColor } from './theme.js';

/** How many names the confirmation spells out before `and 43 more`. */
export const NAMES_SHOWN = 5;

export function ConfirmPane({ store, height }: { store: ConsoleStore; height: number }) {
  const color = useColor();
  const confirm = useStore(store, (s) => s.confirm);
  const now = useStore(store, (s) => s.now);
  const chains = useStore(store, (s) => s.reboot);
  const slaves = useStore(store, (s) => s.slaves);
  const you = useStore(store, (s) => s.you?.name ?? null);
  if (!confirm) return null;
  const { request, hidden, dryRun } = confirm;
  const reboot = request.kind === 'reboot';
  const [, ...details] = requestWords(request, now);
  const muted = reboot ? request.targets.filter((name) => slaves.get(name)?.muted).length : 0;
  if (reboot && chains) {
    const rows = request.targets.map((name) => slaves.get(name));
    details.unshift(
      ...chainWords(
        chains,
        rows.map((r) => r?.view.pool ?? null),
      ),
    );
    if (muted > 0) {
      details.push(
        request.params?.includeMuted
          ? `${muted} of them muted in Nagios: rebooted too (m leaves them out)`
          : `${muted} of them muted in Nagios: skipped (m reboots them too)`,
      );
    }
  }
  const found = alreadyThere(request, slaves, you, now);
  const what = reboot ? 'commands' : 'Nagios command lines';
  const body: ReactNode[] = [
    <Text key="names" wrap="truncate">
      {request.targets.length === 1 ? 'slave: ' : 'slaves: '}
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
    ...alreadyThereText(found.lines, color),
  ];
  if (confirm.showLines && dryRun) {
    const room = Math.max(height - 4 - body.length - 1, 1);
    if (dryRun.status === 'waiting') {
      body.push(
        <Text key="dry" dimColor>
          {`asking the collector for the exact ${what}…`}
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
          {`${what[0]!.toUpperCase()}${what.slice(1)} (${dryRun.lines.length}) ${from + 1}-${Math.min(from + room, lines.length)} of ${lines.length}  j/k scroll · v hides`}
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
        {confirmTitle(request, now)}
      </Text>
      {body}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate">
        {`Enter/y ${reboot ? 'reboot' : 'send'} · Esc/n cancel · v ${confirm.showLines ? 'hide' : 'show'} the exact ${what}${reboot ? ' (dry run)' : ''}${muted > 0 ? ' · m muted in or out' : ''}${alreadyThereKeys(request, found)}`}
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

/** At most this many lines say what the targets already have; the rest are counted. */
const ALREADY_LINES = 4;

function alreadyThereText(lines: string[], color: boolean): ReactNode[] {
  const shown = lines.length > ALREADY_LINES ? lines.slice(0, ALREADY_LINES - 1) : lines;
  const rest = lines.length - shown.length;
  return [
    ...shown.map((line) => (
      <Text key={`already:${line}`} wrap="truncate" color={tint(color, 'yellow')}>
        {line}
      </Text>
    )),
    ...(rest > 0
      ? [
          <Text key="already:more" dimColor>
            {`and ${rest} more (v: the dry run lists each)`}
          </Text>,
        ]
      : []),
  ];
}
