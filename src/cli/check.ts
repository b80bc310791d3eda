// `corral check SLAVE`: a Nagios plugin answering from the collector (exit 0/1/2/3, one line of output).
import type { Command } from 'commander';
import { addCollectorOptions, collectorTarget, getJson } from './collector-options.js';
import { CliError } from './errors.js';

interface CheckOptions {
  collector?: string;
  token?: string;
  timeout: string;
}

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
    .action(async (slave: string, opts: CheckOptions) => {
      const { line, code } = await check(slave, opts);
      process.stdout.write(`${line}\n`);
      process.exitCode = code;
    });
}

async function check(slave: string, opts: CheckOptions) {
  const { pluginResult, unknown } = await import('../nagios/plugin-result.js');
  const { slaveNameProblem } = await import('../domain/names.js');
  const problem = slaveNameProblem(slave);
  if (problem) return unknown(problem);
  const timeoutMs = Math.max(1, Number(opts.timeout) || 10) * 1000;
  try {
    const target = collectorTarget(opts);
    const { slave: view } = await getJson<{ slave: import('../domain/slave.js').SlaveView }>(
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
