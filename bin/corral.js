#!/usr/bin/env node
// Thin entry: the CLI lives in src/cli and is built into dist/ by `npm install`. `corral check` is
// a Nagios plugin run for every freshness or forced check: it skips the CLI and loads only itself.
const [command, ...rest] = process.argv.slice(2);
const run =
  command === 'check'
    ? import('../dist/cli/check.js').then((m) => m.runCheck(rest))
    : import('../dist/cli/main.js').then((m) => m.main(process.argv));

run.then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(`corral: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
