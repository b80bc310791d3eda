// Drives a simulated farm against a collector over real HTTP: its past first, then its beats as they fall due.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { HeartbeatInput } from '../domain/heartbeat.js';
import type { CaFile } from '../net/failure.js';
import { request, RequestError } from '../net/request.js';
import { due, history, inventoryOf, makeFarm, random } from './farm.js';

export interface SimulateOptions {
  /** Collector base URL, http://host:port or https://host:port. */
  url: string;
  token?: string | undefined;
  /** The CA of an https:// collector. */
  ca?: CaFile | undefined;
  slaves: number;
  speed: number;
  seed: number;
  /** Where to write the farm's inventory (YAML) for the collector, silent slaves included. */
  inventoryFile?: string;
  /** Stop after sending the farm's past. */
  historyOnly?: boolean;
  signal?: AbortSignal;
  say: (line: string) => void;
}

export class SimulateError extends Error {
  override name = 'SimulateError';
}

const BATCH = 1000;
const TICK_MS = 250;

export async function simulate(opts: SimulateOptions): Promise<void> {
  const farm = makeFarm(opts.slaves, opts.seed);
  if (opts.inventoryFile)
    writeFileSync(opts.inventoryFile, stringify({ slaves: inventoryOf(farm) }));
  const now = Date.now();
  const past = history(farm, now, opts.speed, opts.seed + 1);
  let sent = 0;
  for (let i = 0; i < past.length; i += BATCH) sent += await send(opts, past.slice(i, i + BATCH));
  if (sent === 0 && past.length > 0) {
    throw new SimulateError(
      `nothing could be sent to ${opts.url}: is the collector running there?`,
    );
  }
  opts.say(`simulate: ${farm.length} slaves, ${sent} past heartbeats sent to ${opts.url}`);
  if (opts.historyOnly) return;

  const rand = random(opts.seed + 2);
  let total = 0;
  let lastReport = Date.now();
  while (!opts.signal?.aborted) {
    await sleep(TICK_MS, opts.signal);
    const beats = due(farm, Date.now(), opts.speed, rand);
    for (let i = 0; i < beats.length; i += BATCH)
      total += await send(opts, beats.slice(i, i + BATCH));
    if (Date.now() - lastReport > 60_000) {
      opts.say(`simulate: ${total} heartbeats sent`);
      lastReport = Date.now();
    }
  }
}

/** One POST; a failure is reported and the beats are lost, as a real slave's would be. */
async function send(opts: SimulateOptions, beats: HeartbeatInput[]): Promise<number> {
  if (beats.length === 0) return 0;
  try {
    const { status, text } = await request(`${opts.url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      token: opts.token,
      body: JSON.stringify(beats),
      signal: AbortSignal.timeout(10_000),
      ca: opts.ca,
    });
    if (status !== 202) {
      opts.say(`simulate: the collector answered ${status}: ${text.slice(0, 200)}`);
      return 0;
    }
    return beats.length;
  } catch (err) {
    const reason = err instanceof RequestError ? err.reason : (err as Error).message;
    opts.say(`simulate: cannot reach ${opts.url}: ${reason}`);
    return 0;
  }
}

/** Resolves after `ms`, or at once on abort; its abort listener goes with it (a tick's must not pile up). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
