import { describe, expect, it } from 'vitest';
import { endpointsFor } from '../../../src/console/endpoints.js';
import { columnsFor } from '../../../src/console/layout.js';
import { rowLine } from '../../../src/console/components/SlaveRow.js';
import { paintFor } from '../../../src/console/components/theme.js';
import { toRow } from '../../../src/console/rows.js';
import { terminalProblem } from '../../../src/console/run.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { HOUR, T0, view } from './fixtures.js';

describe('console endpoints', () => {
  it('accepts ws, http, https and host:port, and finds the stream and the HTTP base', () => {
    expect(endpointsFor('ws://c:8474')).toEqual({
      display: 'ws://c:8474',
      stream: 'ws://c:8474/api/v1/stream',
      http: 'http://c:8474',
    });
    expect(endpointsFor('http://c:8474/')).toEqual(endpointsFor('ws://c:8474'));
    expect(endpointsFor('c:8474').stream).toBe('ws://c:8474/api/v1/stream');
    expect(endpointsFor('ws://c:8474/api/v1/stream').stream).toBe('ws://c:8474/api/v1/stream');
    expect(endpointsFor('https://farm.example/corral')).toEqual({
      display: 'wss://farm.example/corral',
      stream: 'wss://farm.example/corral/api/v1/stream',
      http: 'https://farm.example/corral',
    });
  });

  it('refuses other schemes and garbage in one line', () => {
    expect(() => endpointsFor('ftp://c')).toThrow(
      /must start with ws:\/\/, wss:\/\/, http:\/\/ or https:\/\//,
    );
    expect(() => endpointsFor('http://')).toThrow(/is not a collector address/);
  });
});

describe('console layout', () => {
  const keys = (width: number, withAction = true) =>
    columnsFor(width, 'UTC', withAction).map((c) => c.key);
  const total = (width: number, withAction = true) =>
    columnsFor(width, 'UTC', withAction).reduce((s, c) => s + c.width + 1, 0);

  it('keeps every column on a wide terminal and gives the name the spare room', () => {
    expect(keys(200)).toEqual([
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
    ]);
    expect(columnsFor(200, 'UTC', true).find((c) => c.key === 'name')!.width).toBe(40);
  });

  it('drops columns in order as the terminal narrows, never wider than the terminal', () => {
    // With something in flight, the action outranks the start time at 120 columns.
    expect(keys(120)).toContain('action');
    expect(keys(120)).not.toContain('started');
    expect(keys(100)).not.toContain('action');
    expect(keys(60)).toEqual(['mark', 'state', 'name', 'age', 'next']);
    expect(keys(40)).toEqual(['mark', 'state', 'name', 'age']);
    for (const w of [200, 132, 120, 100, 80, 60, 50]) {
      expect(total(w)).toBeLessThanOrEqual(w + 1);
      expect(total(w, false)).toBeLessThanOrEqual(w + 1);
    }
  });

  it('leaves the action column out while nothing is in flight', () => {
    expect(keys(200, false)).not.toContain('action');
    expect(keys(120, false)).toContain('started');
  });

  it('names the time zone in the start column', () => {
    expect(columnsFor(200, 'CET', false).find((c) => c.key === 'started')!.title).toBe(
      'STARTED CET',
    );
  });
});

describe('console terminal check', () => {
  it('wants a terminal on both sides and points at corral ls otherwise', () => {
    expect(terminalProblem({ isTTY: true }, { isTTY: true })).toBeNull();
    expect(terminalProblem({ isTTY: false }, { isTTY: true })).toMatch(
      /stdin is not one: .*corral ls/,
    );
    expect(terminalProblem({}, {})).toMatch(/stdin and stdout are not one/);
  });
});

describe('console row line', () => {
  const line = (stale: boolean, selected = false) =>
    rowLine(
      {
        row: toRow(view('dead-1', { ago: 8 * HOUR }), DEFAULT_POLICY, T0),
        columns: columnsFor(120, 'UTC', false),
        now: T0,
        selected,
        marked: true,
        action: null,
        stale,
      },
      paintFor(true),
    );

  it('keeps a stale row dim to its end (no bold reset in the middle)', () => {
    const stale = line(true);
    expect(stale.startsWith('\x1b[2m')).toBe(true);
    // SGR 22 ends bold and dim alike: only the row's own closing one may appear.
    expect(stale.split('\x1b[22m')).toHaveLength(2);
    expect(stale).toContain('~8h00m');
  });

  it('draws the cursor bar across the full width, in one inverse span; other rows end at their text', () => {
    const plain = (s: string) => s.replace(new RegExp(`${'\x1b'}\\[[0-9;]*m`, 'g'), '');
    const columns = columnsFor(120, 'UTC', false);
    const width = columns.reduce((sum, c) => sum + c.width, 0) + columns.length - 1;
    const bar = line(false, true);
    expect(plain(bar)).toHaveLength(width);
    expect(bar.startsWith('\x1b[7m')).toBe(true);
    expect(bar.endsWith('\x1b[27m')).toBe(true);
    expect(bar.split('\x1b[27m')).toHaveLength(2);
    expect(plain(line(false))).toBe(plain(bar).trimEnd());
  });
});
