// A slave's reboot status as another collector's reboot chain set it, for this collector's fleet:
// carried whole in a NOTIFY (read and checked here), and caught up from the reboot action's
// stored targets when a NOTIFY was lost (pure).
import { z } from 'zod';
import type { ActionView } from '../domain/protocol.js';
import type { SlaveReboot, SlaveRecord } from '../domain/slave-record.js';
import { SLAVE_NAME_PATTERN } from '../domain/names.js';

const slaveReboot = z.union([
  z.strictObject({
    phase: z.literal('rebooting'),
    method: z.string().max(128),
    since: z.number(),
    by: z.string().max(256),
    actionId: z.number().int(),
  }),
  z.strictObject({
    phase: z.literal('needs-hands'),
    since: z.number(),
    by: z.string().max(256),
    actionId: z.number().int(),
  }),
]);

const rebootNotice = z.strictObject({
  slave: z.string().regex(SLAVE_NAME_PATTERN),
  reboot: slaveReboot.nullable(),
});

export type RebootNotice = z.infer<typeof rebootNotice>;

/** The NOTIFY's payload (well under PostgreSQL's 8,000 bytes). */
export function rebootPayload(slave: string, reboot: SlaveReboot | null): string {
  return JSON.stringify({ slave, reboot });
}

/** The notice a payload carries, or null for anything else (never trusted blindly). */
export function readRebootNotice(payload: string | undefined): RebootNotice | null {
  try {
    const parsed = rebootNotice.safeParse(JSON.parse(payload ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * What a reboot action's stored targets say of its slaves' reboot status, where the fleet says
 * otherwise: a lost NOTIFY caught up. The method and its start are not stored with a target: a
 * slave caught up as rebooting shows the action's time and no method until the next notice.
 */
export function rebootsFromAction(
  action: ActionView,
  record: (slave: string) => SlaveRecord | undefined,
  now: number,
): RebootNotice[] {
  if (action.kind !== 'reboot') return [];
  const notices: RebootNotice[] = [];
  const ours = { by: action.author, actionId: action.id };
  const asked = Date.parse(action.at);
  for (const { slave, status } of action.targets) {
    const known = record(slave);
    if (known === undefined) continue; // not a slave this collector knows
    const before = known.reboot ?? null;
    // A start since the action is the proof it came back, whatever an older save of it says.
    const back = known.lastStart !== null && known.lastStart >= asked;
    if (status === 'rebooting' && before?.phase !== 'rebooting' && !back) {
      notices.push({
        slave,
        reboot: { phase: 'rebooting', method: '', since: asked, ...ours },
      });
    } else if (status === 'needs-hands' && before?.phase !== 'needs-hands') {
      notices.push({ slave, reboot: { phase: 'needs-hands', since: now, ...ours } });
    } else if (
      status !== 'rebooting' &&
      status !== 'needs-hands' &&
      status !== 'pending' &&
      before?.actionId === action.id
    ) {
      notices.push({ slave, reboot: null });
    }
  }
  return notices;
}
