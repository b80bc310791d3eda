// `corral check SLAVE`: a Nagios plugin answering from the collector (exit 0/1/2/3, one line of output).
import { CommanderError, type Command } from 'commander';
import { slaveNameProblem } from '../domain/names.js';
import type { SlaveView } from '../domain/slave.js';
import { pluginResult, unknown, usageError } from '../nagios/plugin-result.js';
import { addCollectorOptions, collectorTarget, getJson } from './collector-options.js';
import { CliError } from './errors.js';

interface CheckOptions {
  collector?: string;
  token?: string;
  timeout: string;
}

const USAGE = 'corral check SLAVE [--collector URL] [--token T] [--timeout SECONDS]';

export function register(program: Command): void {
  addCollectorOptions(
    program
      .command('check')
      .description(
        "Nagios plugin: the slave's state from the collector (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)",
      )
      .argument('<slave>', 'slave name'),
  )
    .option('--timeout <seconds>', 'give up on the collector after this long (UNKNOWN)', '10')
    // Nagios reads commander's exit 1 as WARNING: a usage error (missing slave, unknown option)
    // is UNKNOWN, said in one line on stdout where Nagios looks. --help still exits 0.
    .configureOutput({ outputError: () => {} })
    .showHelpAfterError(false)
    .exitOverride((err) => {
      if (err.exitCode === 0) throw err;
      const r = usageError(`corral check: ${err.message.replace(/^error: /, '')}`, USAGE);
      process.stdout.write(`${r.line}\n`);
      throw new CommanderError(r.code, err.code, err.message);
    })
    .action(async (slave: string, opts: CheckOptions) => {
      const { line, code } = await check(slave, opts);
      process.stdout.write(`${line}\n`);
      process.exitCode = code;
    });
}

async function check(slave: string, opts: CheckOptions) {
  const problem = slaveNameProblem(slave);
  if (problem) return unknown(problem);
  const timeoutSeconds = Number(opts.timeout);
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
    return usageError(
      `corral check: --timeout "${opts.timeout}" is not a number of seconds above 0`,
      USAGE,
    );
  }
  const timeoutMs = Math.max(1, timeoutSeconds) * 1000;
  try {
    const target = collectorTarget(opts);
    const { slave: view } = await getJson<{ slave: SlaveView }>(
      target,
      `/api/v1/slaves/${encodeURIComponent(slave)}`,
      timeoutMs,
    );
    return pluginResult(view);
  } catch (err) {
    // Every failure to ask is UNKNOWN, never a blind CRITICAL: Nagios's own freshness says more.
    if (err instanceof CliError) return unknown(err.message);
    return unknown(`corral check failed: ${(err as Error).message}`);
  }
}
