import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { createLogger } from '../../../src/collector/logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

test('a logged message keeps its value, with no control, C1 or bidi character raw in the line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-log-'));
  dirs.push(dir);
  const file = path.join(dir, 'collector.log');
  const log = createLogger({ file });
  const message = 'ok\x1b]0;PWNED\x07 \u009b31mRED \u202enimda\u2028\x7f end';
  log.warn({ slave: 'evil-001', message }, 'refused \u009b2J');
  // The file destination opens and writes asynchronously: wait for the whole line.
  const text = await vi.waitFor(() => {
    const t = readFileSync(file, 'utf8');
    if (!t.endsWith('\n')) throw new Error('no whole line yet');
    return t;
  });
  const line = text.slice(0, -1);
  expect(line).not.toMatch(/[\p{Cc}\u202e\u2028]/u);
  expect(JSON.parse(line)).toMatchObject({ slave: 'evil-001', message, msg: 'refused \u009b2J' });
});
