// What is in flight on each slave, said in a few words (`downtime sent jdoe`), from the unfinished actions.
import { isRebootKind, type ActionView } from '../../domain/protocol.js';
import { inFlightWords } from '../action-words.js';

/** Each slave's unsettled target in the newest unfinished action, with its author: `downtime sent jdoe`. */
export function inFlightOf(actions: ReadonlyMap<number, ActionView>): Map<string, string> {
  const out = new Map<string, string>();
  const newestFirst = [...actions.values()].sort((a, b) => b.id - a.id);
  for (const a of newestFirst) {
    // A reboot in flight is in the slave's own state (`reboot ssh 2m`), said better there.
    if (isRebootKind(a.kind)) continue;
    for (const t of a.targets) {
      if (out.has(t.slave)) continue;
      if (t.status === 'pending' || t.status === 'sent') out.set(t.slave, inFlightWords(a, t));
    }
  }
  return out;
}
