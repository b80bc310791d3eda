// What a test suite needs from the machine: on a developer's machine a missing tool skips its suite
// loudly; under CI (CI=true) it fails the run, since .ci/run must have installed it.

/** True when the tool is there; false (a skip, with a warning) on a developer's machine; throws under CI. */
export function available(tool: string, present: boolean, install: string): boolean {
  if (present) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${tool} is missing but CI=true: .ci/run must install it (${install})`);
  }
  console.warn(`\n!!! SKIPPING tests that need ${tool}: it is missing (${install}) !!!\n`);
  return false;
}
