// The spool on a real temp dir: order, bound, torn lines, locking between concurrent beats.
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSpool, Spool, SPOOL_FILE, SPOOL_LOCK } from '../../../src/agent/spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'corral-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hb = (n: number) => ({
  slave: 'talos-r3-fed-001',
  kind: 'start' as const,
  at: new Date(Date.UTC(2026, 10, 25, 4, n)).toISOString(),
});

describe('Spool', () => {
  it('keeps heartbeats as JSON lines, oldest first, and creates its directory', async () => {
    const spool = new Spool(path.join(dir, 'nested', 'spool'));
    expect((await spool.read()).entries).toEqual([]);
    await spool.append(hb(1));
    await spool.append({
      ...hb(2),
      kind: 'critical',
      message: 'cannot connect to master bm01:9010 for 10m',
    });
    const text = await readFile(spool.file, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    const { entries } = await spool.read();
    expect(entries.map((e) => e.heartbeat.at)).toEqual([hb(1).at, hb(2).at]);
    expect(entries[1]!.heartbeat.message).toBe('cannot connect to master bm01:9010 for 10m');
  });

  it('drops the oldest when full and says how many', async () => {
    const spool = new Spool(dir, 3);
    const dropped: number[] = [];
    for (let i = 1; i <= 5; i++) dropped.push((await spool.append(hb(i))).dropped);
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect((await spool.read()).entries.map((e) => e.heartbeat.at)).toEqual([
      hb(3).at,
      hb(4).at,
      hb(5).at,
    ]);
  });

  it('survives a line torn by a crash: the next heartbeat is not swallowed, the torn line goes', async () => {
    const spool = new Spool(dir);
    await writeFile(
      path.join(dir, SPOOL_FILE),
      `${JSON.stringify(hb(1))}\n{"slave":"talos-r3-fed-001","ki`,
    );
    expect(await spool.read()).toMatchObject({ unreadable: 1 });
    await spool.append(hb(2));
    const after = await spool.read();
    expect(after.unreadable).toBe(0);
    expect(after.entries.map((e) => e.heartbeat.at)).toEqual([hb(1).at, hb(2).at]);
  });

  it('ignores lines that are not heartbeats with a time', () => {
    const text = [
      '{"slave":"a"}',
      '{"slave":"bad name","at":"2026-11-25T04:00:00Z"}',
      'null',
      JSON.stringify(hb(1)),
      '',
    ].join('\n');
    expect(parseSpool(text)).toMatchObject({ unreadable: 3, entries: [{ heartbeat: hb(1) }] });
  });

  it('removes only the lines sent, keeping one appended meanwhile', async () => {
    const spool = new Spool(dir);
    await spool.append(hb(1));
    await spool.append(hb(2));
    const sent = (await spool.read()).entries.map((e) => e.line);
    await spool.append(hb(3));
    expect(await spool.remove(sent)).toBe(true);
    expect((await spool.read()).entries.map((e) => e.heartbeat.at)).toEqual([hb(3).at]);
  });

  it('loses nothing when many beats append at once', async () => {
    const spool = new Spool(dir, 100);
    await Promise.all(Array.from({ length: 40 }, (_, i) => new Spool(dir, 100).append(hb(i))));
    const { entries, unreadable } = await spool.read();
    expect(unreadable).toBe(0);
    expect(entries).toHaveLength(40);
  });

  it('breaks a lock left by a killed process, but not a live one', async () => {
    const spool = new Spool(dir);
    await spool.append(hb(1));
    const lock = path.join(dir, SPOOL_LOCK);
    await mkdir(lock);
    // A fresh lock: removal gives up within about a second rather than hold a start up.
    const started = Date.now();
    expect(await spool.remove([(await spool.read()).entries[0]!.line])).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
    // Appending still works (O_APPEND), so the heartbeat is not lost.
    await spool.append(hb(2));
    expect((await spool.read()).entries).toHaveLength(2);
    // An old lock is stale.
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    expect(await spool.remove([(await spool.read()).entries[0]!.line])).toBe(true);
    expect((await spool.read()).entries.map((e) => e.heartbeat.at)).toEqual([hb(2).at]);
  });

  it('waits for a held lock only until the deadline it is given', async () => {
    const spool = new Spool(dir);
    await spool.append(hb(1));
    await mkdir(path.join(dir, SPOOL_LOCK));
    const line = (await spool.read()).entries[0]!.line;
    let started = performance.now();
    expect(await spool.remove([line], started + 150)).toBe(false);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(400);
    // Past the deadline: one try, then the heartbeat is appended without the lock, at once.
    started = performance.now();
    const r = await spool.update([line], hb(2), started - 1);
    expect(performance.now() - started).toBeLessThan(100);
    expect(r).toMatchObject({ removed: false, withoutLock: true, waiting: 2 });
    expect((await spool.read()).entries.map((e) => e.heartbeat.at)).toEqual([hb(1).at, hb(2).at]);
  });

  it('removes and appends under one lock, in one write', async () => {
    const spool = new Spool(dir, 3);
    for (let i = 1; i <= 3; i++) await spool.append(hb(i));
    const [first] = (await spool.read()).entries;
    const r = await spool.update([first!.line], hb(4), performance.now() + 1000);
    expect(r).toEqual({ removed: true, withoutLock: false, dropped: 0, waiting: 3 });
    expect((await spool.read()).entries.map((e) => e.heartbeat.at)).toEqual([
      hb(2).at,
      hb(3).at,
      hb(4).at,
    ]);
    // Full, nothing removed: the oldest goes.
    expect(await spool.update([], hb(5), performance.now() + 1000)).toMatchObject({
      dropped: 1,
      waiting: 3,
    });
  });
});
