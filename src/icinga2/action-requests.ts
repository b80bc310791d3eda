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
      const only = action.only ?? {};
      const vars: Record<string, unknown> = { ...selection.filter_vars };
      let filter = DOWNTIMES_FILTER;
      // Each limit a field of the downtime against a value in filter_vars, never in the filter text.
      const limit = (field: string, name: string, value: unknown) => {
        filter += ` && downtime.${field} == ${name}`;
        vars[name] = value;
      };
      if (only.author !== undefined) limit('author', 'corral_author', only.author);
      if (only.comment !== undefined) limit('comment', 'corral_comment', oneLine(only.comment));
      if (only.start !== undefined) limit('start_time', 'corral_start', seconds(only.start));
      if (only.end !== undefined) limit('end_time', 'corral_end', seconds(only.end));
      if (only.fixed !== undefined) limit('fixed', 'corral_fixed', only.fixed);
      if (filter === DOWNTIMES_FILTER) return { path: 'remove-downtime', body: { ...selection } };
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
