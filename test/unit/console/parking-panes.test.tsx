// The parking panes drawn by the Ink app at 80, 120 and 160 columns: the header's parked and
// hygiene counts, a parked row's reason, the park form, the hygiene view and the detail's park
// line, never wider than the terminal.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../src/console/App.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import type { HygieneItem } from '../../../src/domain/protocol.js';
import { HOUR, T0, downtime, hello, snapshot, view } from './fixtures.js';

const previousTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const REASON = 'old 0.7 master: kept for the release branch builds until the esr17 branch closes';
const ITEMS: HygieneItem[] = [
  {
    kind: 'mute-ending',
    slave: 'bld-linux64-ec2-101',
    detail: "alice's downtime ends in 3h but the slave is still dead: extend it, or look at it",
    by: 'alice',
    until: new Date(T0 + 3 * HOUR * 1000).toISOString(),
  },
  {
    kind: 'review-due',
    slave: 'talos-r3-fed-001',
    detail: `parked since 10-25 by jdoe for releng: ${REASON}`,
    by: 'jdoe',
    until: null,
  },
  {
    kind: 'foreign-downtime',
    slave: 'talos-r3-fed-002',
    detail: 'nagiosadmin: scheduled in the Nagios CGI, not by corral',
    by: 'nagiosadmin',
    until: new Date(T0 + 40 * 86400_000).toISOString(),
  },
];

function fedStore(): ConsoleStore {
  const store = createConsoleStore('ws://collector:8474', T0);
  const parkDowntime = downtime('jdoe', `parked: ${REASON}`);
  const slaves = [
    {
      ...view('talos-r3-fed-001', { ago: 30 * HOUR, muted: parkDowntime }),
      parked: {
        by: 'jdoe',
        owner: 'releng',
        reason: REASON,
        ticket: 'https://bugzilla.mozilla.org/show_bug.cgi?id=812345',
        since: new Date(T0 - 30 * 86400_000).toISOString(),
        review: new Date(T0 - 86400_000).toISOString(),
        reviewDue: true,
        actionId: 7,
      },
    },
    view('bld-linux64-ec2-101', { ago: 9 * HOUR, muted: downtime('alice') }),
    view('talos-r3-fed-002', { ago: HOUR }),
  ];
  store.getState().applyMessages([{ ...hello(), hygiene: ITEMS }, snapshot(1, slaves)], T0);
  store.getState().setConnection({ status: 'connected' }, T0);
  store.getState().setSender(() => true);
  return store;
}

function show(store: ConsoleStore, columns: number) {
  const r = render(<App store={store} size={{ columns, rows: 30 }} color={false} />);
  cleanup.push(() => r.unmount());
  const plain = () => stripVTControlCharacters(r.lastFrame() ?? '');
  const until = async (check: (text: string) => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check(plain())) {
      if (Date.now() > deadline) throw new Error(`frame never showed ${what}:\n${plain()}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  const press = async (...inputs: string[]) => {
    for (const input of inputs) {
      await new Promise((res) => setTimeout(res, 20));
      r.stdin.write(input);
    }
    await new Promise((res) => setTimeout(res, 20));
  };
  const widest = () =>
    Math.max(
      ...plain()
        .split('\n')
        .map((l) => l.length),
    );
  return { plain, until, press, widest };
}

describe.each([80, 120, 160])('parking panes at %i columns', (columns) => {
  it('the header counts the parked and what needs a decision; the row says why it is parked', async () => {
    const ui = show(fedStore(), columns);
    await ui.until((t) => t.includes('talos-r3-fed-002'), 'the table');
    const [first, counts] = ui.plain().split('\n');
    // What needs a decision is on the first line, never cut off.
    expect(first).toContain('(operator)  3 to decide (H)');
    // The second header line is cut at the width: what it says first is what fits.
    expect(counts!.length).toBeLessThanOrEqual(columns);
    if (columns >= 160) expect(counts).toContain('muted 2 · parked 1 (4), 1 review due  of 3');
    // The reason shows where the message column fits (it goes first on a narrow terminal).
    const row = ui
      .plain()
      .split('\n')
      .find((l) => l.includes('talos-r3-fed-001'))!;
    // Parked, in MUTED (the park's downtime is corral's to renew); past its review date.
    expect(row).toContain('PARKED DUE releng');
    if (columns >= 120) expect(row).toContain('review due · pa');
    if (columns >= 160) expect(row).toContain('review due · parked (releng): old 0.7 master');
    expect(ui.widest()).toBeLessThanOrEqual(columns);
  });

  it('the park form shows each field with its hint, the review date in local time', async () => {
    const store = fedStore();
    const ui = show(store, columns);
    await ui.until((t) => t.includes('talos-r3-fed-002'), 'the table');
    await ui.press('p');
    await ui.until((t) => t.includes('Park 1 slave'), 'the park form');
    const text = ui.plain();
    for (const label of ['▸ reason', 'owner', 'review       30d', 'ticket']) {
      expect(text).toContain(label);
    }
    if (columns >= 120) expect(text).toContain('review due 12-25 12:00 UTC');
    expect(ui.widest()).toBeLessThanOrEqual(columns);
  });

  it('the hygiene view lists kind, slave, whose, until and detail; the selected one first', async () => {
    const ui = show(fedStore(), columns);
    await ui.until((t) => t.includes('talos-r3-fed-002'), 'the table');
    await ui.press('H');
    await ui.until((t) => t.includes('Hygiene: 3 to decide'), 'the hygiene view');
    const lines = ui.plain().split('\n');
    expect(lines.some((l) => /KIND +SLAVE +WHOSE +UNTIL +DETAIL/.test(l))).toBe(true);
    expect(lines.some((l) => /mute ending +bld-linux64-ec2-101 alice +15:00 UTC/.test(l))).toBe(
      true,
    );
    expect(
      lines.some((l) => /not corral’s +talos-r3-fed-002 +nagiosadmin +01-04 12:00 UTC/.test(l)),
    ).toBe(true);
    expect(ui.widest()).toBeLessThanOrEqual(columns);
    // Enter: the slave, its detail open with the whole park.
    await ui.press('j', '\r');
    await ui.until((t) => t.includes('REVIEW DUE · parked by jdoe for releng'), 'the park line');
    expect(ui.plain()).toContain('(#7)');
    expect(ui.widest()).toBeLessThanOrEqual(columns);
  });
});
