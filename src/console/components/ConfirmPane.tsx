// The confirmation before an action is sent: how many slaves, the first names (always with how many
// more), how many the filter hides, what it does in words and local times (for a reboot: the method
// chain and the muted slaves), and on request the dry run: the exact Nagios lines or commands, or
// which reboots a cancel stops. Long lines wrap to the pane's width: nothing is cut.
import { Box, Text } from 'ink';
import { useStore } from 'zustand';
import { chainWords, confirmTitle, logLine, requestWords } from '../action-words.js';
import { alreadyThere, alreadyThereKeys } from '../already-there.js';
import { truncateMiddle } from '../format.js';
import type { ActionRequest } from '../../domain/protocol.js';
import type { Confirmation, ConsoleStore } from '../store.js';
import { wrapText } from '../wrap.js';
import { tint, useColor } from './theme.js';

/** How many names the confirmation spells out before `and 43 more`, when they fit. */
export const NAMES_SHOWN = 5;

/** The round border and the padding on each side. */
const FRAME_COLUMNS = 4;

/** A wrapped line's continuation is indented by this much, so each line reads as one. */
const HANGING = 2;

interface PaneLine {
  text: string;
  tone?: 'red' | 'yellow' | 'dim' | 'bold';
}

export function ConfirmPane({
  store,
  height,
  width,
}: {
  store: ConsoleStore;
  height: number;
  width: number;
}) {
  const color = useColor();
  const confirm = useStore(store, (s) => s.confirm);
  const now = useStore(store, (s) => s.now);
  const chains = useStore(store, (s) => s.reboot);
  const slaves = useStore(store, (s) => s.slaves);
  const you = useStore(store, (s) => s.you?.name ?? null);
  const undoing = useStore(store, (s) => {
    const id = s.confirm?.request.kind === 'undo' ? s.confirm.request.params?.actionId : undefined;
    return id === undefined ? null : (s.log.find((a) => a.id === id) ?? null);
  });
  if (!confirm) return null;
  const room = Math.max(width - FRAME_COLUMNS, 20);
  const { request, hidden, dryRun } = confirm;
  const reboot = request.kind === 'reboot';
  const [, ...details] = requestWords(request, now);
  const muted = reboot ? request.targets.filter((name) => slaves.get(name)?.muted).length : 0;
  if (reboot && chains) {
    const pools = request.targets.map((name) => slaves.get(name)?.view.pool ?? null);
    details.unshift(...chainWords(chains, pools));
    if (muted > 0) {
      details.push(
        request.params?.includeMuted
          ? `${muted} of them muted in Nagios: rebooted too (m leaves them out)`
          : `${muted} of them muted in Nagios: skipped (m reboots them too)`,
      );
    }
  }
  if (undoing) details.unshift(`#${undoing.id}: ${logLine(undoing, now)}`);
  const found = alreadyThere(request, slaves, you, now);
  const what = dryRunWords(request.kind);
  const prefix = request.targets.length === 1 ? 'slave: ' : 'slaves: ';
  const said: PaneLine[] = [
    { text: `${prefix}${namesLine(request.targets, room - prefix.length)}` },
    hidden > 0
      ? { text: `${hidden} of them hidden by the current filter`, tone: 'yellow' }
      : { text: 'none of them hidden by the filter' },
    ...details.map((text) => ({ text })),
    ...alreadyThereLines(found.lines),
  ];
  const head = said.flatMap((l) => wrapText(l.text, room, HANGING).map((text) => ({ ...l, text })));
  const hint = wrapText(
    `Enter/y ${reboot ? 'reboot' : 'send'} · Esc/n cancel · v ${confirm.showLines ? 'hide' : 'show'} ${what.offer}${muted > 0 ? ' · m muted in or out' : ''}${reboot ? (request.params?.downtimeUntilBack ? ' · u no downtime' : ' · u a downtime until each is back') : ''}${alreadyThereKeys(request, found)}`,
    room,
    HANGING,
  );
  const title = wrapText(confirmTitle(request, now), room, HANGING);
  // Inside the border: the title, what is said above, the dry run, the hint at the bottom.
  const free = Math.max(height - 2 - title.length - head.length - hint.length, 1);
  const body = confirm.showLines && dryRun ? dryRunLines(confirm, what, room, free) : [];
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} height={height}>
      {title.map((t, i) => (
        <Text key={`t${i}`} bold wrap="truncate">
          {t}
        </Text>
      ))}
      {[...head, ...body].map((l, i) => (
        <Text
          key={`b${i}`}
          wrap="truncate"
          bold={l.tone === 'bold'}
          dimColor={l.tone === 'dim'}
          color={l.tone === 'red' || l.tone === 'yellow' ? tint(color, l.tone) : undefined}
        >
          {l.text}
        </Text>
      ))}
      <Box flexGrow={1} />
      {hint.map((h, i) => (
        <Text key={`h${i}`} dimColor wrap="truncate">
          {h}
        </Text>
      ))}
    </Box>
  );
}

