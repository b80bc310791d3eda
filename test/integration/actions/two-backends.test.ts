// The action table against each monitoring backend: the same cases, a real Nagios 4 and a real
// Icinga 2, each wired to its own real collector. A backend missing here skips locally and fails
// under CI.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { startCollector, type RunningCollector } from '../../support/collector.js';
import {
  ACTION_TABLE,
  OPERATOR,
  TABLE_SLAVES,
  tableContext,
  UNMONITORED,
  type TableContext,
} from './action-table.js';
import { BACKENDS } from './backends.js';

for (const make of BACKENDS) {
  const backend = make();
  describe.skipIf(!backend.available)(`actions through ${backend.name}`, () => {
    let dir: string;
    let collector: RunningCollector;
    let ctx: TableContext;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `corral-table-${backend.name}-`));
      await backend.start(TABLE_SLAVES);
      await writeFile(path.join(dir, 'inventory.txt'), [...TABLE_SLAVES, UNMONITORED].join('\n'));
      collector = await startCollector({
        dir,
        config: [
          'inventory: inventory.txt',
          'tokens:',
          `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
          await backend.config(dir),
        ].join('\n'),
      });
      ctx = tableContext(collector, backend);
    }, 120_000);

    afterAll(async () => {
      await collector?.stop();
      await backend.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    for (const c of ACTION_TABLE) test(c.name, () => c.run(ctx), 60_000);
  });
}
