// What Icinga 2 shows of corral's services, kept from a full query (at connect and after every
// reconnect: Icinga replays no events) and then moved by each event: state, output, downtimes,
// acknowledgement, operators' comments. Read as a slave's muting, its mutes and its detail. Pure.
import type { Muting } from '../domain/slave.js';

export interface DowntimeFacts {
  /** Icinga's name, `host!service!uuid`. */
  name: string;
  legacyId: number;
  author: string;
  comment: string;
  /** epoch ms */
  start: number;
  end: number;
  fixed: boolean;
  durationSeconds: number;
  /** epoch ms; 0 until it was triggered (a fixed one at its start). */
  triggerTime: number;
  entryTime: number;
}

export interface CommentFacts {
  name: string;
  author: string;
  text: string;
  /** 1 an operator's comment, 4 an acknowledgement's. */
  entryType: number;
  entryTime: number;
}

export interface ServiceFacts {
  host: string;
  service: string;
  /** 0-3; null until Icinga has a result. */
  state: number | null;
  output: string;
  /** epoch ms */
  lastCheck: number | null;
  /** 0 none, 1 normal, 2 sticky */
  acknowledgement: number;
  downtimes: Map<string, DowntimeFacts>;
  comments: Map<string, CommentFacts>;
}

type Json = Record<string, unknown>;

export interface QueryResults {
  services: readonly Json[];
  downtimes: readonly Json[];
  comments: readonly Json[];
}

const COMMENT_USER = 1;
const COMMENT_ACK = 4;
const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const ms = (seconds: unknown): number => Math.round(num(seconds) * 1000);

export class Picture {
  private services = new Map<string, ServiceFacts>();

  get size(): number {
    return this.services.size;
  }

  get(host: string, service: string): ServiceFacts | undefined {
    return this.services.get(`${host}!${service}`);
  }

  /** Replaces everything with a full query's results (each the `attrs` of one object). */
  load(all: QueryResults): void {
    this.services = new Map();
    this.replace([], all);
  }

  /** Replaces these services (`host!service`) and the rest of a query's results with what it found. */
  replace(keys: Iterable<string>, found: QueryResults): void {
    for (const key of keys) this.services.delete(key);
    for (const a of found.services) {
      const host = text(a.host_name);
      const service = text(a.name);
      this.services.set(`${host}!${service}`, {
        host,
        service,
        ...checkFacts(a.last_check_result),
        acknowledgement: num(a.acknowledgement),
        downtimes: new Map(),
        comments: new Map(),
      });
    }
    for (const d of found.downtimes) this.addDowntime(d);
    for (const c of found.comments) this.addComment(c);
  }

  /** One event from /v1/events; true when it changed what corral shows. */
  apply(event: Json): boolean {
    const s = this.get(text(event.host), text(event.service));
    switch (event.type) {
      case 'CheckResult':
      case 'StateChange':
        if (!s) return false;
        {
          // Events may lag behind a read-back: an older result never replaces a newer one.
          const facts = checkFacts(event.check_result);
          if (s.lastCheck !== null && (facts.lastCheck ?? 0) < s.lastCheck) return false;
          Object.assign(s, facts);
        }
        s.acknowledgement = 0;
        return true;
      case 'AcknowledgementSet':
        if (!s) return false;
        s.acknowledgement = num(event.acknowledgement_type) || 1;
        return true;
      case 'AcknowledgementCleared':
        if (!s) return false;
        s.acknowledgement = 0;
        return true;
      case 'DowntimeAdded':
      case 'DowntimeStarted':
      case 'DowntimeTriggered':
        return this.addDowntime(event.downtime as Json);
      case 'DowntimeRemoved':
        return this.removeDowntime(event.downtime as Json);
      case 'CommentAdded':
        return this.addComment(event.comment as Json);
      case 'CommentRemoved': {
        const c = (event.comment ?? {}) as Json;
        return (
          this.get(text(c.host_name), text(c.service_name))?.comments.delete(commentName(c)) ??
          false
        );
      }
      default:
        return false;
    }
  }

  private addDowntime(d: Json | undefined): boolean {
    if (!d) return false;
    const s = this.get(text(d.host_name), text(d.service_name));
    if (!s) return false;
    const name = downtimeName(d);
    s.downtimes.set(name, {
      name,
      legacyId: num(d.legacy_id),
      author: text(d.author),
      comment: text(d.comment),
      start: ms(d.start_time),
      end: ms(d.end_time),
      fixed: d.fixed !== false,
      durationSeconds: num(d.duration),
      triggerTime: ms(d.trigger_time),
      entryTime: ms(d.entry_time),
    });
    return true;
  }

