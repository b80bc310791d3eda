// The passive results corral submits to any monitoring system, in one place: a heartbeat, a threshold
// crossed by time alone, and a slave's current state (the words `corral check` answers). Pure.
import type { HeartbeatKind } from '../domain/heartbeat.js';
import type { SlaveView } from '../domain/slave.js';
import type { Thresholds } from '../domain/state.js';
import { freshnessResult, heartbeatResult } from '../nagios/commands.js';
import { pluginResult } from '../nagios/plugin-result.js';
import type { PassiveResult, SlaveRef } from './monitor.js';

/** A start is OK, a slave's own critical report CRITICAL with its message. */
export function heartbeatPassive(
  slave: SlaveRef,
  kind: HeartbeatKind,
  master: string | null,
  message: string | null,
): PassiveResult {
  const r = heartbeatResult(kind, master, message);
  return { slave, state: r.state, output: r.output };
}

/** WARNING or CRITICAL with the slave's age and perfdata, when time alone made it late or dead. */
export function freshnessPassive(
  slave: SlaveRef,
  ageSeconds: number,
  thresholds: Thresholds,
): PassiveResult {
  const r = freshnessResult(ageSeconds, thresholds);
  return { slave, state: r.state, output: r.output };
}

/** The slave's state as the collector sees it now, with its true age: what `corral check` says. */
export function currentPassive(view: SlaveView): PassiveResult {
  const r = pluginResult(view);
  return {
    slave: { name: view.name, attributes: view.attributes },
    state: r.code,
    output: r.perfdata === undefined ? { text: r.text } : { text: r.text, perfdata: r.perfdata },
  };
}
