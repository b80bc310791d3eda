// A heartbeat as a slave sends it, and the validation every heartbeat passes before it is stored.
import { z } from 'zod';
import { SLAVE_NAME_PATTERN } from './names.js';

export const HEARTBEAT_KINDS = ['start', 'critical'] as const;
export type HeartbeatKind = (typeof HEARTBEAT_KINDS)[number];

/** Masters are named like hosts, optionally with a port (`bm01`, `bm01.build:9010`). */
const MASTER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const MESSAGE_MAX_LENGTH = 1024;

export const heartbeatSchema = z.strictObject({
  slave: z
    .string({ error: 'slave is required: the slave\'s name, e.g. "talos-r3-fed-001"' })
    .regex(SLAVE_NAME_PATTERN, {
      error:
        'slave must be a slave name: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128',
    }),
  kind: z.enum(HEARTBEAT_KINDS, { error: 'kind must be "start" or "critical"' }).default('start'),
  master: z
    .string({ error: 'master must be a string' })
    .regex(MASTER_PATTERN, { error: 'master must be a host name, optionally with :port' })
    .optional(),
  pool: z
    .string({ error: 'pool must be a string' })
    .regex(SLAVE_NAME_PATTERN, { error: 'pool must use letters, digits, ".", "_" and "-"' })
    .optional(),
  message: z
    .string({ error: 'message must be a string' })
    .max(MESSAGE_MAX_LENGTH, { error: `message has at most ${MESSAGE_MAX_LENGTH} characters` })
    .optional(),
  at: z.iso
    .datetime({ offset: true, error: 'at must be an ISO 8601 time, e.g. "2026-11-25T04:30:00Z"' })
    .optional(),
});

export type HeartbeatInput = z.input<typeof heartbeatSchema>;

/** A validated heartbeat, stamped with the time it happened (epoch ms). */
export interface Heartbeat {
  slave: string;
  kind: HeartbeatKind;
  master: string | null;
  pool: string | null;
  message: string | null;
  at: number;
}

export interface InputProblem {
  error: string;
  field: string;
}

/** Renders a zod issue path as the `field` of an error answer: `slave`, `[3].kind`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}
