// Turns a request body into validated heartbeats, or one problem naming the index and field.
import {
  fieldOf,
  heartbeatSchema,
  type Heartbeat,
  type InputProblem,
} from '../domain/heartbeat.js';
import { formatDuration } from '../domain/duration.js';
import { excerpt } from '../domain/printable.js';
import type { Settings } from './config.js';

export type IngestResult =
  { ok: true; heartbeats: Heartbeat[] } | { ok: false; problem: InputProblem };

type Limits = Settings['limits'];

/** A parsed JSON body: one heartbeat object or a batch (array) of them. */
export function heartbeatsFromBody(body: unknown, limits: Limits, now: number): IngestResult {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (items.length === 0) {
    return problem('an empty batch: send one heartbeat object or a non-empty array', '');
  }
  if (items.length > limits.batch) {
    return problem(
      `a batch has at most ${limits.batch} heartbeats (got ${items.length}): split it`,
      '',
    );
  }
  const heartbeats: Heartbeat[] = [];
  for (let i = 0; i < items.length; i++) {
    const where = batch ? `heartbeat [${i}]: ` : '';
    const prefix: PropertyKey[] = batch ? [i] : [];
    const item = items[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return problem(
        `${where}expected a JSON object like {"slave": "talos-r3-fed-001"}`,
        fieldOf(prefix),
      );
    }
    const parsed = heartbeatSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((k) => `"${excerpt(k)}"`).join(', ')}: a heartbeat has slave, kind, master, pool, message, at`
          : issue.message;
      const path = issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : issue.path;
      return problem(`${where}${message}`, fieldOf([...prefix, ...path]));
    }
    const h = parsed.data;
    let at = now;
    if (h.at !== undefined) {
      at = Date.parse(h.at);
      const tooOld = now - at > limits.atMaxPastSeconds * 1000;
      const tooNew = at - now > limits.atMaxAheadSeconds * 1000;
      if (tooOld || tooNew) {
        return problem(
          `${where}at ${h.at} is ${tooOld ? 'older than' : 'ahead of the collector clock by more than'} ${formatDuration(tooOld ? limits.atMaxPastSeconds : limits.atMaxAheadSeconds)}: ` +
            (tooOld ? 'too old to replay' : "check the slave's clock"),
          fieldOf([...prefix, 'at']),
        );
      }
    }
    heartbeats.push({
      slave: h.slave,
      kind: h.kind,
      master: h.master ?? null,
      pool: h.pool ?? null,
      message: h.message ?? null,
      at,
    });
  }
  return { ok: true, heartbeats };
}

function problem(error: string, field: string): IngestResult {
  return { ok: false, problem: { error, field } };
}
