// The console's screen: Ink's frame and the table's rows composed into one picture, of which only
// the lines that changed are written, each at its own row. Ink 6 rebuilds its whole frame for any
// change (a cursor move costs what 50 lines do) and its incrementalRendering drifts a line down
// on every frame shorter than the terminal; so Ink draws the rest of the screen (run in debug
// mode: every frame handed over whole) while the table, pre-styled strings already, is drawn here.
import { EventEmitter } from 'node:events';

/** The table's lines, title included, and where it sits (0-based row, read at each write). */
export interface TableRegion {
  top: () => number;
  lines: readonly string[];
}

/** What the screen writes to: a terminal. */
export interface Terminal {
  columns?: number;
  rows?: number;
  write(data: string): boolean;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

// Synchronized output (DEC 2026): a terminal that knows it shows the lines of one flush together;
// others ignore it.
const BEGIN = '\x1b[?2026h';
const END = '\x1b[?2026l';
const HIDE_CURSOR = '\x1b[?25l';
/** Autowrap off (DECAWM): a line wider than the terminal is clipped, never pushed onto the next row. */
export const AUTOWRAP_OFF = '\x1b[?7l';
export const AUTOWRAP_ON = '\x1b[?7h';
const CLEAR = '\x1b[H\x1b[2J';
/** A write of escape sequences only (cli-cursor's show on unmount) is not a frame. */
const ONLY_ESCAPES = new RegExp(`^(?:${'\x1b'}\\[[0-9;?]*[A-Za-z])+$`);

export class Screen {
  /** What Ink writes to: its frames land here, its size and resizes are the terminal's. */
  readonly inkStdout: InkStdout;
  private ink: string[] = [];
  private table: TableRegion | null = null;
  /** The lines on the terminal now; null: unknown (start, resize), everything is drawn again. */
  private shown: string[] | null = null;
  private scheduled = false;
  private closed = false;

  constructor(private readonly out: Terminal) {
    this.inkStdout = new InkStdout(out, (frame) => {
      this.ink = frame.split('\n');
      this.schedule();
    });
    out.on('resize', this.onResize);
  }

  /** The table's lines at their place, or null while the table is not on screen (help). */
  setTable(region: TableRegion | null): void {
    this.table = region;
    this.schedule();
  }

  /** Writes what changed now (the tests and the benchmark call it; otherwise once per turn). */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    const next = this.compose();
    const full = this.shown === null;
    let out = full ? HIDE_CURSOR + AUTOWRAP_OFF + CLEAR : '';
    for (let i = 0; i < next.length; i++) {
      const line = next[i]!;
      if (!full && this.shown![i] === line) continue;
      // Erase first, then write: a line as wide as the terminal leaves the cursor waiting to wrap,
      // and an erase after it would take its last character.
      out += `\x1b[${i + 1};1H\x1b[2K${line}`;
    }
    for (let i = next.length; !full && i < this.shown!.length; i++)
      out += `\x1b[${i + 1};1H\x1b[2K`;
    this.shown = next;
    if (out) this.out.write(BEGIN + out + END);
  }

  /** Draws every line again (Ctrl-L): something else wrote to the terminal, or the operator doubts it. */
  redraw(): void {
    this.shown = null;
    this.schedule();
  }

  /** Stops writing (the console is leaving the screen). */
  close(): void {
    this.closed = true;
    this.out.off('resize', this.onResize);
  }

  private compose(): string[] {
    const lines = [...this.ink];
    const t = this.table;
    if (t) {
      const top = t.top();
      for (let i = 0; i < t.lines.length; i++) lines[top + i] = t.lines[i]!;
      for (let i = 0; i < lines.length; i++) lines[i] ??= '';
    }
    return lines;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After the turn's work: a key's React commit and layout effects land in one write.
    setImmediate(() => this.flush());
  }

  private readonly onResize = () => {
    // The terminal rewrapped or cut what it showed: draw everything again, then let Ink lay out.
    this.shown = null;
    this.inkStdout.emit('resize');
    this.schedule();
  };
}

/** A stdout for Ink: a terminal to its eyes, whose frames go to the screen instead. */
class InkStdout extends EventEmitter {
  readonly isTTY = true;

  constructor(
    private readonly out: Terminal,
    private readonly onFrame: (frame: string) => void,
  ) {
    super();
  }

  get columns(): number {
    return this.out.columns || 100;
  }

  get rows(): number {
    return this.out.rows || 30;
  }

  write(data: string): boolean {
    if (data === '') return true;
    if (ONLY_ESCAPES.test(data)) return this.out.write(data);
    this.onFrame(data);
    return true;
  }
}
