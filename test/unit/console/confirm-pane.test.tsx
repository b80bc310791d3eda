// The confirmation at each terminal width class: the list of names always keeps its count, long
// comments and exact command lines wrap instead of being cut, and a cancel of reboots offers what
// its dry run shows (which reboots stop), not Nagios lines it does not have.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../src/console/App.js';
import { namesLine } from '../../../src/console/components/ConfirmPane.js';
import { createConsoleStore, type Confirmation } from '../../../src/console/store.js';
import type { ActionRequest } from '../../../src/domain/protocol.js';
import { T0, hello, snapshot, view } from './fixtures.js';

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

const WIDTHS = [80, 100, 120, 160, 200] as const;
const NAMES = Array.from({ length: 48 }, (_, i) => `bld-linux64-ec2-${101 + i}`);
const COMMENT =
  'reimaging after the disk failures of bug 1234567; ask jdoe on #releng before ending it early';

/** The confirmation pane's lines, inside its border, as the operator reads them. */
async function confirmation(columns: number, request: ActionRequest, lines?: string[]) {
  const store = createConsoleStore('ws://collector:8474', T0);
  store.getState().applyMessages(
    [
      hello(),
      snapshot(
        1,
        NAMES.map((n) => view(n)),
      ),
    ],
    T0,
  );
  store.getState().setConnection({ status: 'connected' }, T0);
  const confirm: Confirmation = {
    request,
    hidden: 0,
    dryRun: lines ? { requestId: 'r1', status: 'ready', lines, failing: [], error: null } : null,
    showLines: lines !== undefined,
    scroll: 0,
  };
  store.setState({ mode: 'confirm', confirm });
  const r = render(<App store={store} size={{ columns, rows: 40 }} color={false} />);
  cleanup.push(() => r.unmount());
  const deadline = Date.now() + 5000;
  for (;;) {
    const frame = stripVTControlCharacters(r.lastFrame() ?? '').split('\n');
    const top = frame.findIndex((l) => l.includes('╭'));
    const bottom = frame.findIndex((l) => l.includes('╰'));
    if (top >= 0 && bottom > top) {
      return frame.slice(top + 1, bottom).map((l) =>
        l
          .replace(/^│ ?/, '')
          .replace(/ ?│\s*$/, '')
          .trimEnd(),
      );
    }
    if (Date.now() > deadline) throw new Error(`no confirmation pane:\n${frame.join('\n')}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

const downtime: ActionRequest = {
  kind: 'downtime',
  targets: NAMES,
  params: { duration: '30d', comment: COMMENT },
};

describe.each(WIDTHS)('the confirmation at %i columns', (columns) => {
  it('keeps the count of the names it does not spell out, and cuts no line', async () => {
    const pane = await confirmation(columns, downtime);
    const names = pane.find((l) => l.startsWith('slaves: '))!;
    expect(names).toMatch(/^slaves: bld-linux64-ec2-101(, bld-linux64-ec2-1\d\d)* and \d+ more$/);
    const shown = names.split(', ').length;
    expect(names).toContain(` and ${48 - shown} more`);
    for (const line of pane) expect(line).not.toMatch(/…$/);
    expect(pane.join(' ').replace(/\s+/g, ' ')).toContain(`comment: ${COMMENT}`);
  });

  it('wraps the exact Nagios lines: their comments are whole', async () => {
    const lines = NAMES.slice(0, 3).map(
      (n) =>
        `[1795579200] SCHEDULE_SVC_DOWNTIME;${n};buildbot-start;1795579200;1798171200;1;0;2592000;jdoe;${COMMENT}`,
    );
    const pane = await confirmation(columns, downtime, lines);
    const text = pane.join('\n');
    expect(text).toContain('Nagios command lines (3) 1-');
    // The first line whole, across its wrapped parts.
    const first = pane.findIndex((l) => l.startsWith('[1795579200]'));
    // Wrapped at a space (dropped) or inside a word too long for a line, the parts after the
    // first indented by two.
    expect(pane[first + 1]).toMatch(/^ {2}\S/);
    const joined = pane.slice(first, first + 4).join('');
    expect(joined.replace(/\s+/g, '')).toContain(lines[0]!.replace(/\s+/g, ''));
    for (const line of pane) expect(line).not.toMatch(/…$/);
  });

  it('offers a cancel of reboots what its dry run shows, not Nagios lines', async () => {
    const pane = await confirmation(columns, { kind: 'cancel-reboot', targets: NAMES.slice(0, 2) });
    const text = pane.join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('Cancel the reboots of 2 slaves?');
    expect(text).toContain('v show which reboots it stops (dry run)');
    expect(text).not.toContain('Nagios');
  });
});

describe('the names line', () => {
  it('spells out fewer names rather than lose the count, and cuts a single long name in the middle', () => {
    expect(namesLine(NAMES, 200)).toBe(`${NAMES.slice(0, 5).join(', ')} and 43 more`);
    expect(namesLine(NAMES, 60)).toBe(`${NAMES.slice(0, 2).join(', ')} and 46 more`);
    expect(namesLine(NAMES, 30)).toMatch(/^bld-li.*….*-101 and 47 more$/);
    expect(namesLine(NAMES, 30).length).toBeLessThanOrEqual(30);
    expect(namesLine(NAMES.slice(0, 2), 60)).toBe(NAMES.slice(0, 2).join(', '));
  });
});
