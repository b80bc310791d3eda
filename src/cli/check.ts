// `corral check SLAVE`: the Nagios plugin. Nagios runs it for every freshness or forced check, so it
// loads almost nothing: bin/corral.js hands `check` straight to `runCheck`, before commander and the CLI.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { parseArgs } from 'node:util';
import { slaveNameProblem } from '../domain/names.js';
import { authHeaders } from '../net/auth-header.js';
import type { SlaveView } from '../domain/slave.js';
import { pluginResult, unknown, usageError, type PluginResult } from '../nagios/plugin-result.js';

export const CHECK_USAGE =
  'corral check SLAVE [--collector URL] [--token-file FILE] [--ca FILE] [--timeout SECONDS]';

export const CHECK_DESCRIPTION =
  "Nagios plugin: the slave's state from the collector (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)";

const HELP = `Usage: corral check [options] <slave>

${CHECK_DESCRIPTION}

Options:
  --collector <url>    collector address (default: $CORRAL_URL, else http://127.0.0.1:8474)
  --token-file <file>  file holding a viewer token (default: $CORRAL_TOKEN_FILE)
  --token <token>      a viewer token (default: $CORRAL_TOKEN); visible in ps, prefer --token-file
  --ca <file>          CA certificate(s) to trust for an https collector (default: $CORRAL_CA)
  --timeout <seconds>  give up on the collector after this long (UNKNOWN) (default: 10)
  -h, --help           display help for command
`;

const DEFAULT_URL = 'http://127.0.0.1:8474';
/** A slave's detail is a few kB; more than this is not a collector answering. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const PLACEHOLDERS = {
  collector: '<url>',
  token: '<token>',
  'token-file': '<file>',
  ca: '<file>',
  timeout: '<seconds>',
} as const;
type ValueOption = keyof typeof PLACEHOLDERS;
type CheckOptions = Partial<Record<ValueOption, string>>;
const VALUE_OPTIONS = Object.fromEntries(
  Object.keys(PLACEHOLDERS).map((name) => [name, { type: 'string' as const }]),
) as Record<ValueOption, { type: 'string' }>;

/** A plugin run the wrong way (UNKNOWN naming the usage) or a failure to ask (UNKNOWN). */
class CheckProblem extends Error {}

/** Runs the plugin on argv (after `check`): prints its one line, returns the exit code. */
export async function runCheck(argv: readonly string[]): Promise<number> {
  const parsed = parseCheckArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const result = 'code' in parsed ? parsed : await check(parsed.slave, parsed.options);
  process.stdout.write(`${result.line}\n`);
  return result.code;
}

/** Commander's messages, kept so scripts and docs see the same words; every problem is UNKNOWN. */
export function parseCheckArgs(
  argv: readonly string[],
): 'help' | PluginResult | { slave: string; options: CheckOptions } {
  const wrong = (problem: string) => usageError(`corral check: ${problem}`, CHECK_USAGE);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...VALUE_OPTIONS, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return wrong(commanderWords(err as Error & { code?: string }));
  }
  const { help, ...options } = parsed.values;
  if (help) return 'help';
  const positionals = parsed.positionals;
  if (positionals.length === 0) return wrong("missing required argument 'slave'");
  if (positionals.length > 1) {
    return wrong(
      `too many arguments for 'check'. Expected 1 argument but got ${positionals.length}.`,
    );
  }
  if (options.token !== undefined && options['token-file'] !== undefined) {
    return wrong('give --token or --token-file, not both');
  }
  return { slave: positionals[0]!, options };
}

/** node:util's parse errors in the words commander used (and the docs show). */
function commanderWords(err: Error & { code?: string }): string {
  const option = /'(--?[^' ]+)/.exec(err.message)?.[1] ?? '';
  const name = option.replace(/^--/, '') as ValueOption;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option}'`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && Object.hasOwn(PLACEHOLDERS, name)) {
    return `option '${option} ${PLACEHOLDERS[name]}' argument missing`;
  }
  return err.message;
}

