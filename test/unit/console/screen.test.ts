// The screen writer on a headless xterm: what it writes line by line draws what a full redraw
// draws, a cursor move writes only the two lines that changed, Ctrl-L and a resize draw every line.
import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { Screen } from '../../../src/console/screen.js';

class FakeTerminal extends EventEmitter {
  columns = 40;
  rows = 8;
  writes: string[] = [];
  readonly term = new xterm.Terminal({ cols: 40, rows: 8, allowProposedApi: true });
  write(data: string): boolean {
    this.writes.push(data);
    this.term.write(data);
    return true;
  }
  /** The screen as text, once xterm has parsed every write. */
  async text(): Promise<string[]> {
    await new Promise<void>((r) => this.term.write('', r));
    const b = this.term.buffer.active;
    return Array.from({ length: this.rows }, (_, y) => b.getLine(y)!.translateToString(true));
  }
}

const setup = () => {
  const out = new FakeTerminal();
  const screen = new Screen(out);
  return { out, screen };
};

describe('the screen', () => {
  it('composes Ink’s frame with the table and writes only the lines that changed', async () => {
    const { out, screen } = setup();
    screen.inkStdout.write(['header', 'counts', '', '', '', '', 'footer'].join('\n'));
    const rows = ['NAME', '> a-1', '  a-2', '  a-3'];
    screen.setTable({ top: () => 2, lines: rows });
    screen.flush();
    expect(await out.text()).toEqual([
      'header',
      'counts',
      'NAME',
      '> a-1',
      '  a-2',
      '  a-3',
      'footer',
      '',
    ]);
    out.writes = [];
    screen.setTable({ top: () => 2, lines: ['NAME', '  a-1', '> a-2', '  a-3'] });
    screen.flush();
    // The two rows the cursor left and reached, nothing else.
    expect(out.writes).toHaveLength(1);
    expect(out.writes[0]!.match(new RegExp(`${'\x1b'}\\[\\d+;1H`, 'g'))).toEqual([
      '\x1b[4;1H',
      '\x1b[5;1H',
    ]);
    expect(await out.text()).toEqual([
      'header',
      'counts',
      'NAME',
      '  a-1',
      '> a-2',
      '  a-3',
      'footer',
      '',
    ]);
  });

  it('erases what a shorter line leaves, and the lines a shorter frame no longer has', async () => {
    const { out, screen } = setup();
    screen.inkStdout.write(['a long header line', 'two', 'three'].join('\n'));
    screen.flush();
    screen.inkStdout.write(['short', 'two'].join('\n'));
    screen.flush();
    expect(await out.text()).toEqual(['short', 'two', '', '', '', '', '', '']);
  });

  it('draws every line again on Ctrl-L and on a resize, after something else wrote over them', async () => {
    const { out, screen } = setup();
    screen.inkStdout.write(['header', 'row 1', 'row 2'].join('\n'));
    screen.flush();
    // A stray write (a warning on stderr) garbles the screen.
    out.write('\x1b[2;1Hwarning: something\n');
    expect((await out.text())[1]).toBe('warning: something');
    screen.redraw();
    screen.flush();
    expect(await out.text()).toEqual(['header', 'row 1', 'row 2', '', '', '', '', '']);
    out.write('\x1b[3;1Hgarbage');
    out.emit('resize');
    screen.flush();
    expect(await out.text()).toEqual(['header', 'row 1', 'row 2', '', '', '', '', '']);
  });

  it('passes escape-only writes through (Ink shows the cursor on unmount) and ignores empty ones', () => {
    const { out, screen } = setup();
    screen.inkStdout.write('');
    screen.inkStdout.write('\x1b[?25h');
    expect(out.writes).toEqual(['\x1b[?25h']);
  });

  it('gives Ink the terminal’s size and tells it of a resize', () => {
    const { out, screen } = setup();
    let told = 0;
    screen.inkStdout.on('resize', () => told++);
    out.columns = 100;
    out.emit('resize');
    expect(screen.inkStdout.columns).toBe(100);
    expect(told).toBe(1);
    screen.close();
    out.emit('resize');
    expect(told).toBe(1);
  });
});
