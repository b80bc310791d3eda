// The table and the action log drawn from props alone, with no store: what they are given is
// what they show.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionLog } from '../../../src/console/components/ActionLogPane.js';
import { SlaveLines } from '../../../src/console/components/SlaveTable.js';
import { paintFor } from '../../../src/console/components/theme.js';
import { columnNeeds, columnsFor } from '../../../src/console/layout.js';
import { toRow } from '../../../src/console/rows.js';
import { emptyCounts, type Line } from '../../../src/console/store.js';
import { tableLines, type TableData } from '../../../src/console/table-lines.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { T0, actionView, view } from './fixtures.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});
function lines(node: React.ReactElement): string[] {
  const r = render(node);
  cleanup.push(() => r.unmount());
  return stripVTControlCharacters(r.lastFrame() ?? '').split('\n');
}

describe('views drawn from props', () => {
  const row = (name: string) => toRow(view(name, { master: 'bm05' }), DEFAULT_POLICY, T0);
  const window: Line[] = [
    { kind: 'group', key: 'bm05', count: 2, marked: 1, states: { ok: 2 } },
    { kind: 'slave', row: row('a-1'), index: 0 },
    { kind: 'slave', row: row('a-2'), index: 1 },
  ];
  const inFlight = new Map([['a-2', 'downtime sent jdoe']]);
  const columns = columnsFor(100, 'UTC', columnNeeds([row('a-1'), row('a-2')], inFlight, T0));
  const table = (over: Partial<Parameters<typeof SlaveLines>[0]> = {}) =>
    lines(
      <SlaveLines
        window={window}
        columns={columns}
        height={4}
        now={T0}
        cursor={1}
        marks={new Set(['a-1'])}
        inFlight={inFlight}
        stale={false}
        empty="no slave matches the filters"
        {...over}
      />,
    );

  it('SlaveLines: the titles, a group header with its counts, the marked row and the others', () => {
    const shown = table();
    expect(shown[0]).toMatch(/STATE\s+NAME/);
    expect(shown[1]).toBe('── bm05 (2: 2 ok, 1 marked)');
    expect(shown[2]).toMatch(/^\S.*a-1/);
    expect(shown[3]).toMatch(/^ {2}✓ OK\s+a-2/);
    expect(table({ window: [] })[1]).toBe('  no slave matches the filters');
  });

  it('the screen draws the same group header and empty table as SlaveLines', () => {
    const data: TableData = {
      lines: window,
      top: 0,
      cursor: 1,
      marks: new Set(['a-1']),
      inFlight,
      now: T0,
      connection: { status: 'connected', since: T0, error: null, retryAt: null },
      counts: { ...emptyCounts(), ok: 2, total: 2 },
    };
    const painted = (d: TableData) =>
      tableLines(d, columns, 4, paintFor(false)).map((l) => stripVTControlCharacters(l));
    expect(painted(data)[1]).toBe(table()[1]);
    expect(painted({ ...data, lines: [] })[1]).toBe(table({ window: [] })[1]);
    expect(painted({ ...data, lines: [], counts: { ...data.counts, total: 0 } })[1]).toBe(
      '  no slaves yet',
    );
  });

  it('ActionLog: newest first, the selected action and what is not settled in it', () => {
    const log = [
      actionView({
        id: 2,
        summary: 'bob rebooted 3 slaves',
        kind: 'reboot',
        targets: [{ slave: 'a-1', status: 'failed', error: 'ssh: exit 255' }],
      }),
      actionView({ id: 1, summary: 'jdoe scheduled a 2h downtime on 2 slaves' }),
    ];
    const shown = lines(
      <ActionLog
        log={log}
        cursor={0}
        scroll={0}
        status="ready"
        error={null}
        now={T0}
        height={12}
        width={80}
      />,
    );
    expect(shown.findIndex((l) => l.includes('bob rebooted 3 slaves'))).toBeLessThan(
      shown.findIndex((l) => l.includes('jdoe scheduled')),
    );
    expect(shown.join('\n')).toContain('#2: 1 of 1 not back');
    expect(shown.join('\n')).toContain('a-1: failed: ssh: exit 255');
  });

  it('ActionLog: a long reason is wrapped under its slave, read whole, and scrolled by lines', () => {
    const reason =
      'ipmi: ipmitool exited 1: Error: Unable to establish IPMI v2 / RMCP+ session to the BMC of t-001';
    const log = [
      actionView({
        id: 4,
        summary: 'bob rebooted 2 slaves',
        kind: 'reboot',
        targets: [
          { slave: 't-001', status: 'failed', error: reason },
          { slave: 't-002', status: 'failed', error: 'ssh: exit 255' },
        ],
      }),
    ];
    const draw = (scroll: number, height = 12) =>
      lines(
        <ActionLog
          log={log}
          cursor={0}
          scroll={scroll}
          status="ready"
          error={null}
          now={T0}
          height={height}
          width={50}
        />,
      ).map((l) => l.replace(/^│ ?| ?│$/g, '').trimEnd());
    const shown = draw(0);
    const first = shown.findIndex((l) => l.startsWith('  t-001: failed: ipmi'));
    expect(first).toBeGreaterThan(0);
    // Every word of the reason, on the lines under it, indented past the slave's name.
    const wrapped = shown
      .slice(first, first + 3)
      .join(' ')
      .replace(/\s+/g, ' ');
    expect(wrapped).toContain('session to the BMC of t-001');
    expect(shown[first + 1]).toMatch(/^ {4}\S/);
    expect(shown.slice(first).join('\n')).not.toContain('…');
    expect(shown.join('\n')).toContain('t-002: failed: ssh: exit 255');
    // A pane too short for both: the first whole, then scrolled one target on, the second.
    const short = draw(0, 8);
    expect(short.join('\n')).toContain('BMC of t-001');
    expect(short.join('\n')).toContain('(1-1 of 2 lines · PgUp/PgDn)');
    expect(draw(1, 8).join('\n')).toContain('t-002: failed: ssh: exit 255');
  });
});
