// End to end, issue 18's tree closure: two operators (two consoles, two tokens) on a real collector
// wired to a real Nagios Core 4. A master goes down: the cause line names it within 5 s and C shows
// exactly its slaves; alice downtimes them while bob's confirmation on the same slaves says they
// are in her downtime; 1 then shows only the unhandled; bob's cancel limited to his own downtimes
// leaves hers; a reboot of the muted slaves says it did nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlaveView } from '../../src/domain/slave.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  waitFor,
  type RunningCollector,
} from '../support/collector.js';
import { hasNagios, type NagiosInstance } from '../support/nagios.js';
import { startWiredNagios } from '../support/wired-nagios.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
const BM05 = Array.from({ length: 8 }, (_, i) => `bm05-slave-${i}`);
const BM01 = Array.from({ length: 4 }, (_, i) => `bm01-slave-${i}`);
const ALICE = 'alice-token-e2e-0123456789abcd';
const BOB = 'bob-token-e2e-0123456789abcdef';
const CHECKER = 'checker-token-e2e-0123456789';
const node = process.execPath;
const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^[◆ ] +[?✖▲!↻✓] /.test(l));
const nameOf = (row: string) => row.split(/ +/)[3]!;
const namesOn = (screen: string) => rowsOf(screen).map(nameOf).sort();

