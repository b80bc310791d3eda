// `corral hygiene`: what needs a decision about the fleet's mutes (a downtime ending on a slave
// still failing, a mute on a slave cycling normally, a park past review, a downtime corral did
// not make), one line each, or --json.
import type { Command } from 'commander';
import type { HygieneItem } from '../domain/protocol.js';
import {
  addCollectorOptions,
  collectorTarget,
  getJson,
  type CollectorFlags,
} from './collector-options.js';
import { printJson, printOut } from './output.js';

interface HygieneFlags extends CollectorFlags {
  json?: boolean;
}

/** What each kind is called in the list. */
const KIND_WORDS: Record<HygieneItem['kind'], string> = {
  'mute-ending': 'MUTE ENDING',
  'muted-healthy': 'MUTED HEALTHY',
  'review-due': 'REVIEW DUE',
  'foreign-downtime': 'NOT CORRAL',
};

export function register(program: Command): void {
  addCollectorOptions(
    program
      .command('hygiene')
      .description(
        'list what needs a decision: mutes ending on failing slaves, mutes on healthy ones, parks past review, downtimes corral did not make',
      )
      .option('--json', "print the collector's JSON ({serverTime, items}) for scripts"),
  ).action(async (flags: HygieneFlags) => {
    const body = await getJson<{ serverTime: string; items: HygieneItem[] }>(
      collectorTarget(flags),
      '/api/v1/hygiene',
    );
    if (flags.json) return printJson(body);
    printOut(hygieneText(body.items));
  });
}

/** One line an item, kind and slave in columns; a line saying so when there is nothing. */
export function hygieneText(items: readonly HygieneItem[]): string {
  if (items.length === 0) return 'nothing needs a decision';
  const kindWidth = Math.max(...items.map((i) => KIND_WORDS[i.kind].length));
  const slaveWidth = Math.max(...items.map((i) => i.slave.length));
  return items
    .map(
      (i) => `${KIND_WORDS[i.kind].padEnd(kindWidth)}  ${i.slave.padEnd(slaveWidth)}  ${i.detail}`,
    )
    .join('\n');
}
