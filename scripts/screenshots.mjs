// npm run screenshots: drives the real console (`corral demo`) in tmux and saves PNGs of what the
// terminal shows, colours included: tmux capture-pane -e -> @xterm/headless -> SVG -> PNG (resvg).
// The action shots need a real Nagios (nagios4-core): a private one in a temp dir, with a collector
// wired to it and the simulator feeding it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
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
    const named = ['Enter', 'Escape', 'Space', 'Down', 'Up', 'Tab', 'Right', 'BSpace'].includes(
      key,
    );
    tmux('send-keys', '-t', 'shots', ...(named ? [key] : ['-l', key]));
    await pause(150);
  }
}

async function until(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
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

function openTerminal(command) {
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
    `env -u CI TERM=xterm-256color ${command}`,
  );
}

async function main() {
  if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('npm run screenshots needs tmux');
  mkdirSync(out, { recursive: true });
  // `--actions-only`: just the shots that need Nagios.
  if (!process.argv.includes('--actions-only')) await demoShots();
  if (existsSync(NAGIOS)) await actionShots();
  else console.log(`skipped the action screenshots: ${NAGIOS} is missing (nagios4-core)`);
}

async function demoShots() {
  // NODE_NO_WARNINGS: the simulator's sleep adds an abort listener a tick, and Node's
  // MaxListenersExceededWarning would land on the screen (reported; src/simulator is not ours).
  openTerminal(`NODE_NO_WARNINGS=1 ${process.execPath} ${corral} demo --slaves 300`);
  try {
    await until((s) => s.includes('● connected') && /ok [1-9]/.test(s), 'the farm');
    await pause(3000);
    await shot('main');

    await press('/');
    for (const ch of 'w7') await press(ch);
    await shot('filter');

    // Three w7 problems marked, then the filter changed to fed: the three are hidden, and counted.
    await press('Enter', '1', 'g', 'Space', 'Space', 'Space');
    await press('/', 'BSpace', 'BSpace');
    for (const ch of 'fed') await press(ch);
    await press('Enter', 'g', 'Space', 'Space');
    await until((s) => s.includes('hidden by filter'), 'the hidden marks');
    await shot('marks');

    // A reboot of the marks: the confirmation, then the slaves rebooting and back.
    await press('r');
    await until((s) => s.includes('Reboot 5 slaves?'), 'the reboot confirmation');
    await shot('reboot-confirm');
    await press('Enter');
    // Every problem, rebooting ones last: the end of the list shows them at work.
    await press('/', 'BSpace', 'BSpace', 'BSpace', 'Enter', 'G');
    await until((s) => /rebooted 5 slaves — .*rebooting/.test(s), 'the reboot under way');
    await shot('reboot-progress');
    await until((s) => s.includes('rebooted 5 slaves — 5 back'), 'the slaves back', 60_000);

    await press('u', '0', 'b', 'g');
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

const NAGIOS = '/usr/sbin/nagios4';
const TOKEN = 'screenshots-operator-token-0123';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function nagiosConfig(dir) {
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || 'root';
  const keys = {
    log_file: 'nagios.log',
    cfg_file: 'objects.cfg',
    object_cache_file: 'objects.cache',
    precached_object_file: 'objects.precache',
    status_file: 'status.dat',
    status_update_interval: 1,
    nagios_user: userInfo().username,
    nagios_group: group,
    check_external_commands: 1,
    command_file: 'nagios.cmd',
    lock_file: 'nagios.lock',
    temp_file: 'nagios.tmp',
    temp_path: 'tmp',
    retain_state_information: 0,
    state_retention_file: 'retention.dat',
    check_result_path: 'checkresults',
    query_socket: 'nagios.qh',
    interval_length: 1,
    enable_notifications: 0,
    use_syslog: 0,
    check_for_updates: 0,
  };
  const names = new Set(['nagios_user', 'nagios_group']);
  return Object.entries(keys)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !names.has(k) ? path.join(dir, v) : v}`)
    .join('\n')
    .concat('\n');
}

/** The form, the confirmation with the exact Nagios lines, the progress and the action log. */
async function actionShots() {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-shots-'));
  const children = [];
  const run = (args) => {
    const child = spawn(process.execPath, [corral, ...args], { stdio: 'ignore', cwd: dir });
    children.push(child);
    return child;
  };
  try {
    for (const d of ['tmp', 'checkresults']) mkdirSync(path.join(dir, d));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { makeFarm, inventoryOf } = await import('../dist/simulator/farm.js');
    const { stringify } = await import('yaml');
    const inventory = path.join(dir, 'inventory.yaml');
    writeFileSync(inventory, stringify({ slaves: inventoryOf(makeFarm(150, 42)) }));
    const config = (extra) =>
      `thresholds: {warning: 6h, critical: 7h}\ninventory: ${inventory}\n${extra}`;
    writeFileSync(path.join(dir, 'gen.yaml'), config(''));
    const objects = execFileSync(
      process.execPath,
      [corral, 'nagios-config', '--config', path.join(dir, 'gen.yaml'), '--collector', url],
      { encoding: 'utf8' },
    );
    writeFileSync(path.join(dir, 'objects.cfg'), objects);
    writeFileSync(path.join(dir, 'nagios.cfg'), nagiosConfig(dir));
    const nagios = spawn(NAGIOS, [path.join(dir, 'nagios.cfg')], { stdio: 'ignore' });
    children.push(nagios);
    for (let i = 0; !existsSync(path.join(dir, 'status.dat')); i++) {
      if (i > 300) throw new Error('Nagios did not start');
      await pause(100);
    }
    writeFileSync(
      path.join(dir, 'corral.yaml'),
      config(
        [
          'tokens:',
          `  - {name: jdoe, role: operator, token: ${TOKEN}}`,
          'nagios:',
          `  command_file: ${path.join(dir, 'nagios.cmd')}`,
          `  status_file: ${path.join(dir, 'status.dat')}`,
          '',
        ].join('\n'),
      ),
    );
    run(
      ['collector', '--listen', `127.0.0.1:${port}`, '--db', path.join(dir, 'corral.db')].concat([
        '--config',
        path.join(dir, 'corral.yaml'),
      ]),
    );
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 150) throw new Error('the collector did not start');
      await pause(200);
    }
    run(['simulate', '--slaves', '150', '--speed', '10', '--collector', url, '--token', TOKEN]);
    openTerminal(`${process.execPath} ${corral} console ${url} --token ${TOKEN}`);

    await until((s) => s.includes('● connected') && /ok [1-9]/.test(s), 'the farm with Nagios');
    await pause(3000);
    // Everything the filter `w7` shows, then one more outside it: one mark hidden.
    await press('/', 'f', 'e', 'd', 'Enter', 'g', 'Space', 'Escape', '/', 'w', '7', 'Enter', 'a');
    await press('d', 'Tab');
    for (const ch of 'bug 1234: w7 image rollout') await press(ch);
    await press('Up', 'Right', 'Right');
    await shot('action-form');
    await press('Enter', 'v');
    await until((s) => s.includes('Nagios command lines'), 'the Nagios lines');
    await shot('confirm');
    await press('y');
    await until((s) => /✓ jdoe scheduled/.test(s), 'the downtime confirmed', 60_000);
    await press('Escape');
    await shot('action-progress');
    // Acknowledge a slave Nagios has no result for (it fails, saying why), then a critical one.
    await press('u', 'g', 'A');
    for (const ch of 'disk swap booked') await press(ch);
    await press('Enter', 'Enter');
    await until((s) => /jdoe acknowledged 1 slave — 1 failed/.test(s), 'the failed ack');
    const { slaves } = await fetch(`${url}/api/v1/slaves?state=critical,dead`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).then((r) => r.json());
    const critical = slaves.find((v) => v.muted === null);
    if (critical) {
      await press('/', ...critical.name, 'Enter', 'A');
      for (const ch of 'bug 1234: disk swap booked') await press(ch);
      await press('Enter', 'Enter');
      await until(
        (s) =>
          /✓ jdoe acknowledged 1 slave — 1 confirmed/.test(s) || s.includes(critical.name + ':'),
        'the second ack',
        60_000,
      );
      await press('Escape');
    }
    await press('L', 'j');
    await until((s) => s.includes('Action log'), 'the action log');
    await shot('action-log');
    await parkShots(dir, url);
    await press('q');
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    for (const c of children.reverse()) c.kill('SIGTERM');
    await pause(1000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Parking the old 0.7 master's pool (the form, then the parked filter) and the hygiene view, with
 * a downtime scheduled in Nagios behind corral's back so it lists one corral did not make.
 */
async function parkShots(dir, url) {
  await press('Escape', '/', ...'snow', 'Enter', 'a', 'p');
  await until((s) => s.includes('Park '), 'the park form');
  for (const ch of 'bm-old07 runs buildbot 0.7: idle on purpose until esr17 ends') await press(ch);
  await press('Tab', ...'releng', 'Tab', 'Right');
  await shot('park-form');
  await press('Enter', 'Enter');
  await until((s) => /✓ jdoe parked \d+ slaves/.test(s), 'the park confirmed', 60_000);
  await press('Escape', 'u', '/', 'Escape', '4', 'g');
  await until((s) => s.includes('[parked]'), 'the parked filter');
  await shot('parked');
  const now = Math.floor(Date.now() / 1000);
  const { slaves } = await fetch(`${url}/api/v1/slaves`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  }).then((r) => r.json());
  const free = slaves.find((v) => v.muted === null && !v.parked && v.inInventory);
  if (free) {
    appendFileSync(
      path.join(dir, 'nagios.cmd'),
      `[${now}] SCHEDULE_SVC_DOWNTIME;${free.name};buildbot-start;${now};${now + 14 * 86400};1;0;0;nagiosadmin;cabling work booked in the CGI\n`,
    );
  }
  await press('0', 'H');
  await until((s) => s.includes('Hygiene:'), 'the hygiene view');
  if (free)
    await until((s) => s.includes('nagiosadmin'), 'the downtime corral did not make', 30_000);
  await shot('hygiene');
  await press('Escape');
}

await main();
