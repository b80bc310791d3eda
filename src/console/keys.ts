// The console's one key dispatcher: terminal input split into keys (key-splitter.ts), each key
// looked up in the key table (key-table.ts) for the current mode and run. Testable without Ink.
import { KEY_TABLE, type Binding, type KeyOutcome } from './key-table.js';
import { IDLE, splitKeys, type KeyPress, type SplitterState } from './key-splitter.js';
import type { ConsoleStore } from './store.js';

export type { KeyOutcome } from './key-table.js';
export type { KeyPress } from './key-splitter.js';

/** One key: the first row of the mode that answers to it and does not pass it on runs. */
export function handleKey(store: ConsoleStore, input: string, key: KeyPress): KeyOutcome {
  const s = store.getState();
  // A notice is read by the time the next key comes: it goes (that key still does its job).
  if (s.mode === 'table' && s.notice !== null && !key.escape) s.setNotice(null);
  for (const row of KEY_TABLE) {
    if (row.mode !== 'any' && row.mode !== s.mode) continue;
    if (!row.keys.some((b) => matches(b, input, key))) continue;
    const outcome = row.run(store.getState(), input, key) ?? 'handled';
    if (outcome !== 'ignored') return outcome;
  }
  return 'ignored';
}

function matches(b: Binding, input: string, key: KeyPress): boolean {
  if ('char' in b) return input === b.char && !key.ctrl && !key.meta && !key.paste;
  if ('named' in b) return key[b.named] === true || (b.named === 'backspace' && !!key.delete);
  if ('ctrl' in b) return !!key.ctrl && input === b.ctrl;
  if ('text' in b) return input !== '' && !key.ctrl && !key.meta;
  return true;
}

/**
 * Terminal input to keys, each dispatched in order: what a fast typist or a paste sends in one
 * read (`/snow\r`, `d30d\t`) is every one of its keys, never text with an Enter inside. Keys after
 * a quit are dropped.
 */
export function createKeyInput(store: ConsoleStore): (chunk: string) => KeyOutcome {
  let state: SplitterState = IDLE;
  return (chunk) => {
    const split = splitKeys(state, chunk);
    state = split.state;
    let outcome: KeyOutcome = 'ignored';
    for (const { input, key } of split.keys) {
      const one = handleKey(store, input, key);
      if (one === 'quit') return 'quit';
      // A redraw waits for the chunk's other keys: the screen is drawn once, as they left it.
      if (one === 'redraw' || (one === 'handled' && outcome === 'ignored')) outcome = one;
    }
    return outcome;
  };
}
