// End to end: the keystroke budget of docs/console.md typed at full speed (one send-keys a
// sequence) into the real `corral console` in tmux, on a real collector wired to a real Nagios
// Core 4 with a reboot method; the results read from status.dat and from what the method did.
// Also a whole downtime typed as one string with its Enters inside, and pastes holding newlines
// and escape sequences.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRAL_BIN, postJson, type RunningCollector } from '../support/collector.js';
import { hasNagios, type NagiosInstance } from '../support/nagios.js';
import { startWiredNagios } from '../support/wired-nagios.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
if (!tmux)
  console.warn('\n!!! SKIPPING console key tests: tmux is missing (apt-get install tmux) !!!\n');

const SNOW = Array.from({ length: 6 }, (_, i) => `talos-r3-snow-${String(i + 1).padStart(2, '0')}`);
const FED = Array.from({ length: 4 }, (_, i) => `talos-r3-fed-${String(i + 1).padStart(2, '0')}`);
const OPERATOR = 'operator-token-keys-0123456789';
const CHECKER = 'checker-token-keys-0123456789';
const THIRTY_DAYS = 30 * 86400;
const node = process.execPath;
const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^[◆ ] +[?✖▲!↻✓] /.test(l));
const nameOf = (row: string) => row.split(/ +/)[3]!;

