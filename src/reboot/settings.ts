// The `reboot:` section of corral.yaml: a default chain, per-pool chains and the concurrency bound,
// validated into RebootSettings. A schema the collector's config schema can embed as its `reboot` key.
import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import {
  chainProblem,
  DEFAULT_CONCURRENCY,
  type RebootMethod,
  type RebootSettings,
} from './methods.js';

const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_WAIT_SECONDS = 15 * 60;

const duration = (example: string) =>
  z.string({ error: `expected a duration like ${example}` }).transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === null) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a duration: write e.g. ${example}`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const methodSchema = z.strictObject({
  name: z.string({ error: 'expected a method name' }).min(1, 'expected a method name'),
  argv: z.array(z.string({ error: 'argv is a list of strings' }), {
    error: 'argv is a list: the program, then each argument',
  }),
  timeout: duration('30s').optional(),
  wait: duration('15m').optional(),
  hands: z.boolean({ error: 'hands must be true or false' }).optional(),
});

const chainSchema = z.array(methodSchema, { error: 'expected a list of reboot methods' });

/** The `reboot:` key of corral.yaml. */
export const rebootSectionSchema = z.strictObject({
  concurrency: z.int().min(1).max(1000).optional(),
  methods: chainSchema.optional(),
  /** Per pool, a chain replacing the default one. */
  pools: z.record(z.string(), chainSchema).optional(),
});

export type RebootSection = z.output<typeof rebootSectionSchema>;

export class RebootSettingsError extends Error {
  override name = 'RebootSettingsError';
}

/** Settings from a validated section; a chain that cannot work is one clear line naming its key. */
export function toRebootSettings(section: RebootSection | undefined): RebootSettings {
  const settings: RebootSettings = {
    concurrency: section?.concurrency ?? DEFAULT_CONCURRENCY,
    methods: (section?.methods ?? []).map(toMethod),
    pools: {},
  };
  check(settings.methods, 'reboot.methods');
  for (const [pool, chain] of Object.entries(section?.pools ?? {})) {
    settings.pools[pool] = chain.map(toMethod);
    check(settings.pools[pool], `reboot.pools.${pool}`);
  }
  return settings;
}

/** Validates a raw `reboot:` value (from YAML) and returns the settings; `name` prefixes errors. */
export function parseRebootSection(raw: unknown, name: string): RebootSettings {
  const result = rebootSectionSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = ['reboot', ...issue.path.map(String)].join('.');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    throw new RebootSettingsError(`${name}: ${key}: ${message}`);
  }
  try {
    return toRebootSettings(result.data);
  } catch (err) {
    if (err instanceof RebootSettingsError)
      throw new RebootSettingsError(`${name}: ${err.message}`);
    throw err;
  }
}

function toMethod(m: z.output<typeof methodSchema>): RebootMethod {
  return {
    name: m.name,
    argv: m.argv,
    timeoutMs: (m.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    waitMs: (m.wait ?? DEFAULT_WAIT_SECONDS) * 1000,
    hands: m.hands ?? false,
  };
}

function check(chain: RebootMethod[], where: string): void {
  const problem = chainProblem(chain, where);
  if (problem) throw new RebootSettingsError(problem);
}
