// Nagios external commands as single lines `[epoch] NAME;args`, built only from checked inputs.
// Names are refused when outside a strict set; free text has control characters replaced.
import { formatAge } from '../domain/duration.js';
import { excerpt, oneLine } from '../domain/printable.js';
import type { Thresholds } from '../domain/state.js';

/**
 * Host names and service descriptions: letters, digits, `.`, `_`, `-` (and, inside a
 * service description, single spaces). Nothing here can end a command (newline) or
 * shift its fields (`;`).
 */
const HOST_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const SERVICE_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]| (?=[A-Za-z0-9._-]))*$/;
const SERVICE_MAX_LENGTH = 128;
/** Authors are operator names (token names); they are not the last field, so `;` must never pass. */
const AUTHOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

/** Free text (comments, plugin output) is cut to this many UTF-8 bytes so a line fits a pipe write. */
export const TEXT_MAX_BYTES = 1024;

/** Nagios service states as plugins report them. */
export const SERVICE_STATES = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
export type ServiceStateCode = (typeof SERVICE_STATES)[keyof typeof SERVICE_STATES];

/** A value that would make an unsafe command; `field` names the argument, `value` is shown escaped. */
export class NagiosInputError extends Error {
  override name = 'NagiosInputError';
  constructor(
    readonly field: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${field} "${excerpt(value)}" is refused: ${reason}`);
  }
}

export interface ServiceRef {
  host: string;
  service: string;
}

export function checkHost(host: string): string {
  if (!HOST_PATTERN.test(host)) {
    throw new NagiosInputError(
      'host',
      host,
      'a Nagios host name here uses letters, digits, ".", "_" and "-", at most 255',
    );
  }
  return host;
}

export function checkService(service: string): string {
  if (service.length > SERVICE_MAX_LENGTH || !SERVICE_PATTERN.test(service)) {
    throw new NagiosInputError(
      'service',
      service,
      `a service description here uses letters, digits, ".", "_", "-" and single inner spaces, at most ${SERVICE_MAX_LENGTH}`,
    );
  }
  return service;
}

export function checkAuthor(author: string): string {
  if (!AUTHOR_PATTERN.test(author)) {
    throw new NagiosInputError(
      'author',
      author,
      'an author uses letters, digits, spaces, ".", "_", "@" and "-", at most 64',
    );
  }
  return author;
}

/**
 * Free text as Nagios may receive it: one line (line breaks and tabs become a space, so the text
 * can never end the command line; other controls and bidi overrides are shown, `␛`, `\u202e`);
 * then cut to `maxBytes` of UTF-8 on a character boundary. Refusing instead would lose a slave's
 * message over one stray `\r`. `;` becomes `,`: Nagios 4.4 cuts a downtime comment at its first
 * `;` (seen in status.dat).
 */
export function cleanText(text: string, maxBytes = TEXT_MAX_BYTES): string {
  return truncateUtf8(oneLine(text).replace(/;/g, ','), maxBytes);
}

/** A comment is required: Nagios keeps it beside every downtime and acknowledgement. */
export function checkComment(comment: string): string {
  const clean = cleanText(comment);
  if (clean === '') throw new NagiosInputError('comment', comment, 'a comment must say why');
  return clean;
}

/** Plugin output: `|` starts Nagios perfdata, so one inside a slave's message becomes `/`. */
export function cleanOutput(output: string): string {
  return cleanText(output.replace(/\|/g, '/')) || '(no output)';
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let bytes = Buffer.byteLength(ellipsis);
  let out = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out + ellipsis;
}

/** Epoch seconds (what Nagios commands carry) from epoch milliseconds (what corral keeps). */
export function epochSeconds(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new NagiosInputError('time', String(ms), 'a time must be a finite epoch in milliseconds');
  }
  return Math.floor(ms / 1000);
}

function line(nowMs: number, name: string, args: Array<string | number>): string {
  return `[${epochSeconds(nowMs)}] ${[name, ...args].join(';')}`;
}

function ref(target: ServiceRef): [string, string] {
  return [checkHost(target.host), checkService(target.service)];
}

/** Output text with optional perfdata; the perfdata is ours, never taken from input. */
export interface CheckOutput {
  text: string;
  perfdata?: string;
}

export function processServiceCheckResult(
  nowMs: number,
  target: ServiceRef,
  state: ServiceStateCode,
  output: CheckOutput,
): string {
  const perf = output.perfdata === undefined ? '' : `|${checkPerfdata(output.perfdata)}`;
  return line(nowMs, 'PROCESS_SERVICE_CHECK_RESULT', [
    ...ref(target),
    state,
    cleanOutput(output.text) + perf,
  ]);
}

const PERFDATA_PATTERN = /^[A-Za-z0-9_.=;: -]{1,256}$/;

function checkPerfdata(perfdata: string): string {
  if (!PERFDATA_PATTERN.test(perfdata)) {
    throw new NagiosInputError('perfdata', perfdata, 'perfdata is label=value;warn;crit');
  }
  return perfdata;
}

export interface DowntimeRequest {
  startMs: number;
  endMs: number;
  /** Fixed: in effect from start to end. Flexible: starts when the service goes non-OK within the window, lasts `durationSeconds`. */
  fixed: boolean;
  /** For a flexible downtime, how long it lasts once it starts; ignored for a fixed one. */
  durationSeconds?: number;
  author: string;
  comment: string;
}

export function scheduleServiceDowntime(
  nowMs: number,
  target: ServiceRef,
  d: DowntimeRequest,
): string {
  const start = epochSeconds(d.startMs);
  const end = epochSeconds(d.endMs);
  if (end <= start) {
    throw new NagiosInputError(
      'end',
      new Date(d.endMs).toISOString(),
      'a downtime must end after it starts',
    );
  }
  const duration = d.fixed ? end - start : (d.durationSeconds ?? end - start);
  if (!Number.isInteger(duration) || duration <= 0) {
    throw new NagiosInputError('duration', String(duration), 'a duration is whole seconds above 0');
  }
  return line(nowMs, 'SCHEDULE_SVC_DOWNTIME', [
    ...ref(target),
    start,
    end,
    d.fixed ? 1 : 0,
    0, // not triggered by another downtime
    duration,
    checkAuthor(d.author),
    checkComment(d.comment),
  ]);
}

export function deleteServiceDowntime(nowMs: number, downtimeId: number): string {
  if (!Number.isSafeInteger(downtimeId) || downtimeId <= 0) {
    throw new NagiosInputError(
      'downtime id',
      String(downtimeId),
      'a downtime id is a whole number above 0',
    );
  }
  return line(nowMs, 'DEL_SVC_DOWNTIME', [downtimeId]);
}

export interface Acknowledgement {
  author: string;
  comment: string;
  /** Sticky (the default): stays until the service is OK again, not just until the next state change. */
  sticky?: boolean;
  notify?: boolean;
  /** Keep the acknowledgement's comment across Nagios restarts. */
  persistent?: boolean;
}

export function acknowledgeServiceProblem(
  nowMs: number,
  target: ServiceRef,
  a: Acknowledgement,
): string {
  return line(nowMs, 'ACKNOWLEDGE_SVC_PROBLEM', [
    ...ref(target),
    a.sticky === false ? 1 : 2,
    a.notify ? 1 : 0,
    a.persistent === false ? 0 : 1,
    checkAuthor(a.author),
    checkComment(a.comment),
  ]);
}

export function removeServiceAcknowledgement(nowMs: number, target: ServiceRef): string {
  return line(nowMs, 'REMOVE_SVC_ACKNOWLEDGEMENT', ref(target));
}

export function scheduleForcedServiceCheck(
  nowMs: number,
  target: ServiceRef,
  checkAtMs = nowMs,
): string {
  return line(nowMs, 'SCHEDULE_FORCED_SVC_CHECK', [...ref(target), epochSeconds(checkAtMs)]);
}

/**
 * What the collector submits when time alone makes a slave late or dead: the Nagios state and
 * `no buildbot start for 6h02m|age=21720s;21600;25200`.
 */
export function freshnessResult(
  ageSeconds: number,
  t: Thresholds,
): { state: ServiceStateCode; output: CheckOutput } {
  const age = Math.max(0, Math.floor(ageSeconds));
  const state =
    age >= t.criticalSeconds
      ? SERVICE_STATES.critical
      : age >= t.warningSeconds
        ? SERVICE_STATES.warning
        : SERVICE_STATES.ok;
  const text =
    state === SERVICE_STATES.ok
      ? `last buildbot start ${formatAge(age)} ago`
      : `no buildbot start for ${formatAge(age)}`;
  return { state, output: { text, perfdata: agePerfdata(age, t) } };
}

export function agePerfdata(ageSeconds: number, t: Thresholds): string {
  return `age=${Math.floor(ageSeconds)}s;${t.warningSeconds};${t.criticalSeconds}`;
}

/** The result for a heartbeat: a start is OK, a slave's own critical report is CRITICAL with its message. */
export function heartbeatResult(
  kind: 'start' | 'critical',
  master: string | null,
  message: string | null,
): { state: ServiceStateCode; output: CheckOutput } {
  if (kind === 'start') {
    return {
      state: SERVICE_STATES.ok,
      output: { text: master ? `buildbot started on ${master}` : 'buildbot started' },
    };
  }
  return {
    state: SERVICE_STATES.critical,
    output: { text: message?.trim() ? message : 'the slave reported a problem' },
  };
}
