// The action panes as the operator sees them (ink-testing-library): the form with its inline
// problems, the confirmation (first names, hidden by filter, the exact lines), progress, the log.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, type Size } from '../../../src/console/App.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import type { ClientMessage } from '../../../src/domain/protocol.js';
import { T0, actionView, downtime, hello, snapshot, view } from './fixtures.js';

// Times on screen are local: pin the zone so `14:00` is what 12:00Z + 2h reads as.
const previousTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

const SIZE: Size = { columns: 140, rows: 40 };
const ESC = '\x1b';
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const NAMES = Array.from({ length: 8 }, (_, i) => `talos-${i}`);

function fedStore(): { store: ConsoleStore; sent: ClientMessage[] } {
  const store = createConsoleStore('ws://collector:8474', T0);
  // Older first: talos-0 is the oldest start, the first row.
  const slaves = NAMES.map((n, i) => view(n, { ago: 3600 * (9 - i) - 7 * 3600 + 3600 * 5 }));
  store.getState().applyMessages([hello(), snapshot(1, slaves)], T0);
  store.getState().setConnection({ status: 'connected' }, T0);
  const sent: ClientMessage[] = [];
  store.getState().setSender((m) => {
    sent.push(m);
    return true;
  });
  return { store, sent };
}

function show(store: ConsoleStore) {
  const r = render(<App store={store} size={SIZE} color={false} />);
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
  return { plain, until, press };
}

