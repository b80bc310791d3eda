// Which downtimes a cancel removes, said as data so that any backend (Nagios here, through its
// relay, Icinga 2) can apply it: every field given must match exactly; none given matches all.

/** What a cancel looks at in a downtime (Nagios's or another monitor's); times epoch ms. */
export interface DowntimeFacts {
  author: string;
  comment: string;
  start: number;
  end: number;
  fixed: boolean;
}

export type DowntimeMatch = Partial<DowntimeFacts>;

/** Whether `d` is one of the downtimes `match` picks (all of them when `match` is undefined). */
export function downtimeMatches(match: DowntimeMatch | undefined, d: DowntimeFacts): boolean {
  if (match === undefined) return true;
  return (
    (match.author === undefined || d.author === match.author) &&
    (match.comment === undefined || d.comment === match.comment) &&
    (match.start === undefined || d.start === match.start) &&
    (match.end === undefined || d.end === match.end) &&
    (match.fixed === undefined || d.fixed === match.fixed)
  );
}
