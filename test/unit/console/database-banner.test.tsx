// The database in the console: a collector whose database is unavailable says so in `hello` and in
// `database` messages; the banner names the problem, since when, and that actions are refused,
// and goes once it is back.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterEach, expect, test } from 'vitest';
import { App } from '../../../src/console/App.js';
import { createConsoleStore } from '../../../src/console/store.js';
import { T0, farm, hello, snapshot } from './fixtures.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const PROBLEM =
  'PostgreSQL at db.example.org:5432 (database corral): connection refused: start PostgreSQL, or correct db: in corral.yaml (or --db)';

test('the banner while the database is unavailable, gone once it is back', async () => {
  const store = createConsoleStore('ws://collector:8474', T0);
  const since = new Date(T0 - 60_000).toISOString();
  store
    .getState()
    .applyMessages(
      [{ ...hello(), database: { problem: PROBLEM, since } }, snapshot(1, farm())],
      T0,
    );
  store.getState().setConnection({ status: 'connected' }, T0);
  const r = render(<App store={store} size={{ columns: 100, rows: 30 }} color={false} />);
  cleanup.push(() => r.unmount());
  const text = () => stripVTControlCharacters(r.lastFrame() ?? '').replace(/\s+/g, ' ');
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`frame never showed ${what}:\n${r.lastFrame()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await until(() => text().includes('database unavailable since'), 'the banner');
  expect(text()).toContain(
    `: ${PROBLEM}; actions are refused until it is back`.replace(/\s+/g, ' '),
  );
  store
    .getState()
    .applyMessages([{ type: 'database', database: { problem: null, since: null } }], T0 + 1000);
  await until(() => !text().includes('database unavailable'), 'the banner gone');
});
