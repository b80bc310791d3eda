// `corral collector` refuses a bad start with one line on stderr and exit status 1.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CORRAL_BIN } from '../../support/collector.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'corral-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(args: string[]) {
  try {
    await run(
      process.execPath,
      [CORRAL_BIN, 'collector', '--db', path.join(dir, 'c.db'), ...args],
      {
        timeout: 20_000,
      },
    );
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('corral collector refuses a bad start', () => {
  it('names the file, the key and what is wrong in a bad config', async () => {
    const config = path.join(dir, 'corral.yaml');
    writeFileSync(config, 'thresholds: {warning: 7h, critical: 6h}\n');
    expect(await start(['--config', config])).toEqual({
      code: 1,
      stderr: `corral: ${config}: thresholds: warning must be shorter than critical (a slave is late before it is dead)\n`,
    });
  });

  it('says when the config file is missing', async () => {
    const missing = path.join(dir, 'nope.yaml');
    expect(await start(['--config', missing])).toEqual({
      code: 1,
      stderr: `corral: ${missing}: cannot read the config file (no such file)\n`,
    });
  });

  it('says what a bad --listen should look like', async () => {
    expect(await start(['--listen', 'localhost'])).toEqual({
      code: 1,
      stderr: 'corral: listen: "localhost" is not host:port (e.g. 127.0.0.1:8474 or [::1]:8474)\n',
    });
  });
});
