// Nagios's status.dat: a parser from its text to typed services, downtimes and comments, and a reader
// that re-reads the file only when it changed and keeps the last good result over a half-written one.
import { readFile, stat } from 'node:fs/promises';

export interface ServiceStatus {
  host: string;
  service: string;
  /** 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
  state: number;
  output: string;
  perfdata: string;
  /** Epoch ms of the last check result, null before the first. */
  lastCheck: number | null;
  hasBeenChecked: boolean;
  acknowledged: boolean;
  /** 1 normal, 2 sticky (meaningful only while acknowledged). */
  acknowledgementType: number;
  /** How many downtimes are in effect on this service now. */
  downtimeDepth: number;
  activeChecksEnabled: boolean;
  passiveChecksEnabled: boolean;
}

export interface Downtime {
  id: number;
  host: string;
  service: string;
  entryTime: number;
  /** Epoch ms. */
  start: number;
  end: number;
  fixed: boolean;
  durationSeconds: number;
  triggeredBy: number;
  inEffect: boolean;
  author: string;
  comment: string;
}

export interface StatusComment {
  id: number;
  host: string;
  service: string;
  /** 1 user, 2 downtime, 3 flapping, 4 acknowledgement. */
  entryType: number;
  entryTime: number;
  persistent: boolean;
  author: string;
  comment: string;
}

export const COMMENT_ACKNOWLEDGEMENT = 4;

export interface NagiosStatus {
  /** When Nagios wrote the file (epoch ms), from the `info` block. */
  created: number | null;
  /** When this Nagios process started (epoch ms), from `programstatus`: a new one means a restart. */
  programStart: number | null;
  /** Keyed by serviceKey(host, service). */
  services: Map<string, ServiceStatus>;
  downtimes: Downtime[];
  comments: StatusComment[];
}

export function serviceKey(host: string, service: string): string {
  return `${host};${service}`;
}

/** A status.dat text that is not whole (cut while being written or replaced): try again later. */
export class IncompleteStatusError extends Error {
  override name = 'IncompleteStatusError';
}

type Block = { type: string; fields: Map<string, string> };

/** Splits status.dat into its blocks; throws IncompleteStatusError when a block is not closed. */
function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  for (const raw of text.split('\n')) {
    const lineText = raw.trim();
    if (current === null) {
      if (lineText === '' || lineText.startsWith('#')) continue;
      const open = /^([a-z]+)\s*\{$/.exec(lineText);
      if (!open) throw new IncompleteStatusError(`unexpected line outside a block: ${lineText}`);
      current = { type: open[1]!, fields: new Map() };
    } else if (lineText === '}') {
      blocks.push(current);
      current = null;
    } else {
      const eq = raw.indexOf('=');
      if (eq > 0) current.fields.set(raw.slice(0, eq).trim(), raw.slice(eq + 1));
    }
  }
  if (current !== null) throw new IncompleteStatusError(`the ${current.type} block is not closed`);
  return blocks;
}

const num = (b: Block, key: string) => Number(b.fields.get(key) ?? 0) || 0;
const str = (b: Block, key: string) => b.fields.get(key) ?? '';
const flag = (b: Block, key: string) => b.fields.get(key) === '1';
const ms = (b: Block, key: string) => num(b, key) * 1000;

/** Parses a whole status.dat; throws IncompleteStatusError for a cut or foreign file. */
export function parseStatus(text: string): NagiosStatus {
  const blocks = blocksOf(text);
  if (!blocks.some((b) => b.type === 'programstatus')) {
    throw new IncompleteStatusError('no programstatus block: not a whole status.dat');
  }
  const status: NagiosStatus = {
    created: null,
    programStart: null,
    services: new Map(),
    downtimes: [],
    comments: [],
  };
  for (const b of blocks) {
    switch (b.type) {
      case 'info':
        status.created = ms(b, 'created') || null;
        break;
      case 'programstatus':
        status.programStart = ms(b, 'program_start') || null;
        break;
      case 'servicestatus': {
        const s = toService(b);
        status.services.set(serviceKey(s.host, s.service), s);
        break;
      }
      case 'servicedowntime':
        status.downtimes.push(toDowntime(b));
        break;
      case 'servicecomment':
        status.comments.push(toComment(b));
        break;
    }
  }
  return status;
}