/** What a dry run shows for each kind: Nagios lines, the reboot commands, or the reboots a cancel stops. */
function dryRunWords(kind: ActionRequest['kind']): { title: string; offer: string } {
  if (kind === 'reboot') return { title: 'Commands', offer: 'the exact commands (dry run)' };
  // A cancel runs no command and writes no Nagios line: its dry run says which reboots stop.
  if (kind === 'cancel-reboot') {
    return { title: 'Reboots it stops', offer: 'which reboots it stops (dry run)' };
  }
  return { title: 'Nagios command lines', offer: 'the exact Nagios command lines' };
}

/** The dry run's lines from the scroll position, wrapped, within `free` lines of the pane. */
function dryRunLines(
  confirm: Confirmation,
  what: { title: string },
  room: number,
  free: number,
): PaneLine[] {
  const dryRun = confirm.dryRun!;
  if (dryRun.status === 'waiting') {
    return [{ text: `asking the collector for the ${what.title.toLowerCase()}…`, tone: 'dim' }];
  }
  if (dryRun.status === 'error') {
    return wrapText(`the collector refused: ${dryRun.error}`, room, HANGING).map((text) => ({
      text,
      tone: 'red',
    }));
  }
  const lines: PaneLine[] = [
    ...dryRun.failing.map((t) => ({
      text: `would fail: ${t.slave}: ${t.error ?? 'no reason given'}`,
      tone: 'red' as const,
    })),
    ...dryRun.lines.map((text) => ({ text })),
  ];
  const wrapped = lines.map((l) => wrapText(l.text, room, HANGING).map((text) => ({ ...l, text })));
  const fits = Math.max(free - 1, 1);
  // The last start that still fills the pane: scrolling stops with the last line in view.
  let last = wrapped.length;
  for (let used = 0; last > 0 && used + wrapped[last - 1]!.length <= fits; last--) {
    used += wrapped[last - 1]!.length;
  }
  const from = Math.min(confirm.scroll, last);
  const shown: PaneLine[] = [];
  let to = from;
  while (to < wrapped.length && shown.length + wrapped[to]!.length <= fits) {
    shown.push(...wrapped[to]!);
    to++;
  }
  // A single line longer than the pane: its start, the rest when scrolled to.
  if (to === from && from < wrapped.length) {
    shown.push(...wrapped[from]!.slice(0, fits));
    to++;
  }
  const range = lines.length === 0 ? 'none' : `${from + 1}-${to} of ${lines.length}`;
  return [
    {
      text: `${what.title} (${dryRun.lines.length}) ${range}  j/k scroll · v hides`,
      tone: 'bold',
    },
    ...shown,
  ];
}

/**
 * `a, b, c, d, e and 43 more` in at most `width` characters: fewer names when they do not fit,
 * the first one cut in the middle if even it does not, and always how many more.
 */
export function namesLine(names: readonly string[], width = Infinity): string {
  for (let k = Math.min(NAMES_SHOWN, names.length); k >= 1; k--) {
    const rest = names.length - k;
    const text = `${names.slice(0, k).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
    if (text.length <= width) return text;
  }
  const tail = names.length > 1 ? ` and ${names.length - 1} more` : '';
  return `${truncateMiddle(names[0] ?? '', Math.max(width - tail.length, 1)).trimEnd()}${tail}`;
}

/** At most this many lines say what the targets already have; the rest are counted. */
const ALREADY_LINES = 4;

function alreadyThereLines(lines: string[]): PaneLine[] {
  const shown = lines.length > ALREADY_LINES ? lines.slice(0, ALREADY_LINES - 1) : lines;
  const rest = lines.length - shown.length;
  return [
    ...shown.map((text): PaneLine => ({ text, tone: 'yellow' })),
    ...(rest > 0
      ? [{ text: `and ${rest} more (v: the dry run lists each)`, tone: 'dim' as const }]
      : []),
  ];
}
