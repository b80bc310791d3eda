// Each corral action as the Icinga 2 API call that carries it: the action's path and its JSON body,
// objects selected by a fixed filter and `filter_vars` (author and comment are values, never filter
// text). A comment goes as one printable line, as Icinga's own tools show it to terminals. Pure.
import { oneLine } from '../domain/printable.js';
import type { MonitorAction } from '../monitoring/monitor.js';
import type { Selection } from './selection.js';

/** Only downtimes with this author and comment, on the selected services: a fixed filter, values in vars. */
const DOWNTIMES_FILTER =
  'corral_hosts.contains(downtime.host_name) && downtime.service_name == corral_service';

export function actionRequest(
  action: Exclude<MonitorAction, { kind: 'recheck' }>,
  selection: Selection,
): { path: string; body: Record<string, unknown> } {
  const seconds = (ms: number) => Math.floor(ms / 1000);
  switch (action.kind) {
    case 'downtime':
      return {
        path: 'schedule-downtime',
        body: {
          ...selection,
          author: action.author,
          comment: oneLine(action.comment),
          start_time: seconds(action.start),
          end_time: seconds(action.end),
          fixed: action.fixed,
          ...(!action.fixed && { duration: action.durationSeconds ?? 0 }),
        },
      };
    case 'cancel-downtime': {
      if (action.author === undefined && action.comment === undefined) {
        return { path: 'remove-downtime', body: { ...selection } };
      }
      const vars: Record<string, unknown> = { ...selection.filter_vars };
      let filter = DOWNTIMES_FILTER;
      if (action.author !== undefined) {
        filter += ' && downtime.author == corral_author';
        vars.corral_author = action.author;
      }
      if (action.comment !== undefined) {
        filter += ' && downtime.comment == corral_comment';
        vars.corral_comment = oneLine(action.comment);
      }
      return { path: 'remove-downtime', body: { type: 'Downtime', filter, filter_vars: vars } };
    }
    case 'ack':
      return {
        path: 'acknowledge-problem',
        body: {
          ...selection,
          author: action.author,
          comment: action.comment,
          sticky: action.sticky,
        },
      };
    case 'remove-ack':
      return { path: 'remove-acknowledgement', body: { ...selection } };
    case 'force-check':
      return {
        path: 'reschedule-check',
        body: { ...selection, force: true, next_check: seconds(Date.now()) },
      };
  }
}
