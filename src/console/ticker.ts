// The console's clock: ticks the store on each whole second of the server's clock,
// so a slave crosses from ok to late to dead on screen at the right second.
import type { ConsoleStore } from './store.js';

export function startTicker(store: ConsoleStore, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const serverNow = now() + store.getState().offsetMs;
    // A few ms past the boundary, so the tick lands in the new second.
    timer = setTimeout(run, 1000 - (serverNow % 1000) + 5);
  };
  const run = () => {
    store.getState().tick(now());
    schedule();
  };
  schedule();
  return () => clearTimeout(timer);
}
