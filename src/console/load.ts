// Loads the console with React's production build: the development build checks every render
// and costs frames. NODE_ENV must be set before React is first imported, hence this door.
import type { runConsole } from './run.js';

export async function loadConsole(): Promise<{ runConsole: typeof runConsole }> {
  process.env.NODE_ENV ??= 'production';
  return import('./run.js');
}
