// A bulk reboot worked out before anything runs: per slave, in the operator's order, either the
// exact argv of each method of its chain or why it is left out. Pure; a dry run shows just this.
import type { RebootMethod } from './methods.js';
import { fillArgv, PlaceholderError, type PlaceholderValues } from './placeholders.js';

/** One slave as the collector knows it when the reboot is asked for. */
export interface RebootTarget {
  values: PlaceholderValues;
  methods: readonly RebootMethod[];
  /**
   * Whose downtime or acknowledgement mutes it (`in alice's downtime until ...`), null when
   * nothing does: a muted slave is rebooted only when the operator says so.
   */
  muted: string | null;
  /** Whose reboot it is already in (`being rebooted by alice (action 42)`), null when none. */
  rebooting: string | null;
}

export interface PlannedStep {
  method: string;
  argv: string[];
  hands: boolean;
}

export type SlavePlan =
  | { slave: string; action: 'reboot'; steps: PlannedStep[] }
  | { slave: string; action: 'skip'; reason: string }
  /** Something about this slave is wrong (a placeholder without value): it fails, alone. */
  | { slave: string; action: 'fail'; reason: string };

export interface PlanOptions {
  /** Reboot muted slaves too (the operator said so explicitly). */
  includeMuted: boolean;
}

export function planReboot(targets: readonly RebootTarget[], options: PlanOptions): SlavePlan[] {
  const seen = new Set<string>();
  return targets.map((t): SlavePlan => {
    const slave = t.values.slave;
    if (seen.has(slave)) return { slave, action: 'skip', reason: 'listed twice' };
    seen.add(slave);
    if (t.rebooting !== null) return { slave, action: 'skip', reason: `already ${t.rebooting}` };
    if (t.muted !== null && !options.includeMuted) {
      return {
        slave,
        action: 'skip',
        reason: `muted in Nagios: ${t.muted} (include muted slaves to reboot it)`,
      };
    }
    if (t.methods.length === 0) {
      return { slave, action: 'fail', reason: 'no reboot methods are configured for its pool' };
    }
    try {
      return { slave, action: 'reboot', steps: stepsOf(t.values, t.methods) };
    } catch (err) {
      if (err instanceof PlaceholderError) return { slave, action: 'fail', reason: err.message };
      throw err;
    }
  });
}

/** Each method's exact argv for this slave; throws a PlaceholderError when a value is missing or unsafe. */
export function stepsOf(
  values: PlaceholderValues,
  methods: readonly RebootMethod[],
): PlannedStep[] {
  return methods.map((m) => ({
    method: m.name,
    argv: m.argv.length === 0 ? [] : fillArgv(m.argv, values),
    hands: m.hands,
  }));
}

/** The dry run as text: one line per command exactly as it would run (JSON keeps each argument). */
export function describePlan(plans: readonly SlavePlan[]): string[] {
  return plans.flatMap((p) => {
    if (p.action === 'skip') return [`${p.slave}: skipped: ${p.reason}`];
    if (p.action === 'fail') return [`${p.slave}: FAILS: ${p.reason}`];
    return p.steps.map((s) =>
      s.argv.length === 0
        ? `${p.slave} ${s.method}: (marks the slave as needing hands)`
        : `${p.slave} ${s.method}: ${JSON.stringify(s.argv)}`,
    );
  });
}
