// The options every command that talks to a collector shares: `--collector URL`, the token
// (`--token`, `--token-file`) and the CA that vouches for an https:// collector (`--ca`).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { accessProblem } from '../nagios/file-access.js';
import { parseCollectorUrls } from '../net/collector-urls.js';
import type { CaFile } from '../net/failure.js';
import { FailoverError, requestFailover } from '../net/failover.js';
import { CliError } from './errors.js';

export const DEFAULT_COLLECTOR_URL = 'http://127.0.0.1:8474';

export interface Credentials {
  token: string | undefined;
  /** The CA to verify an https:// collector with; undefined: the system's CAs. */
  ca: CaFile | undefined;
}

export interface CollectorTarget extends Credentials {
  /** Base URL without a trailing slash, http: or https:: the collector that answered last (else the first listed). */
  url: string;
  /** Every collector listed, in the order to try them (the one that answered last first). */
  urls: string[];
}

export interface CredentialFlags {
  token?: string;
  tokenFile?: string;
  ca?: string;
}

export interface CollectorFlags extends CredentialFlags {
  collector?: string;
}

export function addCollectorOptions(command: Command): Command {
  return addCredentialOptions(
    command.option(
      '--collector <url[,url...]>',
      'collector address, or several to try in turn (default: $CORRAL_URL, else http://127.0.0.1:8474)',
    ),
  );
}

/** `--token`, `--token-file` and `--ca`, for commands that take the address otherwise. */
export function addCredentialOptions(command: Command): Command {
  return command
    .option(
      '--token <token>',
      'access token (default: $CORRAL_TOKEN); --token-file keeps it out of ps',
    )
    .option(
      '--token-file <file>',
      'read the access token from this file (default: $CORRAL_TOKEN_FILE)',
    )
    .option(
      '--ca <file>',
      "PEM file of the CA that signed an https:// collector's certificate (default: $CORRAL_CA, else the system's CAs)",
    );
}

export function collectorTarget(opts: CollectorFlags): CollectorTarget {
  const source = opts.collector !== undefined ? '--collector' : 'CORRAL_URL';
  const raw = opts.collector ?? process.env.CORRAL_URL ?? DEFAULT_COLLECTOR_URL;
  const parsed = parseCollectorUrls(raw, source);
  if (!parsed.ok) throw new CliError(parsed.problem);
  const urls = parsed.urls.map((u) => u.base);
  return { url: urls[0]!, urls, ...credentials(opts) };
}

/** The token and CA from the flags, else from the environment; an unusable file is one line. */
export function credentials(opts: CredentialFlags): Credentials {
  return { token: tokenOf(opts), ca: caFrom(opts) };
}

function tokenOf(opts: CredentialFlags): string | undefined {
  if (opts.token !== undefined && opts.tokenFile !== undefined) {
    throw new CliError('give --token or --token-file, not both');
  }
  if (opts.token !== undefined) return opts.token || undefined;
  if (opts.tokenFile !== undefined) return readToken('--token-file', opts.tokenFile);
  const { CORRAL_TOKEN: token, CORRAL_TOKEN_FILE: file } = process.env;
  if (token && file) {
    throw new CliError('both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them');
  }
  if (file) return readToken('CORRAL_TOKEN_FILE', file);
  return token || undefined;
}

/** The file holds the token alone; a trailing newline (from `echo`) is not part of it. */
function readToken(source: string, file: string): string {
  const token = readFileFor(source, file, 'token').trim();
  if (token === '') throw new CliError(`${source}: ${file} is empty: put the token in it`);
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new CliError(
      `${source}: ${file} must hold the token alone, on one line, without spaces or control characters`,
    );
  }
  return token;
}

/** `--ca`, else $CORRAL_CA: read and checked to be a certificate. */
export function caFrom(opts: CredentialFlags): CaFile | undefined {
  const source = opts.ca !== undefined ? '--ca' : 'CORRAL_CA';
  const file = opts.ca ?? process.env.CORRAL_CA;
  if (!file) return undefined;
  const pem = readFileFor(source, file, 'CA certificate');
  try {
    new X509Certificate(pem);
  } catch {
    throw new CliError(
      `${source}: ${file} is not a PEM certificate: give the CA's certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return { file, pem };
}

function readFileFor(source: string, file: string, what: string): string {
  const problem = accessProblem(file, 'read');
  if (problem !== null)
    throw new CliError(`${source}: cannot use ${file} as the ${what}: ${problem}`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${source}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** GETs JSON from the collector; every failure becomes one CliError line. */
export async function getJson<T>(
  target: CollectorTarget,
  path: string,
  timeoutMs = 10_000,
): Promise<T> {
  const { status, text } = await send(target, path, {
    signal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
  });
  if (status < 200 || status >= 300) {
    throw new CliError(`the collector at ${target.url} answered ${status}: ${errorOf(text)}`);
  }
  return JSON.parse(text) as T;
}

/**
 * One request with the target's token and CA to the first listed collector that can take it
 * (docs/design.md: a read goes on to the next after no answer; an action only when it cannot
 * have arrived); no answer is one CliError line. The collector that answered is tried first next.
 */
export async function send(
  target: CollectorTarget,
  path: string,
  opts: { method?: 'GET' | 'POST'; body?: string; signal: AbortSignal; timeoutMs?: number },
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> =
    opts.body === undefined ? {} : { 'content-type': 'application/json' };
  try {
    const { base, status, text } = await requestFailover(target.urls, path, {
      ...opts,
      headers,
      token: target.token,
      ca: target.ca,
      resendable: (opts.method ?? 'GET') === 'GET',
    });
    target.url = base;
    target.urls = [base, ...target.urls.filter((u) => u !== base)];
    return { status, text };
  } catch (err) {
    if (err instanceof FailoverError) throw new CliError(err.reason);
    throw err;
  }
}

/** The `error` of a JSON answer, else its text as it is. */
export function errorOf(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string } | null)?.error ?? text.trim();
  } catch {
    return text.trim();
  }
}
