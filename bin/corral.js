#!/usr/bin/env node
// Thin entry: the CLI lives in src/cli and is built into dist/ by `npm install`.
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(`corral: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
