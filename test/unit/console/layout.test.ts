// The table's columns at each terminal width class: widths follow the rows shown, NEXT is never
// cut from 120 columns on, narrow terminals drop columns in order, and no line is wider than the
// terminal. Rows are drawn with rowLine, as the table draws them.
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { rowLine } from '../../../src/console/components/SlaveRow.js';
import { paintFor } from '../../../src/console/components/theme.js';
import { columnNeeds, columnsFor, type Column } from '../../../src/console/layout.js';
import { toRow, type Row } from '../../../src/console/rows.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { HOUR, T0, downtime, view } from './fixtures.js';

// Colour on, as in a terminal: chalk decides when it is first imported.
const previousForceColor = vi.hoisted(() => {
  const previous = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = '1';
  return previous;
});
afterAll(() => {
  if (previousForceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = previousForceColor;
});

const POLICY = {
  ...DEFAULT_POLICY,
  pools: { 'talos-r4-fed': { warningSeconds: 12 * HOUR, criticalSeconds: 14 * HOUR } },
};

const WIDTHS = [80, 100, 120, 160, 200] as const;

/**
 * 20-character names, as a real farm's: a late slave (NEXT `DEAD in 58m`), a critical one both
 * downtimed and acknowledged (`mutes`, t-cli's field), one in a downtime.
 */
function farmRows(extra: SlaveView[] = []): Row[] {
  const ack = { kind: 'acknowledgement', author: 'alice', comment: 'bug 1', sticky: true } as const;
  const both = {
    ...view('talos-r3-snow-000017', {
      ago: 2 * HOUR,
      criticalAgo: 60,
      pool: 'talos-r3-snow',
      master: 'bm11',
      muted: downtime('bob'),
    }),
    mutes: [downtime('bob'), ack],
  };
  const views = [
    view('bld-linux64-ec2-0101', { ago: 600, pool: 'bld-linux64', master: 'bm05' }),
    view('bld-linux64-ec2-0102', { ago: 6 * HOUR + 120, pool: 'bld-linux64', master: 'bm05' }),
    both,
    view('talos-r4-fed-0000042', { ago: 30 * HOUR, pool: 'talos-r4-fed', muted: downtime() }),
    // A pool that may wait 12 hours: `LATE in 11h40m` is the widest NEXT.
    view('talos-r4-fed-0000043', { ago: 20 * 60, pool: 'talos-r4-fed' }),
    ...extra,
  ];
  return views.map((v) => toRow(v, POLICY, T0));
}

const plain = (s: string) => stripVTControlCharacters(s);
const width = (columns: Column[]) => columns.reduce((sum, c) => sum + c.width + 1, -1);
const lineOf = (row: Row, columns: Column[], action: string | null = null) =>
  plain(
    rowLine(
      { row, columns, now: T0, selected: false, marked: false, action, stale: false },
      paintFor(true),
    ),
  );
const columnsAt = (w: number, rows: Row[], inFlight = new Map<string, string>()) =>
  columnsFor(w, 'UTC', columnNeeds(rows, inFlight, T0));

describe.each(WIDTHS)('the table at %i columns', (w) => {
  const rows = farmRows();
  const inFlight = new Map([['bld-linux64-ec2-0101', 'downtime sent jdoe']]);
  const columns = columnsAt(w, rows, inFlight);
  const keys = columns.map((c) => c.key);

  it('is never wider than the terminal, and every row fits', () => {
    expect(width(columns)).toBeLessThanOrEqual(w);
    for (const row of rows) expect(lineOf(row, columns).length).toBeLessThanOrEqual(w);
  });

  it('gives the name what the longest name needs, never cut', () => {
    expect(columns.find((c) => c.key === 'name')!.width).toBe(20);
    for (const row of rows) expect(lineOf(row, columns)).toContain(` ${row.name} `);
  });

  it('keeps NEXT, AGE and the state whole', () => {
    expect(keys).toEqual(expect.arrayContaining(['state', 'name', 'age', 'next']));
    expect(lineOf(rows[1]!, columns)).toContain('DEAD in 58m');
    expect(lineOf(rows[4]!, columns)).toMatch(/LATE in 11h40m\b/);
  });

  it('drops columns in order as the terminal narrows', () => {
    const expected: Record<(typeof WIDTHS)[number], string[]> = {
      80: ['mark', 'state', 'name', 'age', 'next', 'muted'],
      100: ['mark', 'state', 'name', 'pool', 'master', 'age', 'next', 'muted'],
      120: ['mark', 'state', 'name', 'pool', 'master', 'age', 'next', 'muted', 'action'],
      160: [
        'mark',
        'state',
        'name',
        'pool',
        'master',
        'age',
        'started',
        'next',
        'muted',
        'action',
        'message',
      ],
      200: [
        'mark',
        'state',
        'name',
        'pool',
        'master',
        'age',
        'started',
        'next',
        'muted',
        'action',
        'message',
      ],
    };
    expect(keys).toEqual(expected[w]);
  });

  it('shows both mutes and every in-flight author where the columns are shown', () => {
    const line = lineOf(rows[2]!, columns);
    if (keys.includes('muted')) expect(line).toMatch(/DT→11-25 14:00 ACK alice/);
    if (keys.includes('action')) {
      expect(lineOf(rows[0]!, columns, 'downtime sent jdoe')).toContain('downtime sent jdoe');
    }
    if (keys.includes('message')) expect(line).toContain('cannot reach master');
  });
});

describe('column widths follow the data', () => {
  it('squeezes a 45-character name at 120 columns before it cuts NEXT, and keeps both ends of the name', () => {
    const long = 'bld-linux64-ec2-extremely-long-name-000000101';
    const rows = farmRows([view(long, { ago: 6 * HOUR + 60, pool: 'bld-linux64' })]);
    const columns = columnsAt(120, rows);
    expect(width(columns)).toBeLessThanOrEqual(120);
    const line = lineOf(rows.at(-1)!, columns);
    expect(line).toContain('DEAD in 59m');
    expect(line).toMatch(/bld-linux64-ec2-ext.*….*0000101/);
  });

  it('leaves MUTED, ACTION and MESSAGE out when no row shown has any', () => {
    const rows = farmRows().filter((r) => !r.muted && !r.view.lastCritical);
    expect(columnsAt(200, rows).map((c) => c.key)).toEqual([
      'mark',
      'state',
      'name',
      'pool',
      'master',
      'age',
      'started',
      'next',
    ]);
  });

  it('gives the message the room left over at 200 columns, and shortens it with …', () => {
    const rows = farmRows();
    const columns = columnsAt(200, rows);
    expect(width(columns)).toBe(200);
    const message = columns.find((c) => c.key === 'message')!;
    expect(message.width).toBeGreaterThan(40);
    const narrow = columnsAt(160, rows);
    const cut = { ...rows[2]! };
    cut.view = {
      ...cut.view,
      lastCritical: { at: cut.view.lastCritical!.at, message: 'x'.repeat(300) },
    };
    expect(lineOf(cut, narrow).length).toBeLessThanOrEqual(160);
    expect(lineOf(cut, narrow)).toMatch(/x…$/);
  });

  it('shows no message once the slave has started again', () => {
    const rows = farmRows([
      view('recovered-1', { ago: 60, criticalAgo: 120, pool: 'bld-linux64', master: 'bm05' }),
    ]);
    const columns = columnsAt(200, rows);
    expect(lineOf(rows.at(-1)!, columns)).not.toContain('cannot reach master');
  });
});

describe('row colours', () => {
  const ESC = '\x1b';
  it('keeps a muted row’s state colour, dimmed: a muted CRIT is red, a muted OK green', () => {
    const rows = farmRows();
    const columns = columnsAt(160, rows);
    const draw = (row: Row) =>
      rowLine(
        { row, columns, now: T0, selected: false, marked: false, action: null, stale: false },
        paintFor(true),
      );
    const crit = draw(rows[2]!);
    expect(crit.startsWith(`${ESC}[2m`)).toBe(true);
    expect(crit).toContain(`${ESC}[31m✖ CRIT`);
    const okMuted = toRow(view('ok-muted', { ago: 60, muted: downtime() }), DEFAULT_POLICY, T0);
    const ok = draw(okMuted);
    expect(ok.startsWith(`${ESC}[2m`)).toBe(true);
    expect(ok).toContain(`${ESC}[32m✓ OK`);
  });
});
