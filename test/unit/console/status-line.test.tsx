// The status line says a long message whole (an action refused, an error from the collector),
// wrapped over as many lines as it takes, and the table gives up as many: never cut with `…`.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterEach, expect, test } from 'vitest';
import { App } from '../../../src/console/App.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import { T0, farm, hello, snapshot } from './fixtures.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const SIZE = { columns: 80, rows: 24 };
const REFUSAL =
  'Nagios is not reading /var/lib/nagios4/rw/nagios.cmd: start Nagios with check_external_commands=1, or point nagios.command_file in corral.yaml at command_file from nagios.cfg (nothing was sent; try again once Nagios is back)';

function fedStore(): ConsoleStore {
  const store = createConsoleStore('ws://collector:8474', T0);
  store.getState().applyMessages([hello(), snapshot(1, farm())], T0);
  store.getState().setConnection({ status: 'connected' }, T0);
  return store;
}

async function frameUntil(store: ConsoleStore, check: (lines: string[]) => boolean) {
  const r = render(<App store={store} size={SIZE} color={false} />);
  cleanup.push(() => r.unmount());
  const lines = () => stripVTControlCharacters(r.lastFrame() ?? '').split('\n');
  const deadline = Date.now() + 5000;
  while (!check(lines())) {
    if (Date.now() > deadline) throw new Error(`frame never showed it:\n${lines().join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return lines();
}

/** The lines after `showing N of M`: the status line's. */
const statusOf = (lines: string[]) =>
  lines.slice(lines.findIndex((l) => l.startsWith('showing ')) + 1).filter((l) => l.trim() !== '');

test('an error from the collector, whole over several lines, the frame still fits', async () => {
  const store = fedStore();
  store.getState().applyMessages([{ type: 'error', error: REFUSAL }], T0);
  const lines = await frameUntil(store, (l) => l.join(' ').includes('nothing was sent'));
  const status = statusOf(lines);
  expect(status.length).toBeGreaterThan(2);
  expect(status.map((l) => l.trim()).join(' ')).toBe(`collector: ${REFUSAL}`);
  expect(status.join('')).not.toContain('…');
  expect(lines.length).toBeLessThanOrEqual(SIZE.rows - 1);
});

test('a notice as long, whole; once cleared the keys come back on one line', async () => {
  const store = fedStore();
  store.getState().setNotice(REFUSAL);
  const lines = await frameUntil(store, (l) => l.join(' ').includes('nothing was sent'));
  expect(
    statusOf(lines)
      .map((l) => l.trim())
      .join(' '),
  ).toBe(REFUSAL);
  store.getState().setNotice(null);
  const after = await frameUntil(store, (l) => l.some((x) => x.startsWith('Enter detail')));
  expect(statusOf(after)).toHaveLength(1);
});

test('the keys line fits the width with whole keys, and always offers help', async () => {
  for (const columns of [60, 100, 130]) {
    const store = fedStore();
    const r = render(<App store={store} size={{ columns, rows: 24 }} color={false} />);
    cleanup.push(() => r.unmount());
    const lines = () => stripVTControlCharacters(r.lastFrame() ?? '').split('\n');
    const deadline = Date.now() + 5000;
    while (!lines().some((l) => l.startsWith('Enter detail'))) {
      if (Date.now() > deadline) throw new Error(`no keys line:\n${lines().join('\n')}`);
      await new Promise((res) => setTimeout(res, 10));
    }
    const keys = lines()
      .find((l) => l.startsWith('Enter detail'))!
      .trimEnd();
    expect(keys.length).toBeLessThanOrEqual(columns);
    expect(keys).not.toContain('…');
    expect(keys).toMatch(/ \? help( {2}q quit)?$/);
    // Whole keys only: each word after two spaces is a key and its word, as the table writes them.
    const full =
      'Enter detail  / filter  space mark  a mark all  x act  d downtime  c recheck  A ack  r reboot  L log  s sort  ? help  q quit';
    for (const part of keys.split('  ')) expect(full.split('  ')).toContain(part);
    if (columns >= full.length) expect(keys).toBe(full);
  }
});
