// Chains per pool and the checks a configured chain must pass; the dry run's text.
import { describe, expect, test } from 'vitest';
import { chainProblem, methodsFor, type RebootMethod } from '../../../src/reboot/methods.js';
import { describePlan, planReboot } from '../../../src/reboot/plan.js';
import { valuesFor } from '../../../src/reboot/placeholders.js';

const m = (name: string, extra: Partial<RebootMethod> = {}): RebootMethod => ({
  name,
  argv: [name],
  timeoutMs: 30_000,
  waitMs: 900_000,
  hands: false,
  ...extra,
});

describe('methodsFor', () => {
  const settings = { concurrency: 16, methods: [m('ssh')], pools: { 'w764-ix': [m('pdu')] } };
  test('a pool with its own chain gets it; others and unknown pools get the default', () => {
    expect(methodsFor(settings, 'w764-ix').map((x) => x.name)).toEqual(['pdu']);
    expect(methodsFor(settings, 'talos').map((x) => x.name)).toEqual(['ssh']);
    expect(methodsFor(settings, null).map((x) => x.name)).toEqual(['ssh']);
    expect(methodsFor(settings, 'constructor').map((x) => x.name)).toEqual(['ssh']);
  });
});

describe('chainProblem', () => {
  test('a good chain', () => {
    expect(
      chainProblem(
        [m('graceful'), m('ssh'), m('hands', { argv: [], hands: true })],
        'reboot.methods',
      ),
    ).toBeNull();
  });
  test.each([
    [[m('ssh'), m('ssh')], /reboot.methods\[1\]: method "ssh" appears twice/],
    [[m('hands', { hands: true }), m('ssh')], /\[0\]: the hands step "hands" must be the last/],
    [[m('ssh', { argv: ['{tool}'] })], /\[0\]: the program "\{tool\}" must be written literally/],
    [[m('ssh', { argv: [] })], /argv needs at least the program/],
    [[m('bad name')], /method name "bad name" must be a short word/],
    [[m('ssh', { timeoutMs: 0 })], /timeout must be more than 0s/],
    [[m('ssh', { waitMs: 0 })], /wait must be more than 0s/],
  ])('refused: %#', (chain, message) => {
    expect(chainProblem(chain, 'reboot.methods')).toMatch(message);
  });
});

test('describePlan prints each argv as JSON (one string per argument), skips and failures', () => {
  const ipmi = m('ipmi', { argv: ['ipmitool', '-H', '{mgmt_host}'] });
  const plans = planReboot(
    [
      {
        values: valuesFor('a', { attributes: { mgmt_host: 'a mgmt; x' } }),
        methods: [ipmi, m('hands', { argv: [], hands: true })],
        muted: null,
        rebooting: null,
      },
      { values: valuesFor('b', {}), methods: [ipmi], muted: null, rebooting: null },
      {
        values: valuesFor('c', {}),
        methods: [ipmi],
        muted: "in alice's downtime until 2026-12-25 05:12 UTC",
        rebooting: null,
      },
      { values: valuesFor('d', {}), methods: [], muted: null, rebooting: null },
    ],
    { includeMuted: false },
  );
  expect(describePlan(plans)).toEqual([
    'a ipmi: ["ipmitool","-H","a mgmt; x"]',
    'a hands: (marks the slave as needing hands)',
    'b: FAILS: b: no value for {mgmt_host} (add the attribute "mgmt_host" to the slave in the inventory); nothing was run for this slave',
    "c: skipped: muted in Nagios: in alice's downtime until 2026-12-25 05:12 UTC (include muted slaves to reboot it)",
    'd: FAILS: no reboot methods are configured for its pool',
  ]);
});
