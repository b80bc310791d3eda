// The inventory file: slaves that should exist (YAML, or one name per line), reloaded when it changes.
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  watch,
  type FSWatcher,
} from 'node:fs';
import path from 'node:path';
import type { InventoryEntry } from '../domain/inventory.js';
import { slaveNameProblem } from '../domain/names.js';
import { accessProblem } from '../nagios/file-access.js';
import { readBoundedYaml } from './bounded-yaml.js';

export class InventoryError extends Error {
  override name = 'InventoryError';
}

/**
 * Reads and validates an inventory file no larger than `maxBytes` (checked before reading, so a
 * huge file costs nothing); throws InventoryError naming the file and the line or entry.
 */
export function loadInventory(file: string, maxBytes: number): InventoryEntry[] {
  const text = readWithin(file, maxBytes);
  return /\.ya?ml$/i.test(file) ? parseYamlInventory(text, file) : parseListInventory(text, file);
}

function readWithin(file: string, maxBytes: number): string {
  let fd: number;
  try {
    // Non-blocking: a FIFO named by mistake is refused below instead of hanging the reader.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InventoryError(
      accessProblem(file, 'read') ?? `${file}: cannot read the inventory (${code})`,
    );
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new InventoryError(`${file}: the inventory is not a regular file`);
    if (stats.size > maxBytes) throw tooLarge(file, stats.size, maxBytes);
    const bytes = readFileSync(fd);
    // It may have grown between the check and the read.
    if (bytes.length > maxBytes) throw tooLarge(file, bytes.length, maxBytes);
    return bytes.toString('utf8');
  } catch (err) {
    if (err instanceof InventoryError) throw err;
    throw new InventoryError(
      `${file}: cannot read the inventory (${(err as NodeJS.ErrnoException).code})`,
    );
  } finally {
    closeSync(fd);
  }
}

function tooLarge(file: string, size: number, maxBytes: number): InventoryError {
  return new InventoryError(
    `${file}: the inventory is ${size} bytes, over limits.inventory_bytes (${maxBytes}): raise the limit in corral.yaml or trim the file`,
  );
}

/** One slave name per line; `#` starts a comment. */
export function parseListInventory(text: string, file: string): InventoryEntry[] {
  const entries: InventoryEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const name = line.replace(/#.*/, '').trim();
    if (name === '') return;
    const problem = slaveNameProblem(name);
    if (problem) throw new InventoryError(`${file}:${i + 1}: ${problem}`);
    entries.push({ name, pool: null, master: null, attributes: {} });
  });
  return unique(entries, file);
}

/** An entry is a few levels deep; aliases may fill a field of every slave, not multiply them. */
const INVENTORY_YAML_BOUNDS = { maxDepth: 32, maxAliasNodes: 1_000_000 };

/**
 * YAML: a list (or `slaves:` holding a list) of names or of objects with `name`, optional
 * `pool` and `master`, and any other scalar attributes (mgmt_host, pdu, outlet, ...).
 */
export function parseYamlInventory(text: string, file: string): InventoryEntry[] {
  const read = readBoundedYaml(text, INVENTORY_YAML_BOUNDS);
  if (!read.ok) throw new InventoryError(`${file}: ${read.problem}`);
  const doc = read.value;
  if (doc === null || doc === undefined) return [];
  const list = Array.isArray(doc) ? doc : (doc as { slaves?: unknown }).slaves;
  if (!Array.isArray(list)) {
    throw new InventoryError(`${file}: expected a list of slaves, or "slaves:" holding one`);
  }
  return unique(
    list.map((item, i) => entryFrom(item, `${file}: slave [${i}]`)),
    file,
  );
}

function entryFrom(item: unknown, where: string): InventoryEntry {
  if (typeof item === 'string') {
    const problem = slaveNameProblem(item);
    if (problem) throw new InventoryError(`${where}: ${problem}`);
    return { name: item, pool: null, master: null, attributes: {} };
  }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new InventoryError(`${where}: expected a name or an object with "name"`);
  }
  const { name, pool, master, ...rest } = item as Record<string, unknown>;
  const problem = slaveNameProblem(name);
  if (problem) throw new InventoryError(`${where}: name: ${problem}`);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new InventoryError(
        `${where}: ${key}: attributes must be plain values (text or numbers)`,
      );
    }
    attributes[key] = String(value);
  }
  return {
    name: name as string,
    pool: optionalText(pool, `${where}: pool`),
    master: optionalText(master, `${where}: master`),
    attributes,
  };
}

function optionalText(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InventoryError(`${where}: expected text`);
  }
  return value;
}

function unique(entries: InventoryEntry[], file: string): InventoryEntry[] {
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new InventoryError(`${file}: ${e.name} is listed twice`);
    seen.add(e.name);
  }
  return entries;
}

/** Entries from several sources, the first source winning on a name (the inventory file over Nagios). */
export function mergeInventories(
  ...sources: ReadonlyArray<readonly InventoryEntry[]>
): InventoryEntry[] {
  const byName = new Map<string, InventoryEntry>();
  for (const source of sources) {
    for (const entry of source) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  }
  return [...byName.values()];
}

/**
 * Calls `onChange` when the file is written or replaced. Editors save by rename, so the
 * directory is watched, not the file; bursts of events are debounced. A watch that cannot be set
 * up (no such directory, the inotify limit) or that fails later is told once to `onProblem`.
 */
export function watchInventory(
  file: string,
  onChange: () => void,
  onProblem: (reason: string) => void,
  debounceMs = 200,
): () => void {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, (_event, name) => {
      if (name !== null && name !== base) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  } catch (err) {
    onProblem(watchProblem(dir, err as NodeJS.ErrnoException));
    return () => {};
  }
  watcher.once('error', (err: NodeJS.ErrnoException) => {
    onProblem(watchProblem(dir, err));
    watcher.close();
  });
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

function watchProblem(dir: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOSPC') {
    return `cannot watch ${dir}: the system's inotify watches are used up (raise fs.inotify.max_user_watches)`;
  }
  if (err.code === 'ENOENT') return `cannot watch ${dir}: no such directory`;
  return `cannot watch ${dir}: ${err.code ?? err.message}`;
}
