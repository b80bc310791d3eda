// The detail pane drawn from props alone: the cycle as a sparkline, the Nagios state said once,
// long actions and status lines wrapped at each width instead of cut, and colour optional.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ColorContext } from '../../../src/console/components/theme.js';
import {
  DetailView,
  cycleSummary,
  nagiosLine,
} from '../../../src/console/components/DetailPane.js';
import { toRow } from '../../../src/console/rows.js';
import type { DetailState } from '../../../src/console/store.js';
import type { NagiosView, SlaveDetail } from '../../../src/domain/slave.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { HOUR, T0, actionView, downtime, view } from './fixtures.js';

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
const COLOUR = new RegExp(`\x1b\\[(3[0-7]|9[0-7])m`);

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const at = (h: number) => new Date(T0 - h * 3600_000).toISOString();
const base = view('bld-linux64-ec2-101', {
  ago: 10 * HOUR,
  muted: downtime(
    'alice',
    'moving the rack to the new room; hands booked with the datacentre for Tuesday morning',
  ),
});
const nagios: NagiosView = {
  host: 'bld-linux64-ec2-101',
  service: 'buildbot-start',
  state: 'CRITICAL',
  output: 'CRITICAL - no buildbot start for 10h00m',
  lastCheck: at(0),
  downtimes: [],
  acknowledgement: null,
  comments: [],
};
const LONG_SUMMARY =
  'alice scheduled a 30d downtime on 199 slaves of bm05 (talos-r3-snow, talos-r3-fed, bld-linux64-ec2) until 12-25 03:10 UTC: master bm05 is being rebuilt after the disk failure';
const LONG_MESSAGE =
  'cannot connect to master bm05:9010 after 3 attempts (connection refused); the slave will retry every 60 s and reboot after 20 minutes';

function detailOf(over: Partial<SlaveDetail> = {}): DetailState {
  return {
    name: base.name,
    status: 'ready',
    error: null,
    data: {
      ...base,
      starts: [
        { at: at(10), intervalSeconds: 6 * 3600 },
        { at: at(16), intervalSeconds: 72 * 3600 },
        { at: at(88), intervalSeconds: 5 * 3600 },
        { at: at(93), intervalSeconds: 6 * 3600 },
        { at: at(99), intervalSeconds: null },
      ],
      messages: [{ at: at(11), kind: 'critical', message: LONG_MESSAGE }],
      actions: [
        actionView({
          id: 9,
          author: 'alice',
          summary: LONG_SUMMARY,
          targets: [{ slave: base.name, status: 'confirmed', error: null }],
        }),
      ],
      nagios,
      ...over,
    },
  };
}

function draw(width: number, color = true, detail = detailOf(), height = 16) {
  const r = render(
    <ColorContext.Provider value={color}>
      <DetailView
        row={toRow(base, DEFAULT_POLICY, T0)}
        detail={detail}
        now={T0}
        inFlight={null}
        height={height}
        width={width}
        zone="UTC"
      />
    </ColorContext.Provider>,
  );
  cleanup.push(() => r.unmount());
  const frame = r.lastFrame() ?? '';
  const lines = stripVTControlCharacters(frame).split('\n');
  return { frame, lines, text: lines.map((l) => l.trim()).join(' ') };
}

/** The text with runs of spaces made one, to find wrapped text again. */
const squeeze = (s: string) => s.replace(/\s+/g, ' ');

describe('the detail pane', () => {
  it('says the Nagios state once, though the plugin output starts with it', () => {
    expect(nagiosLine(nagios, 'UTC')).toMatch(
      /^Nagios: CRITICAL no buildbot start for 10h00m \(checked /,
    );
    expect(
      nagiosLine({ ...nagios, state: 'OK', output: 'OK - buildbot started 2m ago' }, 'UTC'),
    ).toMatch(/^Nagios: OK buildbot started 2m ago \(/);
    // Output that does not open with the state (an older corral, another plugin) is kept whole.
    expect(nagiosLine({ ...nagios, state: 'OK', output: 'OKAY then' }, 'UTC')).toMatch(
      /^Nagios: OK OKAY then/,
    );
    expect(nagiosLine({ ...nagios, state: 'WARNING', output: 'WARNING: late' }, 'UTC')).toMatch(
      /^Nagios: WARNING late/,
    );
  });

  it('draws the intervals oldest first as a sparkline beside the numbers, an outlier off the scale', () => {
    const summary = cycleSummary(detailOf().data!.starts);
    expect(summary).toBe(
      'cycle █▇↑█  median 6h00m, shortest 5h00m, longest 3d0h over 4 intervals (↑: over 3 medians)',
    );
    expect(cycleSummary([{ at: at(1), intervalSeconds: null }])).toBe(
      'cycle: not enough starts to tell',
    );
    // A gap in the middle of the history shows as a dot.
    expect(
      cycleSummary([
        { at: at(1), intervalSeconds: 3600 },
        { at: at(2), intervalSeconds: null },
        { at: at(3), intervalSeconds: 3600 },
        { at: at(4), intervalSeconds: null },
      ]),
    ).toMatch(/^cycle █·█ {2}median 1h00m/);
  });

  // At 80 columns the same text needs a few more lines.
  for (const [width, height] of [
    [80, 19],
    [120, 16],
    [160, 16],
  ] as const) {
    it(`at ${width} columns wraps the recent action, the message and the muted comment whole`, () => {
      const { lines, text } = draw(width, true, detailOf(), height);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
      // Only the slave's own line (fixed fields, most telling first) may be cut.
      expect(lines.slice(2).some((l) => l.includes('…'))).toBe(false);
      const flat = squeeze(text);
      // The messages and actions column starts after the starts column.
      const titles = lines.findIndex((l) => l.startsWith('starts (UTC)'));
      const right = squeeze(
        lines
          .slice(titles)
          .map((l) => l.slice(26).trim())
          .join(' '),
      );
      expect(right).toContain(squeeze(LONG_SUMMARY));
      expect(right).toContain(squeeze(LONG_MESSAGE));
      expect(flat).toContain('hands booked with the datacentre for Tuesday morning');
      expect(flat).toContain('cycle █▇↑█');
      expect(flat).not.toContain('CRITICAL CRITICAL');
      expect(lines).toHaveLength(height);
    });
  }

  it('draws the sparkline and the marks with NO_COLOR, with no colour codes', () => {
    // Bold and dim are not colour; foreground colours are SGR 30-37 and 90-97.
    expect(draw(120, true).frame).toMatch(COLOUR);
    const { frame, text } = draw(120, false);
    expect(text).toContain('cycle █▇↑█');
    expect(text).toContain('✖ DEAD');
    expect(frame).not.toMatch(COLOUR);
  });

  it('keeps to its height when there is more than fits, cutting the oldest entries whole', () => {
    const many = detailOf({
      actions: Array.from({ length: 12 }, (_, i) =>
        actionView({ id: 20 - i, author: 'bob', summary: `${LONG_SUMMARY} #${i}` }),
      ),
    });
    const { lines, text } = draw(120, true, many);
    expect(lines).toHaveLength(16);
    expect(text).toContain('#0');
    expect(text).not.toContain('#11');
  });
});
