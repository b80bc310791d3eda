// bench:console: the console with 10,000 slaves: time to apply a snapshot, a tick, a key press to
// the frame on the terminal (and the same for a bare Ink list of the same rows, Ink's defaults),
// frames for 1,000 deltas in one second, and RSS. Not a test: it prints figures. Runs the built
// code in dist/, mounted as run.ts mounts it (the screen, Ink in debug mode) on a stand-in terminal.
import { EventEmitter, once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { Box, Text, render, useInput } from 'ink';
import { createElement as h, memo, useState } from 'react';
import { WebSocketServer } from 'ws';
import { App } from '../dist/console/App.js';
import { connectClient } from '../dist/console/client.js';
import { paintFor } from '../dist/console/components/theme.js';
import { zoneName } from '../dist/console/format.js';
import { columnNeeds, columnsFor } from '../dist/console/layout.js';
import { Screen } from '../dist/console/screen.js';
import { createConsoleStore } from '../dist/console/store.js';
import { tableLines } from '../dist/console/table-lines.js';

const SLAVES = 10_000;
const SIZE = { columns: 120, rows: 50 };
const KEYS = 60;
const HOUR = 3600_000;
const T0 = Date.now();
const iso = (ms) => new Date(ms).toISOString();
const POOLS = ['talos-r3-fed', 'talos-r3-w7', 'talos-r4-snow', 'bld-linux64', 'bld-lion-r5'];

/** A farm with every state: ages spread over 9 hours, some never, some critical, some muted. */
function farm(n, now) {
  return Array.from({ length: n }, (_, i) => {
    const never = i % 97 === 0;
    const start = now - ((i * 7919) % (9 * HOUR));
    return {
      name: `${POOLS[i % POOLS.length]}-${String(i).padStart(5, '0')}`,
      pool: POOLS[i % POOLS.length],
      master: `bm${String(i % 12).padStart(2, '0')}`,
      state: 'ok',
      inInventory: true,
      attributes: {},
      firstSeen: never ? null : iso(start - 86_400_000),
      lastStart: never ? null : iso(start),
      ageSeconds: never ? null : Math.floor((now - start) / 1000),
      lastHeartbeat: never ? null : { at: iso(start), kind: 'start', message: null },
      lastCritical: i % 89 === 0 ? { at: iso(now - 60_000), message: 'cannot reach master' } : null,
      muted:
        i % 53 === 0
          ? { kind: 'acknowledgement', author: 'jdoe', comment: 'bug 123', sticky: true }
          : null,
      reboot: null,
    };
  });
}

const hello = (now) => ({
  type: 'hello',
  protocol: 1,
  serverTime: iso(now),
  thresholds: { default: { warningSeconds: 6 * 3600, criticalSeconds: 7 * 3600 }, pools: {} },
  you: { name: 'bench', role: 'viewer' },
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x) => `${x.toFixed(2)} ms`;
const pause = (t) => new Promise((r) => setTimeout(r, t));

function measureSnapshot(views) {
  const times = [];
  let store;
  for (let i = 0; i < 5; i++) {
    store = createConsoleStore('ws://bench', T0);
    const msgs = [hello(T0), { type: 'snapshot', seq: 1, serverTime: iso(T0), slaves: views }];
    const t = performance.now();
    store.getState().applyMessages(msgs, T0);
    times.push(performance.now() - t);
  }
  return { store, median: median(times) };
}

function measureTick(store) {
  const quiet = [];
  for (let i = 1; i <= 20; i++) {
    const t = performance.now();
    store.getState().tick(T0 + i * 10); // same second or so: no slave changes state
    quiet.push(performance.now() - t);
  }
  // A tick an hour on: thousands of slaves change state, the list is re-sorted.
  const t = performance.now();
  store.getState().tick(T0 + HOUR);
  const busy = performance.now() - t;
  store.getState().tick(T0);
  return { quiet: median(quiet), busy };
}

/** The table's columns as the console lays them out at SIZE. */
function columnsOf(store) {
  const s = store.getState();
  return columnsFor(SIZE.columns, zoneName(), columnNeeds(s.visible, s.inFlight, s.now));
}

/** A terminal as Ink and the screen see one: a TTY of SIZE that counts what is written, and when. */
class StandInTerminal extends EventEmitter {
  isTTY = true;
  columns = SIZE.columns;
  rows = SIZE.rows;
  lastWrite = 0;
  writes = 0;
  bytes = 0;
  write(text) {
    this.lastWrite = performance.now();
    this.writes++;
    this.bytes += text.length;
    return true;
  }
}

/** Keys as Ink reads them from a terminal. */
class StandInKeyboard extends EventEmitter {
  isTTY = true;
  data = null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  press(key) {
    this.data = key;
    this.emit('readable');
  }
}

/** The console as `corral console` mounts it: the screen writes, Ink in debug mode hands it frames. */
function mountConsole(store) {
  const terminal = new StandInTerminal();
  const keyboard = new StandInKeyboard();
  const screen = new Screen(terminal);
  const ink = render(h(App, { store, screen }), {
    stdout: screen.inkStdout,
    stdin: keyboard,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return { terminal, keyboard, unmount: () => (ink.unmount(), screen.close()) };
}

/**
 * The baseline: Ink draws the whole frame on every commit, as it does by default, written at once
 * (debug mode, as ink-testing-library and the earlier figures had it: Ink's default maxFps only
 * delays a frame, it draws the same; on this loaded machine its throttle also lost frames).
 */
function mountBare(lines) {
  const terminal = new StandInTerminal();
  const keyboard = new StandInKeyboard();
  const ink = render(h(BareList, { lines }), {
    stdout: terminal,
    stdin: keyboard,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return { terminal, keyboard, unmount: () => ink.unmount() };
}

/**
 * Presses j KEYS times, spaced out, and times each press to the last write it causes in the same
 * turn of the event loop and the next (the whole frame on the terminal); counts the bytes written.
 */
async function keyToFrame({ terminal, keyboard }) {
  await pause(300);
  const times = [];
  const bytesBefore = terminal.bytes;
  for (let i = 0; i < KEYS; i++) {
    const writes = terminal.writes;
    const t = performance.now();
    keyboard.press(i % 20 === 19 ? 'g' : 'j');
    const waitFrom = performance.now();
    while (terminal.writes === writes) {
      if (performance.now() - waitFrom > 5000) throw new Error(`no frame after key ${i}`);
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setImmediate(r));
    times.push(terminal.lastWrite - t);
    await pause(40);
  }
  return { times, bytesPerKey: (terminal.bytes - bytesBefore) / KEYS };
}
/** The baseline: a bare Ink list of the same visible rows, the cursor moved by j. */
function BareList({ lines }) {
  const [cursor, setCursor] = useState(0);
  useInput((input) => setCursor((c) => (input === 'g' ? 0 : Math.min(c + 1, lines.length - 1))));
  return h(
    Box,
    { flexDirection: 'column' },
    lines.map((line, i) => h(BareRow, { key: i, line, selected: i === cursor })),
  );
}
const BareRow = memo(({ line, selected }) =>
  h(Text, { inverse: selected, wrap: 'truncate' }, line),
);

async function framesForDeltas(views) {
  // A stand-in WebSocket server: the real collector coalesces deltas itself; this sends 1,000
  // deltas in one second so the console's own batching is what is measured.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${server.address().port}/api/v1/stream`;
  const store = createConsoleStore('ws://bench');
  const client = connectClient({ store, url });
  const [ws] = await once(server, 'connection');
  const now = Date.now();
  ws.send(JSON.stringify(hello(now)));
  ws.send(JSON.stringify({ type: 'snapshot', seq: 1, serverTime: iso(now), slaves: views }));
  await client.ready;
  while (store.getState().seq !== 1) await pause(10);
  const mounted = mountConsole(store);
  await pause(300);
  const writesBefore = mounted.terminal.writes;
  let updates = 0;
  const unsubscribe = store.subscribe(() => updates++);
  const started = performance.now();
  for (let i = 0; i < 1000; i++) {
    const v = views[(i * 37) % views.length];
    const at = iso(Date.now());
    const changed = { ...v, lastStart: at, ageSeconds: 0, lastCritical: null };
    ws.send(
      JSON.stringify({
        type: 'delta',
        seq: 2 + i,
        serverTime: at,
        changed: [changed],
        removed: [],
      }),
    );
    // 1,000 in one second: one a millisecond.
    const due = started + i + 1;
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
  }
  while (store.getState().seq !== 1001) await pause(10);
  await pause(200);
  unsubscribe();
  const frames = mounted.terminal.writes - writesBefore;
  mounted.unmount();
  client.close();
  for (const c of server.clients) c.terminate();
  await new Promise((r) => server.close(r));
  return { frames, updates, seconds: (performance.now() - started) / 1000 };
}

/** RSS of a console holding 10,000 slaves: one snapshot applied, the App rendered, after a collection. */
async function measureRss(views) {
  const store = createConsoleStore('ws://bench', T0);
  const msgs = [hello(T0), { type: 'snapshot', seq: 1, serverTime: iso(T0), slaves: views }];
  store.getState().applyMessages(JSON.parse(JSON.stringify(msgs)), T0);
  const app = mountConsole(store);
  await pause(200);
  globalThis.gc?.();
  await pause(50);
  const rss = process.memoryUsage().rss / 1024 / 1024;
  app.unmount();
  return rss;
}

async function main() {
  const views = farm(SLAVES, T0);
  // First, before the timing loops grow the heap.
  const rss = await measureRss(views);
  const snap = measureSnapshot(views);
  const tick = measureTick(snap.store);

  const ours = mountConsole(snap.store);
  const { times: ourTimes, bytesPerKey: ourBytes } = await keyToFrame(ours);
  ours.unmount();
  const tableRows = snap.store.getState().pageSize;
  // The same rows, styled as the console draws them.
  snap.store.getState().moveTo(0);
  const rows = tableLines(
    snap.store.getState(),
    columnsOf(snap.store),
    tableRows,
    paintFor(true),
  ).slice(1);
  const bare = mountBare(rows);
  const { times: bareTimes, bytesPerKey: bareBytes } = await keyToFrame(bare);
  bare.unmount();

  const deltas = await framesForDeltas(views);

  const ratio = median(ourTimes) / median(bareTimes);
  const figures = [
    ['slaves', String(SLAVES)],
    ['apply a snapshot (median of 5)', `${ms(snap.median)}  (target < 200 ms)`],
    ['tick, no state changes', ms(tick.quiet)],
    ['tick an hour on (states change, re-sort)', ms(tick.busy)],
    [
      `key to frame, ${tableRows} rows on screen (median / p95)`,
      `${ms(median(ourTimes))} / ${ms(p95(ourTimes))}`,
    ],
    ['bare Ink list, same rows (median / p95)', `${ms(median(bareTimes))} / ${ms(p95(bareTimes))}`],
    ['key to frame, ours / bare', `${ratio.toFixed(2)}  (target <= 0.5)`],
    ['bytes written a key, ours / bare', `${ourBytes.toFixed(0)} / ${bareBytes.toFixed(0)}`],
    [
      '1,000 deltas in one second',
      `${deltas.frames} frames, ${deltas.updates} store updates over ${deltas.seconds.toFixed(2)} s`,
    ],
    ['RSS with 10,000 slaves on screen', `${rss.toFixed(0)} MB  (target < 200 MB)`],
  ];
  const width = Math.max(...figures.map(([k]) => k.length));
  console.log(`bench:console (node ${process.version}, ${new Date().toISOString()})`);
  for (const [k, v] of figures) console.log(`  ${k.padEnd(width)}  ${v}`);
  process.exit(0);
}

await main();
