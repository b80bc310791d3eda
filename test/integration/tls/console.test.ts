// The real console in a real terminal (tmux) on a collector serving TLS: the stream over wss:// and
// the detail pane over https://, both verified with the CA given; a wrong CA is one line, exit 1.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CORRAL_BIN, startCollector, type RunningCollector } from '../../support/collector.js';
import { makePki, type Pki } from '../../support/pki.js';
import { hasTmux, openTerminal, type Terminal } from '../../e2e/tmux.js';

const HEARTBEAT = 'heartbeat-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
const tmux = hasTmux();

describe.skipIf(!tmux)('corral console on a TLS collector', { timeout: 60_000 }, () => {
  let pki: Pki;
  let c: RunningCollector;
  let dir: string;
  let viewerFile: string;
  let term: Terminal | undefined;
  let stream: string;

  beforeAll(async () => {
    pki = makePki();
    dir = mkdtempSync(path.join(tmpdir(), 'corral-tls-console-'));
    viewerFile = path.join(dir, 'viewer.token');
    writeFileSync(viewerFile, `${VIEWER}\n`, { mode: 0o600 });
    c = await startCollector({
      config: [
        `tls: {cert: ${JSON.stringify(pki.cert)}, key: ${JSON.stringify(pki.key)}}`,
        'tokens:',
        `  - {name: slaves, role: heartbeat, token: "${HEARTBEAT}"}`,
        `  - {name: wall, role: viewer, token: "${VIEWER}"}`,
      ].join('\n'),
    });
    stream = c.url.replace(/^https:/, 'wss:');
    await postHeartbeat({ slave: 'tls-console-01', kind: 'critical', message: 'sent over tls' });
  });
  afterEach(() => term?.close());
  afterAll(async () => {
    await c?.stop();
    c?.cleanup();
    pki?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function postHeartbeat(body: unknown): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${c.url}/api/v1/heartbeats`,
        {
          method: 'POST',
          ca: readFileSync(pki.ca),
          headers: { authorization: `Bearer ${HEARTBEAT}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  it('shows the farm over wss:// and the detail over https:// with --ca and --token-file', async () => {
    term = openTerminal([
      process.execPath,
      CORRAL_BIN,
      'console',
      stream,
      '--ca',
      pki.ca,
      '--token-file',
      viewerFile,
    ]);
    await term.until((s) => s.includes('tls-console-01'), 'the slave sent over TLS');
    await term.press('Enter');
    const screen = await term.until(
      (s) => s.includes('last messages') || s.includes('history unavailable'),
      'the detail pane, fetched over https',
    );
    expect(screen).toContain('critical: sent over tls');
    expect(screen).not.toContain('history unavailable');
  });

  it('a wrong CA is one line naming the URL, the CA and the fix; exit 1', async () => {
    term = openTerminal([
      process.execPath,
      CORRAL_BIN,
      'console',
      stream,
      '--ca',
      pki.otherCa,
      '--token-file',
      viewerFile,
    ]);
    const screen = await term.until((s) => s.includes('CORRAL-EXIT='), 'the console to end');
    // tmux wraps the line at the terminal's width: join it back.
    const text = screen.replace(/\n(?!CORRAL-EXIT)/g, '');
    expect(text).toContain(
      `corral: cannot reach the collector at ${stream}/api/v1/stream: its certificate is not trusted by the CA in ${pki.otherCa} (unable to verify the first certificate): give the CA that signed the collector's certificate with --ca FILE or CORRAL_CA`,
    );
    expect(screen).toMatch(/CORRAL-EXIT=1\b/);
    expect(screen).not.toMatch(/\n\s+at /); // no stack
  });
});