async function check(slave: string, opts: CheckOptions): Promise<PluginResult> {
  const problem = slaveNameProblem(slave);
  if (problem) return unknown(problem);
  const timeout = opts.timeout ?? '10';
  const timeoutSeconds = Number(timeout);
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
    return usageError(
      `corral check: --timeout "${timeout}" is not a number of seconds above 0`,
      CHECK_USAGE,
    );
  }
  try {
    const url = collectorUrl(opts.collector ?? process.env.CORRAL_URL ?? DEFAULT_URL);
    const token = readToken(opts);
    const ca = caFile(opts.ca ?? process.env.CORRAL_CA);
    const view = await getSlave(url, slave, { token, ca, timeoutMs: timeoutSeconds * 1000 });
    return pluginResult(view);
  } catch (err) {
    // Every failure to ask is UNKNOWN, never a blind CRITICAL: Nagios's own freshness says more.
    if (err instanceof CheckProblem) return unknown(err.message);
    return unknown(`corral check failed: ${(err as Error).message}`);
  }
}

function collectorUrl(raw: string): URL {
  // Several collectors (`URL,URL`): the plugin asks the first; Nagios retries on UNKNOWN.
  const first = raw.split(',')[0]!.trim();
  let url: URL;
  try {
    url = new URL(first.includes('://') ? first : `http://${first}`);
  } catch {
    throw new CheckProblem(
      `"${first}" is not a collector address: use e.g. http://buildfarm-collector:8474`,
    );
  }
  if (url.protocol === 'ws:') url.protocol = 'http:';
  if (url.protocol === 'wss:') url.protocol = 'https:';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CheckProblem(
      `"${first}" is not a collector address: it must start with http:// or https://`,
    );
  }
  return url;
}

/** The token, from a file whenever possible: argv is readable by every user in `ps`. Flags first. */
function readToken(opts: CheckOptions): string | undefined {
  if (opts.token !== undefined) return opts.token || undefined;
  if (opts['token-file'] !== undefined) return tokenFromFile(opts['token-file']);
  const { CORRAL_TOKEN: token, CORRAL_TOKEN_FILE: file } = process.env;
  // As every other corral client: which one was meant is not ours to guess.
  if (token && file) {
    throw new CheckProblem('both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them');
  }
  return file ? tokenFromFile(file) : token || undefined;
}

function tokenFromFile(file: string): string {
  const token = readSmallFile(file, 'token file').trim();
  if (!token) throw new CheckProblem(`token file ${file} is empty: put a viewer token in it`);
  return token;
}

function caFile(file: string | undefined): string | undefined {
  return file ? readSmallFile(file, 'CA file') : undefined;
}

function readSmallFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new CheckProblem(`cannot read ${what} ${file}: ${why}`);
  }
}

interface Ask {
  token: string | undefined;
  ca: string | undefined;
  timeoutMs: number;
}

/** One GET of the slave's detail with node:http(s): fetch alone costs more to load than the check. */
async function getSlave(url: URL, slave: string, ask: Ask): Promise<SlaveView> {
  const base = url.origin + url.pathname.replace(/\/+$/, '');
  const tls = url.protocol === 'https:';
  const { request } = tls ? await import('node:https') : await import('node:http');
  const options: RequestOptions & { ca?: string } = {
    headers: authHeaders(ask.token),
    ...(tls && ask.ca !== undefined && { ca: ask.ca }),
  };
  const target = `${base}/api/v1/slaves/${encodeURIComponent(slave)}`;
  const { status, body } = await new Promise<{ status: number; body: string }>(
    (resolve, reject) => {
      const req = request(target, options, (res) => readBody(res).then(resolve, reject));
      const timer = setTimeout(
        () =>
          req.destroy(new CheckProblem(`cannot reach the collector at ${base}: no answer in time`)),
        ask.timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('error', (err) =>
        reject(
          err instanceof CheckProblem
            ? err
            : new CheckProblem(`cannot reach the collector at ${base}: ${reason(err)}`),
        ),
      );
      req.end();
    },
  );
  if (status < 200 || status > 299) {
    throw new CheckProblem(`the collector at ${base} answered ${status}: ${errorText(body)}`);
  }
  try {
    return (JSON.parse(body) as { slave: SlaveView }).slave;
  } catch {
    throw new CheckProblem(`the collector at ${base} answered something that is not JSON`);
  }
}

function readBody(res: IncomingMessage): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) res.destroy(new CheckProblem('the collector answered too much'));
      else chunks.push(chunk);
    });
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
    );
    res.on('error', reject);
  });
}

function errorText(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body.trim();
  } catch {
    return body.trim();
  }
}

function reason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused (is it running?)';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'unknown host';
  return err.message;
}
