import { describe, expect, it } from 'vitest';
import { endpointsFor } from '../../../src/console/endpoints.js';
import { columnsFor, type ColumnNeeds } from '../../../src/console/layout.js';
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

describe('console terminal check', () => {
  it('wants a terminal on both sides and points at corral ls otherwise', () => {
    expect(terminalProblem({ isTTY: true }, { isTTY: true })).toBeNull();
    expect(terminalProblem({ isTTY: false }, { isTTY: true })).toMatch(
      /stdin is not one: .*corral ls/,
    );
    expect(terminalProblem({}, {})).toMatch(/stdin and stdout are not one/);
  });
});

const NEEDS: ColumnNeeds = { name: 12, pool: 12, master: 4, muted: 0, action: 0, message: false };

describe('console row line', () => {
  const line = (stale: boolean, selected = false) =>
    rowLine(
      {
        row: toRow(view('dead-1', { ago: 8 * HOUR }), DEFAULT_POLICY, T0),
        columns: columnsFor(120, 'UTC', NEEDS),
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
    const columns = columnsFor(120, 'UTC', NEEDS);
    const width = columns.reduce((sum, c) => sum + c.width, 0) + columns.length - 1;
    const bar = line(false, true);
    expect(plain(bar)).toHaveLength(width);
    expect(bar.startsWith('\x1b[7m')).toBe(true);
    expect(bar.endsWith('\x1b[27m')).toBe(true);
    expect(bar.split('\x1b[27m')).toHaveLength(2);
    expect(plain(line(false))).toBe(plain(bar).trimEnd());
  });
});