describe.skipIf(!tmux || !hasNagios)('a tree closure, two operators, a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  const terms: Terminal[] = [];
  const auth = { authorization: `Bearer ${ALICE}` };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-tree-closure-'));
    ({ nagios, collector } = await startWiredNagios({
      dir,
      slaves: [
        ...BM05.map((s) => `{name: ${s}, pool: b-linux64, master: bm05}`),
        ...BM01.map((s) => `{name: ${s}, pool: t-fed, master: bm01}`),
      ],
      checker: CHECKER,
      tokens: [
        `  - {name: alice, role: operator, token: ${ALICE}}`,
        `  - {name: bob, role: operator, token: ${BOB}}`,
      ],
      extra: ['reboot:', '  methods:', '    - {name: hands, hands: true, argv: []}'],
    }));
    // Every slave started an hour ago; one of bm01's is critical on its own (a single failure).
    const at = new Date(Date.now() - 3600_000).toISOString();
    const beats = [...BM05, ...BM01].map((slave) => ({ slave, kind: 'start', at }));
    beats.push({ slave: 'bm01-slave-3', kind: 'critical', at: new Date().toISOString() });
    expect((await postJson(`${collector.url}/api/v1/heartbeats`, beats, auth)).status).toBe(202);
  }, 120_000);

  afterAll(async () => {
    for (const t of terms) t.close();
    await collector?.stop();
    collector?.cleanup();
    await nagios?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const consoleAs = async (token: string, who: string) => {
    const t = openTerminal([node, CORRAL_BIN, 'console', collector.url, '--token', token], {
      columns: 150,
      rows: 40,
    });
    terms.push(t);
    await t.until(
      (s) => s.includes(`● connected as ${who} (operator)`) && s.includes('showing 12 of 12'),
      `${who}'s console`,
      30_000,
    );
    return t;
  };
  /** The downtimes on each of bm05's slaves, by author, as the collector reads them from Nagios. */
  const downtimeAuthors = async () => {
    const { body } = await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`, auth);
    return body.slaves
      .filter((s) => BM05.includes(s.name))
      .map((s) =>
        s.mutes
          .filter((m) => m.kind === 'downtime')
          .map((m) => m.author)
          .sort()
          .join(','),
      );
  };

  it('plays the closure', async () => {
    const alice = await consoleAs(ALICE, 'alice');
    const bob = await consoleAs(BOB, 'bob');

    // bm05 goes down: its slaves say so.
    const message = 'cannot connect to master bm05:9010';
    const critical = BM05.map((slave) => ({ slave, kind: 'critical', message }));
    expect((await postJson(`${collector.url}/api/v1/heartbeats`, critical, auth)).status).toBe(202);
    await alice.until(
      (s) => s.includes(`bm05: 8 slaves critical since`) && s.includes(message),
      'the cause line',
      5_000,
    );
    await alice.press('C');
    const only = await alice.until((s) => s.includes('showing 8 of 12'), 'the cause filter');
    expect(namesOn(only)).toEqual(BM05);

    // Bob opens a downtime on the same slaves and leaves it on screen.
    await bob.until((s) => s.includes('bm05: 8 slaves critical'), "bob's cause line");
    await bob.press('C', 'a', 'd');
    await bob.until((s) => s.includes('Schedule a downtime on 8 slaves'), "bob's form");
    // Enter goes on to the field that still needs something: the comment.
    await bob.press('Enter');
    await bob.until((s) => s.includes('▸ comment'), "bob's comment field");
    await bob.type('bob: bm05');
    // Typed keys and Enter read together under load would be one string: wait for the text.
    await bob.until((s) => s.includes('bob: bm05▏'), "bob's comment");
    await bob.press('Enter');
    await bob.until((s) => s.includes('on 8 slaves?'), "bob's confirmation");
    expect(bob.capture()).not.toContain("alice's downtime");

    // Alice downtimes them.
    await alice.press('a', 'd');
    await alice.until((s) => s.includes('Schedule a downtime on 8 slaves'), "alice's form");
    // Enter goes on to the field that still needs something: the comment.
    await alice.press('Enter');
    await alice.until((s) => s.includes('▸ comment'), "alice's comment field");
    await alice.type('alice: bm05 is down');
    // Typed keys and Enter read together under load would be one string: wait for the text.
    await alice.until((s) => s.includes('alice: bm05 is down▏'), "alice's comment");
    await alice.press('Enter');
    await alice.until((s) => s.includes('on 8 slaves?'), "alice's confirmation");
    await alice.press('Enter');
    await alice.until(
      (s) => s.includes('✓ alice scheduled a 2h downtime on 8 slaves — 8 confirmed'),
      'her downtime confirmed by Nagios',
      60_000,
    );
    // Bob's open confirmation now says so, whose and until when.
    await bob.until(
      (s) => /8 already in alice's downtime until \d\d:\d\d \S+: alice: bm05 is down/.test(s),
      "alice's downtime in bob's confirmation",
      30_000,
    );
    // He sends his anyway: two downtimes on each.
    await bob.press('Enter');
    await bob.until((s) => s.includes('— 8 confirmed'), "bob's downtime confirmed", 60_000);
    await waitFor(async () => (await downtimeAuthors()).every((a) => a === 'alice,bob'), 30_000);

    // 1: only the unhandled problems are left, the lone critical of bm01.
    await alice.press('Escape');
    await alice.until((s) => s.includes('showing 12 of 12'), 'every slave again');
    await alice.press('1');
    const unhandled = await alice.until(
      (s) => s.includes('[unhandled problems]  showing 1 of 12'),
      'the unhandled problems',
    );
    expect(namesOn(unhandled)).toEqual(['bm01-slave-3']);

    // Bob cancels only his own downtimes: alice's stay.
    await bob.press('D');
    await bob.until((s) => s.includes('Cancel the downtimes'), "bob's cancel");
    await bob.until((s) => s.includes("removes alice's downtime"), 'whose it removes');
    await bob.press('o');
    await bob.until(
      (s) => s.includes('removes your downtime') && !s.includes("removes alice's"),
      'only his',
    );
    await bob.press('Enter');
    await waitFor(async () => (await downtimeAuthors()).every((a) => a === 'alice'), 60_000);

    // A reboot of the muted slaves: they are skipped, and the console says it did nothing.
    await bob.press('r');
    await bob.until((s) => s.includes('8 of them muted in Nagios: skipped'), 'the muted skipped');
    await bob.press('Enter');
    const done = await bob.until((s) => s.includes('○ did nothing: '), 'a reboot that did nothing');
    expect(done).not.toMatch(/✓ bob rebooted/);
  }, 300_000);

  it('the collector logged no errors', () => {
    expect(collector.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});
