// A make-believe build farm (pure): slaves with habits, and the heartbeats those habits produce.
import type { HeartbeatInput } from '../domain/heartbeat.js';
import type { InventoryEntry } from '../domain/inventory.js';

export type Habit = 'cycling' | 'slow' | 'hung' | 'critical' | 'silent';

export interface SimulatedSlave {
  name: string;
  pool: string;
  master: string;
  habit: Habit;
  /** Typical time between buildbot starts, ms (cycling and slow slaves). */
  cycleMs: number;
  /** When its next heartbeat is due (epoch ms); null when it will never send again. */
  nextAt: number | null;
}

const POOLS = [
  { pool: 'talos-r3-fed', prefix: 'talos-r3-fed', masters: ['bm01', 'bm02'] },
  { pool: 'talos-r3-w7', prefix: 't-r3-w764', masters: ['bm03', 'bm04'] },
  { pool: 'bld-linux64', prefix: 'bld-linux64-ec2', masters: ['bm05', 'bm06'] },
  { pool: 'talos-r3-snow', prefix: 'talos-r3-snow', masters: ['bm-old07'] },
] as const;

/** The slow pool's thresholds: its slaves idle for a day or more on purpose. */
export const SLOW_POOL = { name: 'talos-r3-snow', warning: '30h', critical: '36h' } as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** mulberry32: a small seeded generator, so the same seed makes the same farm. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function habitFor(r: number, slowPool: boolean): Habit {
  if (slowPool) return r < 0.1 ? 'hung' : 'slow';
  if (r < 0.06) return 'hung';
  if (r < 0.09) return 'critical';
  if (r < 0.12) return 'silent';
  return 'cycling';
}

/** N slaves across the pools, most cycling, some slow, hung, critical or silent. */
export function makeFarm(count: number, seed = 42): SimulatedSlave[] {
  const rand = random(seed);
  const slaves: SimulatedSlave[] = [];
  const perPool = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    // Every tenth slave is in the slow pool; the rest spread over the others.
    const spec = i % 10 === 9 ? POOLS[3] : POOLS[i % 3]!;
    const n = (perPool.get(spec.pool) ?? 0) + 1;
    perPool.set(spec.pool, n);
    const habit = habitFor(rand(), spec.pool === SLOW_POOL.name);
    slaves.push({
      name: `${spec.prefix}-${String(n).padStart(3, '0')}`,
      pool: spec.pool,
      master: spec.masters[Math.floor(rand() * spec.masters.length)]!,
      habit,
      cycleMs: habit === 'slow' ? (20 + rand() * 60) * HOUR : (20 + rand() * 160) * MINUTE,
      nextAt: null,
    });
  }
  return slaves;
}

/** The farm as inventory file entries (name, pool, master). */
export function inventoryOf(
  farm: readonly SimulatedSlave[],
): Array<Pick<InventoryEntry, 'name' | 'pool' | 'master'>> {
  return farm.map((s) => ({ name: s.name, pool: s.pool, master: s.master }));
}

/**
 * The heartbeats that give the farm a past at `now`: each slave's recent starts (within the
 * collector's 7-day window), so a fresh collector shows ok, late and dead slaves at once.
 * Sets each slave's next due time, `speed` times faster than real.
 */
export function history(
  farm: SimulatedSlave[],
  now: number,
  speed: number,
  seed = 7,
): HeartbeatInput[] {
  const rand = random(seed);
  const out: HeartbeatInput[] = [];
  const start = (s: SimulatedSlave, at: number, extra: Partial<HeartbeatInput> = {}) =>
    out.push({
      slave: s.name,
      pool: s.pool,
      master: s.master,
      at: new Date(at).toISOString(),
      ...extra,
    });
  for (const s of farm) {
    if (s.habit === 'silent') continue;
    // The latest start: hung slaves stopped 4h to 12h ago (some cross 6h and 7h while you watch).
    const sinceLast =
      s.habit === 'hung' ? (4 + rand() * 8) * HOUR : rand() * Math.min(s.cycleMs, 6 * 24 * HOUR);
    const last = now - sinceLast;
    for (let k = 4; k >= 1; k--) {
      const at = last - k * s.cycleMs * (0.8 + rand() * 0.4);
      if (now - at < 6.5 * 24 * HOUR) start(s, at);
    }
    start(s, last);
    if (s.habit === 'critical') {
      start(s, last + rand() * sinceLast, {
        kind: 'critical',
        message: `cannot connect to master ${s.master}:9010 for 10m`,
      });
    }
    s.nextAt =
      s.habit === 'cycling' || s.habit === 'slow' ? now + (s.cycleMs - sinceLast) / speed : null;
    if (s.nextAt !== null && s.nextAt < now) s.nextAt = now + (rand() * s.cycleMs) / speed;
  }
  return out;
}

/** The heartbeats due by `now`, advancing each slave's next due time. */
export function due(
  farm: SimulatedSlave[],
  now: number,
  speed: number,
  rand: () => number,
): HeartbeatInput[] {
  const out: HeartbeatInput[] = [];
  for (const s of farm) {
    if (s.nextAt === null || s.nextAt > now) continue;
    out.push({ slave: s.name, pool: s.pool, master: s.master });
    s.nextAt = now + (s.cycleMs * (0.8 + rand() * 0.4)) / speed;
  }
  return out;
}
