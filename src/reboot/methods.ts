// Reboot methods as the reboot layer uses them: the ordered chain per pool (with a default list),
// checked once when the settings are read. Pure.
import type { RebootChains } from '../domain/protocol.js';
import { argvTemplateProblem } from './placeholders.js';

/** One method of a chain. */
export interface RebootMethod {
  name: string;
  /** argv template with `{placeholders}`; empty only for a `hands` step without a command. */
  argv: string[];
  /** How long the command may run before it is stopped (its process group killed). */
  timeoutMs: number;
  /** How long to wait for the slave's next `start` after the command succeeded. */
  waitMs: number;
  /**
   * The last resort: reaching it marks the slave `needs-hands` at once; its command (a ticket,
   * a page) runs but nobody waits for the slave.
   */
  hands: boolean;
}

export interface RebootSettings {
  /** At most this many commands run at once, over every bulk reboot. */
  concurrency: number;
  /** The default chain. */
  methods: RebootMethod[];
  /** Per-pool chains, replacing the default for slaves of that pool. */
  pools: Record<string, RebootMethod[]>;
}

export const DEFAULT_CONCURRENCY = 16;

/** The chain for a slave of `pool`. */
export function methodsFor(settings: RebootSettings, pool: string | null): RebootMethod[] {
  if (pool !== null && Object.hasOwn(settings.pools, pool)) return settings.pools[pool]!;
  return settings.methods;
}

/** Why a chain is refused (config time); null when it is fine. `where` names it in the message. */
export function chainProblem(methods: readonly RebootMethod[], where: string): string | null {
  const seen = new Set<string>();
  for (const [i, m] of methods.entries()) {
    const at = `${where}[${i}]`;
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(m.name)) {
      return `${at}: method name "${m.name}" must be a short word (letters, digits, "_", "-")`;
    }
    if (seen.has(m.name)) return `${at}: method "${m.name}" appears twice in the chain`;
    seen.add(m.name);
    if (m.hands && i !== methods.length - 1) {
      return `${at}: the hands step "${m.name}" must be the last method (nothing runs after it)`;
    }
    if (!(m.hands && m.argv.length === 0)) {
      const problem = argvTemplateProblem(m.argv);
      if (problem) return `${at}: ${problem}`;
    }
    if (!(m.timeoutMs > 0)) return `${at}: timeout must be more than 0s`;
    if (!m.hands && !(m.waitMs > 0)) return `${at}: wait must be more than 0s`;
  }
  return null;
}

/** The chains by method name, as consoles show them; null when no reboot methods are configured. */
export function rebootChains(settings: RebootSettings): RebootChains | null {
  const pools = Object.entries(settings.pools);
  if (settings.methods.length === 0 && pools.length === 0) return null;
  const names = (chain: readonly RebootMethod[]) => chain.map((m) => m.name);
  return {
    methods: names(settings.methods),
    pools: Object.fromEntries(pools.map(([pool, chain]) => [pool, names(chain)])),
  };
}