  private removeDowntime(d: Json | undefined): boolean {
    if (!d) return false;
    return (
      this.get(text(d.host_name), text(d.service_name))?.downtimes.delete(downtimeName(d)) ?? false
    );
  }

  private addComment(c: Json | undefined): boolean {
    if (!c) return false;
    const s = this.get(text(c.host_name), text(c.service_name));
    if (!s) return false;
    s.comments.set(commentName(c), {
      name: commentName(c),
      author: text(c.author),
      text: text(c.text),
      entryType: num(c.entry_type),
      entryTime: ms(c.entry_time),
    });
    return true;
  }
}

/** `__name` in a query's attrs; in an event, built from its parts. */
function downtimeName(d: Json): string {
  return text(d.__name) || `${text(d.host_name)}!${text(d.service_name)}!${text(d.name)}`;
}

function commentName(c: Json): string {
  return text(c.__name) || `${text(c.host_name)}!${text(c.service_name)}!${text(c.name)}`;
}

function checkFacts(cr: unknown): Pick<ServiceFacts, 'state' | 'output' | 'lastCheck'> {
  if (!cr || typeof cr !== 'object') return { state: null, output: '', lastCheck: null };
  const r = cr as Json;
  return { state: num(r.state), output: text(r.output), lastCheck: ms(r.execution_end) };
}

/** A downtime silences the service now (Icinga's IsInEffect). */
export function inEffect(d: DowntimeFacts, now: number): boolean {
  if (d.triggerTime === 0 || now < d.start) return false;
  return d.fixed ? now < d.end : now < d.triggerTime + d.durationSeconds * 1000;
}

/** Every mute of the service: downtimes ending first first, then the acknowledgement. */
export function mutesOf(s: ServiceFacts, now: number): Muting[] {
  const downtimes: Muting[] = [...s.downtimes.values()]
    .sort((a, b) => a.end - b.end || a.entryTime - b.entryTime)
    .map((d) => ({
      kind: 'downtime',
      author: d.author,
      comment: d.comment,
      start: new Date(d.start).toISOString(),
      end: new Date(d.end).toISOString(),
      fixed: d.fixed,
      inEffect: inEffect(d, now),
      downtimeId: d.legacyId,
    }));
  const ack = acknowledgementOf(s);
  return ack ? [...downtimes, { kind: 'acknowledgement', ...ack }] : downtimes;
}

/** As Nagios's: a downtime in effect wins, then the acknowledgement, then a downtime to come. */
export function mutingOf(s: ServiceFacts, now: number): Muting | null {
  const mutes = mutesOf(s, now);
  return (
    mutes.find((m) => m.kind === 'downtime' && m.inEffect) ??
    mutes.find((m) => m.kind === 'acknowledgement') ??
    mutes[0] ??
    null
  );
}

export function acknowledgementOf(
  s: ServiceFacts,
): { author: string; comment: string; sticky: boolean } | null {
  if (s.acknowledgement === 0) return null;
  const c = [...s.comments.values()]
    .filter((x) => x.entryType === COMMENT_ACK)
    .sort((a, b) => b.entryTime - a.entryTime)[0];
  return { author: c?.author ?? '', comment: c?.text ?? '', sticky: s.acknowledgement === 2 };
}

/** The service for a slave's detail, in the shape Nagios's read-back has. */
export function detailOf(s: ServiceFacts, now: number) {
  const iso = (t: number) => new Date(t).toISOString();
  return {
    host: s.host,
    service: s.service,
    state: s.state === null ? null : (STATES[s.state] ?? 'UNKNOWN'),
    output: s.output,
    lastCheck: s.lastCheck === null ? null : iso(s.lastCheck),
    downtimes: [...s.downtimes.values()]
      .sort((a, b) => a.end - b.end)
      .map((d) => ({
        id: d.legacyId,
        start: iso(d.start),
        end: iso(d.end),
        fixed: d.fixed,
        durationSeconds: d.durationSeconds,
        inEffect: inEffect(d, now),
        author: d.author,
        comment: d.comment,
      })),
    acknowledgement: acknowledgementOf(s),
    comments: [...s.comments.values()]
      .filter((c) => c.entryType === COMMENT_USER)
      .sort((a, b) => b.entryTime - a.entryTime)
      .map((c) => ({ at: iso(c.entryTime), author: c.author, comment: c.text })),
  };
}
