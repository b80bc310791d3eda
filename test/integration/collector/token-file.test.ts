// tokens: entries with token_file: the collector reads the token from the file; a file it cannot
// read stops the start with one line naming the file, the key and why (who we run as, the mode).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CORRAL_BIN,
  postJson,
  startCollector,
  type RunningCollector,
} from '../../support/collector.js';

let c: RunningCollector | undefined;
afterEach(async () => {
  await c?.stop();
  c?.cleanup();
  c = undefined;
});

const NOBODY = 65534;

describe('token_file', () => {
  it('gives the token its role, read from the file without its trailing newline', async () => {
    c = await startCollector({
      config: 'tokens:\n  - {name: slaves, role: heartbeat, token_file: slaves.token}\n',
      files: { 'slaves.token': 'slaves-token-0123456789\n' },
    });
    const url = `${c.url}/api/v1/heartbeats`;
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await postJson(url, { slave: 's1' }, bearer('slaves-token-0123456789'))).status).toBe(
      202,
    );
    expect((await postJson(url, { slave: 's1' }, bearer('slaves-token-012345678'))).status).toBe(
      401,
    );
  });

  it.skipIf(process.getuid?.() !== 0)(
    'that the collector may not read stops the start with one line naming file, key and the fix',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'corral-token-file-'));
      try {
        chmodSync(dir, 0o755);
        writeFileSync(path.join(dir, 'slaves.token'), 'slaves-token-0123456789\n', { mode: 0o600 });
        writeFileSync(
          path.join(dir, 'corral.yaml'),
          'tokens:\n  - {name: slaves, role: heartbeat, token_file: slaves.token}\n',
          { mode: 0o644 },
        );
        // Run as nobody: root reads any file. The token file stays root's, mode 600.
        const run = spawnSync(
          process.execPath,
          [
            CORRAL_BIN,
            'collector',
            '--config',
            path.join(dir, 'corral.yaml'),
            '--listen',
            '127.0.0.1:0',
            '--db',
            path.join(dir, 'c.db'),
          ],
          { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 20_000 },
        );
        expect(run.status).toBe(1);
        const lines = run.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          /corral\.yaml: tokens\.0\.token_file: cannot read \S+slaves\.token: running as nobody .*owned by root:root, mode 0600/,
        );
        expect(run.stderr).not.toContain('slaves-token-0123456789');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