describe('console action panes', () => {
  it('the form shows the 2h default with its end in local time, and the missing comment in place', async () => {
    const { store } = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('talos-0'), 'the table');
    await ui.press('d');
    await ui.until((t) => t.includes('Schedule a downtime on 1 slave'), 'the form');
    expect(ui.plain()).toMatch(/for \/ until +2h▏ +until 14:00 UTC/);
    expect(ui.plain()).toContain('a comment is required: say why');
    await ui.press('\x7f', '\x7f', '5', 'x');
    await ui.until((t) => t.includes('"5x" is not a duration or a time'), 'the bad length');
    await ui.press(ESC);
    await ui.until((t) => !t.includes('Schedule a downtime'), 'the form closed');
  });

  it('the confirmation: count, first names and how many more, hidden by the filter, then the Nagios lines', async () => {
    const { store, sent } = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('talos-0'), 'the table');
    await ui.press('a', '/', 't', 'a', 'l', 'o', 's', '-', '7', '\r');
    await ui.until((t) => t.includes('8 marked (7 hidden by filter)'), 'hidden marks');
    await ui.press('A');
    await ui.until(
      (t) => t.includes('Acknowledge the problem on 8 slaves (7 of them hidden'),
      'the ack form',
    );
    await ui.press('bug 42', '\r');
    await ui.until((t) => t.includes('Acknowledge the problem (sticky'), 'the confirmation');
    const text = ui.plain();
    expect(text).toContain('on 8 slaves?');
    const order = store.getState().sorted.map((r) => r.name);
    expect(text).toContain(`slaves: ${order.slice(0, 5).join(', ')} and 3 more`);
    expect(text).toContain('7 of them hidden by the current filter');
    expect(text).toContain('comment: bug 42');
    await ui.press('v');
    await ui.until((t) => t.includes('asking the collector'), 'the dry run asked');
    const requestId = (sent[0] as { requestId: string }).requestId;
    store.getState().applyMessages(
      [
        {
          type: 'dry-run',
          requestId,
          dryRun: true,
          summary: 'jdoe acknowledged 8 slaves',
          targets: [{ slave: 'talos-3', status: 'failed', error: 'Nagios shows it OK' }],
          lines: order.map(
            (n) => `[1] ACKNOWLEDGE_SVC_PROBLEM;${n};buildbot-start;2;1;1;jdoe;bug 42`,
          ),
          existing: [],
        },
      ],
      T0,
    );
    await ui.until((t) => t.includes('Nagios command lines (8)'), 'the lines');
    expect(ui.plain()).toContain('would fail: talos-3: Nagios shows it OK');
    expect(ui.plain()).toContain(
      `ACKNOWLEDGE_SVC_PROBLEM;${order[0]};buildbot-start;2;1;1;jdoe;bug 42`,
    );
  });

  it('progress in the status line, then the log pane with the failure and why', async () => {
    const { store, sent } = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('talos-0'), 'the table');
    await ui.press('c', 'r');
    await ui.until(
      (t) => t.includes('Re-submit the current state to Nagios on 1 slave?'),
      'the confirmation',
    );
    await ui.press('y');
    await ui.until(
      (t) => t.includes('recheck on 1 slave: sent, waiting for the collector'),
      'waiting',
    );
    const requestId = (sent[0] as { requestId: string }).requestId;
    const targets = [
      { slave: 'talos-0', status: 'confirmed' as const, error: null },
      {
        slave: 'talos-1',
        status: 'failed' as const,
        error: 'Nagios is not reading /var/nagios.cmd',
      },
    ];
    store.getState().applyMessages(
      [
        {
          type: 'action',
          event: 'finished',
          requestId,
          action: actionView({
            id: 4,
            kind: 'recheck',
            summary: 'jdoe re-submitted the current state of 2 slaves to Nagios',
            targets,
            finishedAt: new Date(T0).toISOString(),
          }),
        },
      ],
      T0,
    );
    await ui.until((t) => t.includes('✖ jdoe re-submitted'), 'the result');
    expect(ui.plain()).toContain(
      '1 confirmed · 1 failed · talos-1: Nagios is not reading /var/nagios.cmd',
    );
    await ui.press('L');
    await ui.until((t) => t.includes('Action log: every operator, newest first'), 'the log');
    expect(ui.plain()).toMatch(
      /\d\d:\d\d \S+ ✖ jdoe re-submitted the current state of 2 slaves to Nagios — 1 confirmed · 1 failed/,
    );
    expect(ui.plain()).toContain('#4: 1 of 2 not confirmed');
    expect(ui.plain()).toContain('talos-1: failed: Nagios is not reading /var/nagios.cmd');
  });

  it('the reboot confirmation: the chains of the pools, the muted, the exact commands', async () => {
    const { store, sent } = fedStore();
    const reboot = { methods: ['ssh', 'ipmi', 'hands'], pools: { snow: ['pdu', 'hands'] } };
    store.getState().applyMessages(
      [
        { ...hello(), reboot },
        {
          type: 'delta',
          seq: 2,
          serverTime: new Date(T0).toISOString(),
          changed: [view('snow-1', { ago: 8 * 3600, pool: 'snow', muted: downtime() })],
          removed: [],
        },
      ],
      T0,
    );
    const ui = show(store);
    await ui.until((t) => t.includes('snow-1'), 'the table');
    await ui.press('g', ' ', ' ', 'r');
    await ui.until((t) => t.includes('Reboot 2 slaves?'), 'the confirmation');
    expect(ui.plain()).toContain('methods, in order: ssh → ipmi → hands');
    expect(ui.plain()).toContain('methods for pool snow: pdu → hands');
    expect(ui.plain()).toContain('1 of them muted in Nagios: skipped (m reboots them too)');
    await ui.press('m');
    await ui.until((t) => t.includes('rebooted too (m leaves them out)'), 'muted in');
    await ui.press('v');
    const requestId = (sent[0] as { requestId: string }).requestId;
    store.getState().applyMessages(
      [
        {
          type: 'dry-run',
          dryRun: true,
          requestId,
          summary: 'jdoe rebooted 2 slaves (muted ones included)',
          targets: [],
          lines: ['snow-1 pdu: ["snmpset","-v2c","pdu1","outlet.7","i","3"]'],
          existing: [],
        },
      ],
      T0,
    );
    await ui.until((t) => t.includes('Commands (1) 1-1 of 1'), 'the commands');
    expect(ui.plain()).toContain('snow-1 pdu: ["snmpset","-v2c","pdu1","outlet.7","i","3"]');
  });

  it('the keys help lists the action keys', async () => {
    const { store } = fedStore();
    const ui = show(store);
    await ui.press('?');
    await ui.until((t) => t.includes('keys (any key closes)'), 'help');
    expect(ui.plain()).toContain('schedule a downtime / cancel the downtimes');
    expect(ui.plain()).toContain('the action log: recent actions of every operator');
  });
});
