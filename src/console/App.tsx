// The console's screen: header, banner, table (or help), a pane (detail, action menu, form,
// confirmation, action log or hygiene), footer.
// It fills the terminal minus one line (a full-height Ink frame clears the screen on every update).
import { Box, useApp, useStdin, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { ActionFormPane, formPaneLines } from './components/ActionFormPane.js';
import { ActionLogPane } from './components/ActionLogPane.js';
import { ACTION_MENU_LINES, ActionMenu } from './components/ActionMenu.js';
import { ConfirmPane } from './components/ConfirmPane.js';
import { Banner, bannerHeight } from './components/Banner.js';
import { CauseLine, hasCauseLine } from './components/CauseLine.js';
import { DetailPane } from './components/DetailPane.js';
import { Footer, footerHeight } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { HygienePane } from './components/HygienePane.js';
import { PaintedTable } from './components/PaintedTable.js';
import { SlaveTable } from './components/SlaveTable.js';
import { ColorContext } from './components/theme.js';
import { zoneName } from './format.js';
import { createKeyInput } from './keys.js';
import type { Screen } from './screen.js';
import { useColumns } from './use-columns.js';
import type { ConsoleStore } from './store.js';

export interface Size {
  columns: number;
  rows: number;
}

export interface AppProps {
  store: ConsoleStore;
  /** A fixed size (tests); otherwise the terminal's, following resizes. */
  size?: Size;
  color?: boolean;
  /** The terminal's screen (run.ts): the table is drawn there, outside Ink. Tests leave it out. */
  screen?: Screen;
}

const HEADER_LINES = 2;

export function App({ store, size, color = true, screen }: AppProps) {
  const { exit } = useApp();
  const terminal = useTerminalSize(size);
  const mode = useStore(store, (s) => s.mode);
  const detailOpen = useStore(store, (s) => s.detailOpen);
  const formKind = useStore(store, (s) => s.form?.kind ?? null);
  // The banner wraps a long problem over several lines: the table gives up as many.
  const banner = useStore(store, (s) => bannerHeight(s, terminal.columns));
  // So does the footer for a long message (an action refused, an error from the collector).
  const footer = useStore(store, (s) => footerHeight(s, terminal.columns));
  const cause = useStore(store, hasCauseLine);
  const zone = useMemo(() => zoneName(), []);

  const height = Math.max(terminal.rows - 1, 8);
  const paneHeight =
    mode === 'form' && formKind !== null
      ? formPaneLines(formKind)
      : paneHeightFor(mode, detailOpen, height);
  const tableHeight = Math.max(
    height - HEADER_LINES - banner - (cause ? 1 : 0) - 1 - footer - paneHeight,
    1,
  );
  const columns = useColumns(store, terminal.columns, zone);

  useEffect(() => store.getState().setPageSize(tableHeight), [store, tableHeight]);

  useKeys(store, exit, screen);

  return (
    <ColorContext.Provider value={color}>
      <Box flexDirection="column" width={terminal.columns} height={height}>
        <Header store={store} zone={zone} />
        <Banner store={store} columns={terminal.columns} />
        {cause ? <CauseLine store={store} width={terminal.columns} /> : null}
        {mode === 'help' ? (
          <HelpOverlay height={tableHeight + 1} />
        ) : screen ? (
          <PaintedTable store={store} screen={screen} columns={columns} height={tableHeight} />
        ) : (
          <SlaveTable store={store} columns={columns} height={tableHeight} />
        )}
        {mode === 'actions' ? (
          <ActionMenu store={store} />
        ) : mode === 'form' ? (
          <ActionFormPane store={store} />
        ) : mode === 'confirm' ? (
          <ConfirmPane store={store} height={paneHeight} width={terminal.columns} />
        ) : mode === 'log' ? (
          <ActionLogPane store={store} height={paneHeight} width={terminal.columns} />
        ) : mode === 'hygiene' ? (
          <HygienePane store={store} height={paneHeight} width={terminal.columns} />
        ) : detailOpen ? (
          <DetailPane store={store} height={paneHeight} width={terminal.columns} zone={zone} />
        ) : null}
        <Footer store={store} columns={terminal.columns} />
      </Box>
    </ColorContext.Provider>
  );
}

/** The pane under the table takes what it needs; the table keeps at least a few rows. */
function paneHeightFor(mode: string, detailOpen: boolean, height: number): number {
  const half = Math.floor(height / 2);
  if (mode === 'actions') return ACTION_MENU_LINES;
  if (mode === 'confirm' || mode === 'log' || mode === 'hygiene')
    return Math.max(Math.min(20, height - 12), Math.min(8, half));
  return detailOpen ? Math.min(14, half) : 0;
}

/**
 * Key input, taken before Ink's useInput: useInput hands a text run as one input ("snow\r" is
 * one call, its Enter kept as a character), so the console reads what Ink read (each text run or
 * escape sequence, a lone Esc after Ink's wait) and splits it into keys itself (keys.ts).
 */
function useKeys(store: ConsoleStore, exit: () => void, screen: Screen | undefined): void {
  const { internal_eventEmitter: input, setRawMode } = useStdin();
  useEffect(() => {
    setRawMode(true);
    return () => setRawMode(false);
  }, [setRawMode]);
  useEffect(() => {
    const take = createKeyInput(store);
    const onInput = (chunk: string) => {
      const outcome = take(chunk);
      if (outcome === 'quit') exit();
      else if (outcome === 'redraw') screen?.redraw();
    };
    input.on('input', onInput);
    return () => {
      input.off('input', onInput);
    };
  }, [input, store, exit, screen]);
}

function useTerminalSize(fixed: Size | undefined): Size {
  const { stdout } = useStdout();
  const read = useCallback(
    () => fixed ?? { columns: stdout.columns || 100, rows: stdout.rows || 30 },
    [fixed, stdout],
  );
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [fixed, read, stdout]);
  return fixed ?? size;
}
