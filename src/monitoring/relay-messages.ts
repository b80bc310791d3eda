// What a collector and the Nagios relay say to each other over the relay's WebSocket
// (/api/v1/relay): requests named in corral's words (targets, results, actions; never command
// lines), the answers per target, and status.dat's contents. Each side checks what it receives.
import { z } from 'zod';
import { serviceKey, type NagiosStatus, type ServiceStatus } from '../nagios/status-file.js';

export const RELAY_PROTOCOL = 1;
export const RELAY_PATH = '/api/v1/relay';

/** A Nagios service; the relay checks both names again before building a line. */
const target = z.strictObject({ host: z.string().max(300), service: z.string().max(300) });
export type RelayTarget = z.output<typeof target>;

const result = z.strictObject({
  target,
  state: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  output: z.strictObject({
    text: z.string().max(64 * 1024),
    perfdata: z.string().max(1024).optional(),
  }),
});
export type RelayResult = z.output<typeof result>;

const text = z.string().max(64 * 1024);
const action = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('downtime'),
    start: z.number(),
    end: z.number(),
    fixed: z.boolean(),
    durationSeconds: z.number().optional(),
    author: text,
    comment: text,
  }),
  z.strictObject({
    kind: z.literal('cancel-downtime'),
    only: z
      .strictObject({
        author: text.optional(),
        comment: text.optional(),
        start: z.number().optional(),
        end: z.number().optional(),
        fixed: z.boolean().optional(),
      })
      .optional(),
  }),
  z.strictObject({ kind: z.literal('ack'), author: text, comment: text, sticky: z.boolean() }),
  z.strictObject({ kind: z.literal('remove-ack') }),
  z.strictObject({ kind: z.literal('force-check') }),
  /** One result per target, in the targets' order. */
  z.strictObject({ kind: z.literal('recheck'), results: z.array(result) }),
]);
export type RelayAction = z.output<typeof action>;

const id = z.int().min(0);

/** Collector to relay. */
export const requestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('submit'), id, results: z.array(result) }),
  z.strictObject({
    type: z.literal('act'),
    id,
    action,
    targets: z.array(target),
    /** Answer with the lines it would write, writing nothing. */
    preview: z.boolean(),
  }),
]);
export type RelayRequest = z.output<typeof requestSchema>;

const answer = z.union([
  z.strictObject({ outcome: z.enum(['done', 'sent']) }),
  z.strictObject({ outcome: z.enum(['refused', 'unsent']), reason: z.string() }),
]);
export type RelayAnswer = z.output<typeof answer>;

const health = z.strictObject({
  problem: z.string().nullable(),
  since: z.string().nullable(),
  /** Nagios reads its command file (results sent now reach it). */
  delivering: z.boolean(),
});
export type RelayHealth = z.output<typeof health>;

const ms = z.number().nullable();
const service = z.strictObject({
  host: z.string(),
  service: z.string(),
  state: z.number(),
  output: z.string(),
  perfdata: z.string(),
  lastCheck: ms,
  hasBeenChecked: z.boolean(),
  acknowledged: z.boolean(),
  acknowledgementType: z.number(),
  downtimeDepth: z.number(),
  activeChecksEnabled: z.boolean(),
  passiveChecksEnabled: z.boolean(),
});
const downtime = z.strictObject({
  id: z.number(),
  host: z.string(),
  service: z.string(),
  entryTime: z.number(),
  start: z.number(),
  end: z.number(),
  fixed: z.boolean(),
  durationSeconds: z.number(),
  triggeredBy: z.number(),
  inEffect: z.boolean(),
  author: z.string(),
  comment: z.string(),
});
const comment = z.strictObject({
  id: z.number(),
  host: z.string(),
  service: z.string(),
  entryType: z.number(),
  entryTime: z.number(),
  persistent: z.boolean(),
  author: z.string(),
  comment: z.string(),
});
const status = z.strictObject({
  created: ms,
  programStart: ms,
  services: z.array(service),
  downtimes: z.array(downtime),
  comments: z.array(comment),
});
export type RelayStatus = z.output<typeof status>;

/** Relay to collector. */
export const relayMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('relay-hello'),
    protocol: z.literal(RELAY_PROTOCOL),
    /** The relay reads status.dat, so actions can be confirmed. */
    confirms: z.boolean(),
    health,
  }),
  z.strictObject({ type: z.literal('health'), health }),
  /** Each target's (or result's) answer, in the request's order; a preview's lines. */
  z.strictObject({
    type: z.literal('answers'),
    id,
    answers: z.array(answer),
    lines: z.array(z.string()),
  }),
  z.strictObject({ type: z.literal('status'), status }),
  z.strictObject({ type: z.literal('back'), why: z.string().max(1024) }),
]);
export type RelayMessage = z.output<typeof relayMessageSchema>;

/** status.dat as parsed, made JSON (its services map as a list). */
export function statusToWire(s: NagiosStatus): RelayStatus {
  return {
    created: s.created,
    programStart: s.programStart,
    services: [...s.services.values()],
    downtimes: s.downtimes,
    comments: s.comments,
  };
}

export function statusFromWire(w: RelayStatus): NagiosStatus {
  const services = new Map<string, ServiceStatus>();
  for (const s of w.services) services.set(serviceKey(s.host, s.service), s);
  return {
    created: w.created,
    programStart: w.programStart,
    services,
    downtimes: w.downtimes,
    comments: w.comments,
  };
}

/** The first problem of a message that does not fit its schema, as one line. */
export function problemOf(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.map(String).join('.') || '(message)'}: ${issue.message}`;
}
