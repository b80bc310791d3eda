// Which slaves an operator asked to see: a text or /regex/ filter on name, pool and master, and a quick state filter.
import type { SlaveState } from './state.js';
import { PROBLEM_STATES } from './state.js';

/** The fields a filter looks at. */
export interface Filterable {
  name: string;
  pool: string | null;
  master: string | null;
}

export type TextFilter =
  { ok: true; test: (s: Filterable) => boolean } | { ok: false; error: string };

const MATCH_ALL: TextFilter = { ok: true, test: () => true };

/**
 * Compiles what the operator typed: plain text matches case-insensitively anywhere in name,
 * pool or master; text between slashes (`/^talos-r[34]/`, optionally `/.../i`) is a regex.
 */
export function compileFilter(text: string): TextFilter {
  const trimmed = text.trim();
  if (trimmed === '') return MATCH_ALL;
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(trimmed);
  if (regex) {
    const [, source, flags] = regex;
    if (!/^[imsu]*$/.test(flags!)) {
      return { ok: false, error: `unknown regex flag in /${source}/${flags}: use i, m, s or u` };
    }
    let re: RegExp;
    try {
      re = new RegExp(source!, flags);
    } catch (err) {
      return { ok: false, error: `not a regex: ${(err as Error).message}` };
    }
    return { ok: true, test: (s) => fieldsOf(s).some((f) => re.test(f)) };
  }
  const needle = trimmed.toLowerCase();
  return { ok: true, test: (s) => fieldsOf(s).some((f) => f.toLowerCase().includes(needle)) };
}

function fieldsOf(s: Filterable): string[] {
  const out = [s.name];
  if (s.pool !== null) out.push(s.pool);
  if (s.master !== null) out.push(s.master);
  return out;
}

/** The console's quick filters (digit keys) and `corral ls --problems`/`--muted`. */
export const STATE_FILTERS = ['all', 'problems', 'muted'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export function matchesStateFilter(
  filter: StateFilter,
  /** `muted` is a SlaveView's Muting (or null), or a plain boolean. */
  slave: { state: SlaveState; muted: object | boolean | null },
): boolean {
  if (filter === 'problems') return PROBLEM_STATES.has(slave.state);
  if (filter === 'muted') return Boolean(slave.muted);
  return true;
}
