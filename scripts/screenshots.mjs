// npm run screenshots: drives the real console (`corral demo`) in tmux and saves PNGs of what the
// terminal shows, colours included: tmux capture-pane -e -> @xterm/headless -> SVG -> PNG (resvg).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import xterm from '@xterm/headless';

const COLUMNS = 120;
const ROWS = 36;
const here = import.meta.dirname;
const out = path.join(here, '../screenshots');
const corral = path.join(here, '../bin/corral.js');
const socket = `corral-shots-${process.pid}`;
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONTS = ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSans.ttf'].map((f) =>
  path.join(FONT_DIR, f),
);

// A dark theme close to common terminal defaults.
const PALETTE = [
  '#1d1f21',
  '#cc342b',
  '#4ea24e',
  '#d8a521',
  '#3971ed',
  '#a36ac7',
  '#2aa1b3',
  '#c5c8c6',
  '#666666',
  '#f25a4e',
  '#7cc47c',
  '#f5d04e',
  '#6d97f5',
  '#c99ae0',
  '#5cc8d6',
  '#ffffff',
];
const BG = '#16181a';
const FG = '#d4d4d4';
const CELL_W = 9;
const CELL_H = 19;
const PAD = 14;

const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

async function press(...keys) {
  for (const key of keys) {
    const named = ['Enter', 'Escape', 'Space', 'Down', 'Up'].includes(key);
    tmux('send-keys', '-t', 'shots', ...(named ? [key] : ['-l', key]));
    await pause(150);
  }
}

async function until(check, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', 'shots');
    if (check(screen)) return;
    if (Date.now() > deadline) throw new Error(`the console never showed ${what}:\n${screen}`);
    await pause(200);
  }
}

