// Starts the console: checks the terminal, connects, then runs Ink on the alternate screen and
// leaves the terminal as it was on every way out (q, Ctrl-C, signals, uncaught errors).
import { render } from 'ink';
import { createElement } from 'react';
import { printable } from '../domain/printable.js';
import type { CaFile } from '../net/failure.js';
import { App } from './App.js';
import { connectClient } from './client.js';
import { colorAllowed } from './components/theme.js';
import { startDetailFetcher } from './detail.js';
import { endpointsListFor, type Endpoints } from './endpoints.js';
import { startLogFetcher } from './log-fetcher.js';
import { AUTOWRAP_ON, Screen } from './screen.js';
import { createConsoleStore } from './store.js';
import { startTicker } from './ticker.js';

export interface RunConsoleOptions {
  /** ws://host:port (http:// accepted too), or several, comma-separated, to move between. */
  url: string;
  /** Where `url` came from, for the line that says it is unusable (`CORRAL_URL`). */
  urlSource?: string;
  token?: string | undefined;
  /** The CA of a wss:// collector; undefined: the system's CAs. */
  ca?: CaFile | undefined;
  /** Runs after the terminal is restored, before runConsole resolves (e.g. stop an embedded collector). */
  onExit?: () => Promise<void>;
}

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
// A paste then arrives marked, and the console takes it as text: its newlines are no Enter, its
// letters no commands (src/console/key-splitter.ts).
const BRACKETED_PASTE_ON = '\x1b[?2004h';
const BRACKETED_PASTE_OFF = '\x1b[?2004l';

/** Why this process cannot run the console, or null when it can. */
export function terminalProblem(
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
): string | null {
  const which = [!stdin.isTTY && 'stdin', !stdout.isTTY && 'stdout'].filter(Boolean);
  if (which.length === 0) return null;
  return `the console needs a terminal, but ${which.join(' and ')} ${which.length > 1 ? 'are' : 'is'} not one: for scripts use \`corral ls\` (add --json for JSON)`;
}

/** Runs the console until the operator quits; the exit status (0 on a clean quit). */
export async function runConsole(opts: RunConsoleOptions): Promise<number> {
  const fail = async (message: string) => {
    process.stderr.write(`corral: ${printable(message)}\n`);
    await opts.onExit?.();
    return 1;
  };
  const problem = terminalProblem();
  if (problem) return fail(problem);
  let endpoints: Endpoints[];
  try {
    endpoints = endpointsListFor(opts.url, opts.urlSource ?? 'the collector address');
  } catch (err) {
    return fail((err as Error).message);
  }

  const [first, ...others] = endpoints as [Endpoints, ...Endpoints[]];
  /** The collector the console is on: the header names it, the panes ask it. */
  let on = first;
  const label = (index: number) =>
    endpoints.length === 1
      ? endpoints[index]!.display
      : `${endpoints[index]!.display} (collector ${index + 1} of ${endpoints.length})`;
  const store = createConsoleStore(label(0));
  const { token, ca } = opts;
  const client = connectClient({
    store,
    url: first.stream,
    fallbacks: others.map((e) => e.stream),
    token,
    ca,
    onCollector: (index) => {
      const next = endpoints[index]!;
      if (next !== on) store.getState().setNotice(`moved to ${next.display}: lost ${on.display}`);
      on = next;
      store.getState().setCollector(label(index));
    },
  });
  try {
    await client.ready;
  } catch (err) {
    client.close();
    return fail((err as Error).message);
  }

  const stopTicker = startTicker(store);
  // Read at each request: the panes ask the collector the console is on now.
  const panes = {
    store,
    get http() {
      return on.http;
    },
    token,
    ca,
  };
  const stopDetail = startDetailFetcher(panes);
  const stopLog = startLogFetcher(panes);
  // Ink lays out and draws all but the table; the screen composes both and writes only the lines
  // that changed. Debug mode hands the screen each frame whole, as soon as React commits it.
  const screen = new Screen(process.stdout);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    screen.close();
    process.stdout.write(BRACKETED_PASTE_OFF + AUTOWRAP_ON + LEAVE_ALT_SCREEN + SHOW_CURSOR);
  };
  process.stdout.write(ENTER_ALT_SCREEN + BRACKETED_PASTE_ON);
  const ink = render(createElement(App, { store, color: colorAllowed(), screen }), {
    stdout: screen.inkStdout as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });

  // Signals and crashes must not leave the operator in a blank alternate screen.
  // The embedded collector (onExit) still gets to close its database before the process ends.
  // Once only: with the terminal gone (a closed window, a dropped ssh session), every write fails,
  // and a failure must not lead back here and keep a headless console spinning.
  let leaving = false;
  const leave = (code: number) => {
    if (leaving) return;
    leaving = true;
    try {
      ink.unmount();
      restore();
    } catch {
      // the terminal is gone: nothing left to restore
    }
    stopTicker();
    stopDetail();
    stopLog();
    client.close();
    void Promise.resolve(opts.onExit?.())
      .catch(() => {})
      .finally(() => process.exit(code));
  };
  // EIO on a terminal that went away arrives as an error event: the operator has left.
  const onTerminalGone = () => leave(129);
  process.stdout.on('error', onTerminalGone);
  process.stderr.on('error', onTerminalGone);
  const onSignal = (signal: NodeJS.Signals) => {
    leave(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
  };
  const onCrash = (err: unknown) => {
    const first = !leaving;
    // The terminal restored first: said on the alternate screen, the line would vanish with it.
    leave(1);
    if (first) {
      process.stderr.write(
        `corral: the console failed: ${printable(err instanceof Error ? err.message : String(err))}\n`,
      );
    }
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  let code = 0;
  try {
    await ink.waitUntilExit();
  } catch (err) {
    process.stderr.write(
      `corral: ${printable(err instanceof Error ? err.message : String(err))}\n`,
    );
    code = 1;
  } finally {
    ink.cleanup();
    restore();
    stopTicker();
    stopDetail();
    stopLog();
    client.close();
    for (const s of signals) process.off(s, onSignal);
    process.stdout.off('error', onTerminalGone);
    process.stderr.off('error', onTerminalGone);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  await opts.onExit?.();
  return code;
}