function toService(b: Block): ServiceStatus {
  return {
    host: str(b, 'host_name'),
    service: str(b, 'service_description'),
    state: num(b, 'current_state'),
    output: str(b, 'plugin_output'),
    perfdata: str(b, 'performance_data'),
    lastCheck: ms(b, 'last_check') || null,
    hasBeenChecked: flag(b, 'has_been_checked'),
    acknowledged: flag(b, 'problem_has_been_acknowledged'),
    acknowledgementType: num(b, 'acknowledgement_type'),
    downtimeDepth: num(b, 'scheduled_downtime_depth'),
    activeChecksEnabled: flag(b, 'active_checks_enabled'),
    passiveChecksEnabled: flag(b, 'passive_checks_enabled'),
  };
}

function toDowntime(b: Block): Downtime {
  return {
    id: num(b, 'downtime_id'),
    host: str(b, 'host_name'),
    service: str(b, 'service_description'),
    entryTime: ms(b, 'entry_time'),
    start: ms(b, 'start_time'),
    end: ms(b, 'end_time'),
    fixed: flag(b, 'fixed'),
    durationSeconds: num(b, 'duration'),
    triggeredBy: num(b, 'triggered_by'),
    inEffect: flag(b, 'is_in_effect'),
    author: str(b, 'author'),
    comment: str(b, 'comment'),
  };
}

function toComment(b: Block): StatusComment {
  return {
    id: num(b, 'comment_id'),
    host: str(b, 'host_name'),
    service: str(b, 'service_description'),
    entryType: num(b, 'entry_type'),
    entryTime: ms(b, 'entry_time'),
    persistent: flag(b, 'persistent'),
    author: str(b, 'author'),
    comment: str(b, 'comment_data'),
  };
}

/** The downtimes of one service, soonest end first. */
export function downtimesOf(status: NagiosStatus, host: string, service: string): Downtime[] {
  return status.downtimes
    .filter((d) => d.host === host && d.service === service)
    .sort((a, b) => a.end - b.end);
}

/** The acknowledgement of one service with its author and comment, or null when not acknowledged. */
export function acknowledgementOf(
  status: NagiosStatus,
  host: string,
  service: string,
): { author: string; comment: string; sticky: boolean; at: number } | null {
  const s = status.services.get(serviceKey(host, service));
  if (!s?.acknowledged) return null;
  const note = status.comments
    .filter(
      (c) => c.host === host && c.service === service && c.entryType === COMMENT_ACKNOWLEDGEMENT,
    )
    .sort((a, b) => b.entryTime - a.entryTime)[0];
  return {
    author: note?.author ?? '',
    comment: note?.comment ?? '',
    sticky: s.acknowledgementType === 2,
    at: note?.entryTime ?? 0,
  };
}

export interface StatusReadResult {
  status: NagiosStatus;
  /** False when the file had not changed since the last read, or was half-written (last good kept). */
  fresh: boolean;
}

/**
 * Reads status.dat whenever it changed (mtime, size or inode: Nagios replaces it by rename every
 * status_update_interval). A file caught mid-write keeps the last good result; the caller retries.
 */
export class StatusFileReader {
  private signature = '';
  private last: NagiosStatus | null = null;

  constructor(readonly path: string) {}

  /** The latest whole status; null until one was read. Throws only for a missing or unreadable file. */
  async read(): Promise<StatusReadResult | null> {
    const info = await stat(this.path);
    const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (signature === this.signature && this.last) return { status: this.last, fresh: false };
    const text = await readFile(this.path, 'utf8');
    try {
      this.last = parseStatus(text);
      this.signature = signature;
      return { status: this.last, fresh: true };
    } catch (err) {
      if (!(err instanceof IncompleteStatusError)) throw err;
      return this.last ? { status: this.last, fresh: false } : null;
    }
  }
}
