// The console's screen: header, banner, table (or help), detail pane or action menu, footer.
// It fills the terminal minus one line (a full-height Ink frame clears the screen on every update).
import { Box, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { ActionMenu } from './components/ActionMenu.js';
import { Banner } from './components/Banner.js';
import { DetailPane } from './components/DetailPane.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { SlaveTable } from './components/SlaveTable.js';
import { ColorContext } from './components/theme.js';
import { zoneName } from './format.js';
import { handleKey } from './keys.js';
import { columnsFor } from './layout.js';
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
}

const HEADER_LINES = 2;
const FOOTER_LINES = 2;
const ACTION_MENU_LINES = 9;

export function App({ store, size, color = true }: AppProps) {
  const { exit } = useApp();
  const terminal = useTerminalSize(size);
  const mode = useStore(store, (s) => s.mode);
  const detailOpen = useStore(store, (s) => s.detailOpen);
  const banner = useStore(store, (s) => s.connection.status !== 'connected');
  const zone = useMemo(() => zoneName(), []);

  const height = Math.max(terminal.rows - 1, 8);
  const paneHeight =
    mode === 'actions' ? ACTION_MENU_LINES : detailOpen ? Math.min(14, Math.floor(height / 2)) : 0;
  const tableHeight = Math.max(
    height - HEADER_LINES - (banner ? 1 : 0) - 1 - FOOTER_LINES - paneHeight,
    1,
  );
  const withAction = useStore(
    store,
    (s) => s.inFlight.size > 0 || s.counts.rebooting > 0 || s.counts['needs-hands'] > 0,
  );
  const columns = useMemo(
    () => columnsFor(terminal.columns, zone, withAction),
    [terminal.columns, zone, withAction],
  );

  useEffect(() => store.getState().setPageSize(tableHeight), [store, tableHeight]);

  const onKey = useCallback(
    (input: string, key: Key) => {
      if (handleKey(store, input, key) === 'quit') exit();
    },
    [store, exit],
  );
  useInput(onKey);

  return (
    <ColorContext.Provider value={color}>
      <Box flexDirection="column" width={terminal.columns} height={height}>
        <Header store={store} zone={zone} />
        <Banner store={store} />
        {mode === 'help' ? (
          <HelpOverlay height={tableHeight + 1} />
        ) : (
          <SlaveTable store={store} columns={columns} height={tableHeight} />
        )}
        {mode === 'actions' ? (
          <ActionMenu store={store} />
        ) : detailOpen ? (
          <DetailPane store={store} height={paneHeight} zone={zone} />
        ) : null}
        <Footer store={store} />
      </Box>
    </ColorContext.Provider>
  );
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
