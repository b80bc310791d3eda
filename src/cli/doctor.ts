// `corral doctor [--config FILE]`: checks a configuration where the collector will run, without
// starting it: one line per check, `ok` or the problem and its fix; exit 0 only if all is well.
import type { Command } from 'commander';
import type { Finding } from './doctor-checks.js';
import { CliError } from './errors.js';
import { writeOut } from './output.js';

interface DoctorOptions {
  config?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check a configuration without starting: config, database, tokens, inventory, Nagios files',
    )
    .option('--config <file>', 'corral.yaml to check (default: the built-in defaults)')
    .option('--json', 'one JSON object: {"ok": bool, "checks": [{check, ok, text}]}')
    .action(async (_opts: DoctorOptions, command: Command) => {
      // With globals: the root command has a --config of its own (the embedded default).
      const opts = command.optsWithGlobals<DoctorOptions>();
      const { diagnose, ConfigProblem } = await import('./doctor-checks.js');
      let findings: Finding[];
      try {
        findings = await diagnose(opts.config);
      } catch (err) {
        if (!(err instanceof ConfigProblem)) throw err;
        // The collector's own one-line config error: nothing else can be checked without the file.
        if (!opts.json) throw new CliError(err.message);
        findings = [{ check: 'config', ok: false, text: err.message }];
      }
      const problems = findings.filter((f) => !f.ok).length;
      writeOut(opts.json ? toJson(findings) : toText(findings, problems));
      process.exitCode = problems > 0 ? 1 : 0;
    });
}

function toText(findings: readonly Finding[], problems: number): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines = findings.map(
    (f) => `${f.ok ? 'ok  ' : 'FAIL'}  ${f.check.padEnd(width)}  ${f.text}`,
  );
  const summary =
    problems === 0
      ? 'corral doctor: all is well'
      : `corral doctor: ${problems} problem${problems === 1 ? '' : 's'}`;
  return `${[...lines, summary].join('\n')}\n`;
}

function toJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ ok: findings.every((f) => f.ok), checks: findings })}\n`;
}