describe.skipIf(!tmux || !hasNagios)('keys at full speed, on a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  let term: Terminal;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-console-keys-'));
    ({ nagios, collector } = await startWiredNagios({
      dir,
      slaves: [
        ...SNOW.map((s) => `{name: ${s}, pool: talos-r3-snow}`),
        ...FED.map((s) => `{name: ${s}, pool: talos-r3-fed}`),
      ],
      checker: CHECKER,
      tokens: [`  - {name: jdoe, role: operator, token: ${OPERATOR}}`],
      extra: [
        'reboot:',
        '  methods:',
        // The method leaves a file per slave: what a reboot did, without rebooting anything.
        `    - {name: ssh, argv: [touch, '${dir}/rebooted-{slave}'], timeout: 20s, wait: 10m}`,
      ],
    }));
    // The fed slaves started first: the oldest start is the first row, under the cursor.
    const now = Date.now();
    const beats = [...FED, ...SNOW].map((slave, i) => ({
      slave,
      kind: 'start',
      master: 'bm01',
      at: new Date(now - (20 - i) * 60_000).toISOString(),
    }));
    const sent = await postJson(`${collector.url}/api/v1/heartbeats`, beats, {
      authorization: `Bearer ${OPERATOR}`,
    });
    expect(sent.status).toBe(202);
    term = openTerminal([node, CORRAL_BIN, 'console', collector.url, '--token', OPERATOR], {
      columns: 150,
      rows: 40,
    });
    await term.until(
      (s) => s.includes('● connected as jdoe (operator)') && s.includes('showing 10 of 10'),
      'the operator console',
      60_000,
    );
  }, 180_000);

  afterAll(async () => {
    term?.close();
    await collector?.stop();
    collector?.cleanup();
    await nagios?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const downtimesOf = async (slaves: readonly string[]) =>
    (await nagios.status()).downtimes.filter((d) => slaves.includes(d.host));

  it('reboots the slave under the cursor in 2 keys: r Enter', async () => {
    const first = nameOf(rowsOf(term.capture())[0]!);
    expect(FED).toContain(first);
    term.burst('r', 'Enter');
    await term.until((s) => s.includes('rebooted 1 slave'), 'the reboot under way', 30_000);
    for (const deadline = Date.now() + 20_000; !existsSync(`${dir}/rebooted-${first}`);) {
      if (Date.now() > deadline) throw new Error(`the reboot method never ran for ${first}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(SNOW.concat(FED).filter((s) => existsSync(`${dir}/rebooted-${s}`))).toEqual([first]);
  }, 60_000);

  it('downtimes every slave of a pool for 30 days in 8 keys besides the pattern and the comment', async () => {
    const comment = 'snow pool moves racks';
    // / pattern Enter a d ← Enter comment Enter Enter: the whole sequence in one send-keys.
    term.burst('/', 'talos-r3-snow', 'Enter', 'a', 'd', 'Left', 'Enter', comment, 'Enter', 'Enter');
    const status = await nagios.waitForStatus(
      (s) => s.downtimes.filter((d) => d.comment === comment).length === SNOW.length,
      40_000,
      'a downtime on every snow slave',
    );
    const mine = status.downtimes.filter((d) => d.comment === comment);
    expect(mine.map((d) => d.host).sort()).toEqual(SNOW);
    for (const d of mine) {
      expect(d.author).toBe('jdoe');
      expect(d.fixed).toBe(true);
      expect(Math.round((d.end - d.start) / 1000)).toBe(THIRTY_DAYS);
    }
    expect(await downtimesOf(FED)).toEqual([]);
    // Confirmed as the collector sees Nagios (its copy of status.dat, which a cancel reads), not
    // only in the file: an operator cancels what the console shows.
    await term.until(
      (s) => s.includes('30d downtime on 6 slaves — 6 confirmed'),
      'the downtimes confirmed',
      30_000,
    );
  }, 90_000);

  it("cancels the last action's downtimes in 3 keys: L D Enter", async () => {
    // From the table with nothing marked.
    term.burst('u', 'Escape', 'Escape');
    await term.until((s) => s.includes('showing 10 of 10') && !/\d+ marked/.test(s), 'no marks');
    // The collector cancels by the downtime ids of its own read of status.dat, a second behind the
    // test's: once the header counts the snow slaves muted, it has them (else: "it has no downtime").
    await term.until((s) => /\bmuted 6 /.test(s), 'the snow downtimes read by the collector');
    term.burst('L', 'D', 'Enter');
    await nagios.waitForStatus(
      (s) => !s.downtimes.some((d) => SNOW.includes(d.host)),
      40_000,
      'the snow downtimes cancelled',
    );
    await term.until((s) => /cancel.*6 slaves/i.test(s), 'the cancel in the status line');
  }, 90_000);

  it('takes a whole downtime typed as one string, its Enters inside: a typed 30d is 30 days', async () => {
    const comment = 'fed typed in one go';
    term.burstLiteral(`/talos-r3-fed\rad30d\r${comment}\r\r`);
    const status = await nagios.waitForStatus(
      (s) => s.downtimes.filter((d) => d.comment === comment).length === FED.length,
      40_000,
      'a downtime on every fed slave',
    );
    const mine = status.downtimes.filter((d) => d.comment === comment);
    expect(mine.map((d) => d.host).sort()).toEqual(FED);
    // Not 30d2h: the typed length replaced the default.
    for (const d of mine) expect(Math.round((d.end - d.start) / 1000)).toBe(THIRTY_DAYS);
    const screen = await term.until((s) => s.includes('30d downtime on 4 slaves'), 'the progress');
    // The filter holds the pattern alone: the Enter ended it, as typed.
    expect(screen).toMatch(/\/talos-r3-fed {2}showing 4 of 10/);
  }, 90_000);

  it('keeps pasted newlines and escape sequences out of the filter and the comment', async () => {
    term.burst('u', 'Escape', 'Escape');
    await term.until((s) => s.includes('showing 10 of 10') && !/\d+ marked/.test(s), 'no marks');
    term.burst('/');
    await term.until((s) => s.includes('type to filter'), 'the filter prompt');
    // A paste holding a newline, colour, a clear-screen and a title change.
    term.paste('talos-r3-snow\n\x1b[31m\x1b[2J\x1b]0;pwned\x07');
    // Still filtering: the pasted newline was no Enter.
    await term.until((s) => /\/talos-r3-snow▏ {2}showing 6 of 10/.test(s), 'the pasted filter');
    expect(term.title()).not.toBe('pwned');
    term.burst('Enter', 'a', 'd', 'Left', 'Enter');
    await term.until((s) => /▸ comment/.test(s), 'the comment field');
    term.paste('rack 4\r\npower\x1b[2J work\n');
    await term.until((s) => s.includes('rack 4 power work▏'), 'the pasted comment');
    term.burst('Enter', 'Enter');
    const status = await nagios.waitForStatus(
      (s) => s.downtimes.filter((d) => d.comment === 'rack 4 power work').length === SNOW.length,
      40_000,
      'the pasted comment in Nagios',
    );
    expect(
      status.downtimes
        .filter((d) => d.comment === 'rack 4 power work')
        .map((d) => d.host)
        .sort(),
    ).toEqual(SNOW);
    expect(term.capture()).toContain('● connected as jdoe (operator)');
  }, 90_000);
});
