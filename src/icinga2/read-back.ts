// The queries that read Icinga 2's objects back: every service corral may see (at connect and after
// each reconnect, as Icinga replays no events), or only those an action just touched (Icinga
// 2.13's event stream can lag seconds behind its answers). Selection by `filter_vars` only.
import { type ApiClient, IcingaApiError } from './api-client.js';
import type { Selection } from './selection.js';

export type Attrs = Record<string, unknown>;

export interface ReadBack {
  services: Attrs[];
  downtimes: Attrs[];
  comments: Attrs[];
}

const SERVICE_ATTRS = ['name', 'host_name', 'last_check_result', 'acknowledgement'];
const DOWNTIME_ATTRS = [
  '__name',
  'name',
  'host_name',
  'service_name',
  'legacy_id',
  'author',
  'comment',
  'start_time',
  'end_time',
  'fixed',
  'duration',
  'trigger_time',
  'entry_time',
];
const COMMENT_ATTRS = [
  '__name',
  'name',
  'host_name',
  'service_name',
  'author',
  'text',
  'entry_type',
  'entry_time',
];

/** Fixed filters for a selection's services and what hangs on them; the values are its vars. */
const FILTERS = {
  Service: 'corral_hosts.contains(host.name) && service.name == corral_service',
  Downtime: 'corral_hosts.contains(downtime.host_name) && downtime.service_name == corral_service',
  Comment: 'corral_hosts.contains(comment.host_name) && comment.service_name == corral_service',
} as const;

export async function readBack(
  client: ApiClient,
  timeoutMs: number,
  selection?: Selection,
): Promise<ReadBack> {
  const query = async (type: keyof typeof FILTERS, path: string, attrs: string[]) => {
    const body = selection
      ? { attrs, filter: FILTERS[type], filter_vars: selection.filter_vars }
      : { attrs };
    const a = await client.call(`/v1/objects/${path}`, {
      query: true,
      body,
      permission: `objects/query/${type}`,
      timeoutMs,
    });
    // 404: nothing matched (Icinga 2.13 says "No objects found." for an empty list).
    if (a.status === 404) return [];
    if (a.status !== 200) {
      throw new IcingaApiError(
        'answer',
        `Icinga 2 at ${client.url} answered ${a.status} to the query of its ${path}`,
      );
    }
    const results = (a.body as { results?: Array<{ attrs: Attrs }> } | null)?.results ?? [];
    return results.map((r) => r.attrs);
  };
  const [services, downtimes, comments] = await Promise.all([
    query('Service', 'services', SERVICE_ATTRS),
    query('Downtime', 'downtimes', DOWNTIME_ATTRS),
    query('Comment', 'comments', COMMENT_ATTRS),
  ]);
  return { services, downtimes, comments };
}