function color256(n) {
  if (n < 16) return PALETTE[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const c = (x) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
}

function cellColors(cell) {
  const rgb = (v) => `#${v.toString(16).padStart(6, '0')}`;
  let fg = cell.isFgDefault()
    ? FG
    : cell.isFgRGB()
      ? rgb(cell.getFgColor())
      : color256(cell.getFgColor());
  let bg = cell.isBgDefault()
    ? null
    : cell.isBgRGB()
      ? rgb(cell.getBgColor())
      : color256(cell.getBgColor());
  // Bold bright colours, as most terminals draw them.
  if (cell.isBold() && cell.isFgPalette() && cell.getFgColor() < 8)
    fg = PALETTE[cell.getFgColor() + 8];
  if (cell.isInverse()) [fg, bg] = [bg ?? BG, fg];
  return { fg, bg };
}

/** Box-drawing cells as strokes, so borders join across cells as they do in a terminal. */
const BOX = {
  '─': ['h'],
  '━': ['h'],
  '│': ['v'],
  '┃': ['v'],
  '╭': ['r', 'd'],
  '┌': ['r', 'd'],
  '╮': ['l', 'd'],
  '┐': ['l', 'd'],
  '╰': ['r', 'u'],
  '└': ['r', 'u'],
  '╯': ['l', 'u'],
  '┘': ['l', 'u'],
};
function boxPath(ch, x, y, stroke) {
  const cx = PAD + x * CELL_W + CELL_W / 2;
  const cy = PAD + y * CELL_H + CELL_H / 2;
  const left = PAD + x * CELL_W;
  const top = PAD + y * CELL_H;
  const seg = {
    h: `M${left} ${cy}H${left + CELL_W}`,
    v: `M${cx} ${top}V${top + CELL_H}`,
    l: `M${left} ${cy}H${cx}`,
    r: `M${cx} ${cy}H${left + CELL_W}`,
    u: `M${cx} ${top}V${cy}`,
    d: `M${cx} ${cy}V${top + CELL_H}`,
  };
  return `<path d="${BOX[ch].map((k) => seg[k]).join('')}" stroke="${stroke}" stroke-width="1.2" fill="none"/>`;
}

const escapeXml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The captured screen (ANSI) as an SVG of terminal cells. */
async function toSvg(ansi) {
  const term = new xterm.Terminal({ cols: COLUMNS, rows: ROWS, allowProposedApi: true });
  await new Promise((r) => term.write(ansi.replace(/\n/g, '\r\n'), r));
  const width = COLUMNS * CELL_W + 2 * PAD;
  const height = ROWS * CELL_H + 2 * PAD;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="100%" height="100%" rx="8" fill="${BG}"/>`,
    `<g font-family="DejaVu Sans Mono" font-size="15">`,
  ];
  const buffer = term.buffer.active;
  for (let y = 0; y < ROWS; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    let run = null;
    const flush = () => {
      if (!run || run.text.trim() === '') return;
      const attrs = [
        `x="${PAD + run.x * CELL_W}"`,
        `y="${PAD + y * CELL_H + 14}"`,
        `fill="${run.fg}"`,
        run.bold ? 'font-weight="bold"' : '',
        run.dim ? 'fill-opacity="0.55"' : '',
        `textLength="${run.cells * CELL_W}"`,
        'lengthAdjust="spacingAndGlyphs"',
      ];
      parts.push(`<text xml:space="preserve" ${attrs.join(' ')}>${escapeXml(run.text)}</text>`);
    };
    for (let x = 0; x < COLUMNS; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      const { fg, bg } = cellColors(cell);
      if (bg) {
        parts.push(
          `<rect x="${PAD + x * CELL_W}" y="${PAD + y * CELL_H}" width="${CELL_W * cell.getWidth()}" height="${CELL_H}" fill="${bg}"/>`,
        );
      }
      const style = {
        fg,
        bold: cell.isBold() === 1 || cell.isBold() === true,
        dim: Boolean(cell.isDim()),
      };
      const ch = cell.getChars() || ' ';
      if (BOX[ch]) {
        flush();
        run = null;
        parts.push(boxPath(ch, x, y, style.dim ? '#777777' : style.fg));
        continue;
      }
      // One glyph a text element for wide or symbol cells keeps every glyph in its cell.
      const plain = /^[\x20-\x7e]$/.test(ch);
      if (
        run &&
        plain &&
        run.plain &&
        run.fg === style.fg &&
        run.bold === style.bold &&
        run.dim === style.dim &&
        run.x + run.cells === x
      ) {
        run.text += ch;
        run.cells += 1;
      } else {
        flush();
        run = { x, text: ch, cells: cell.getWidth(), plain, ...style };
      }
    }
    flush();
  }
  parts.push('</g></svg>');
  term.dispose();
  return parts.join('\n');
}

async function shot(name) {
  await pause(600);
  const ansi = tmux('capture-pane', '-p', '-e', '-N', '-t', 'shots');
  const svg = await toSvg(ansi);
  const png = new Resvg(svg, {
    font: { fontFiles: FONTS, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans Mono' },
  })
    .render()
    .asPng();
  writeFileSync(path.join(out, `${name}.png`), png);
  console.log(`screenshots/${name}.png`);
}

async function main() {
  if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('npm run screenshots needs tmux');
  mkdirSync(out, { recursive: true });
  const command = `env -u CI TERM=xterm-256color ${process.execPath} ${corral} demo --slaves 300`;
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    'shots',
    '-x',
    String(COLUMNS),
    '-y',
    String(ROWS),
    command,
  );
  try {
    await until((s) => s.includes('● connected') && /ok [1-9]/.test(s), 'the farm');
    await pause(3000);
    await shot('main');

    await press('/');
    for (const ch of 'w7') await press(ch);
    await shot('filter');

    await press('Enter', '1', 'g', 'Space', 'Space', 'Space', 'Escape');
    await press('/');
    for (const ch of 'fed') await press(ch);
    await press('Enter', 'Space', 'Space');
    await shot('marks');

    await press('Escape', '0', 'b', 'g');
    await shot('grouped');

    await press(
      'b',
      'b',
      'g',
      'Down',
      'Down',
      'Down',
      'Down',
      'Down',
      'Down',
      'Down',
      'Down',
      'Enter',
    );
    await pause(1000);
    await shot('detail');

    await press('Enter', '?');
    await shot('help');
    await press('q');
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  }
}

await main();
