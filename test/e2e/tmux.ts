// A real terminal for end-to-end tests: a detached tmux session on a private socket, keys in, screen out.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { available } from '../support/requires.js';

export function hasTmux(): boolean {
  const present = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
  return available('tmux', present, 'apt-get install tmux');
}

/** Quotes one word for the POSIX shell tmux runs the session's command with. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface Terminal {
  /** The visible screen as text (with SGR escapes when asked). */
  capture(escapes?: boolean): string;
  /** Sends keys one at a time, as a person types: tmux key names (Enter, Escape, Space, C-c) or literal text. */
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  /**
   * Sends a whole sequence at full speed, in one send-keys: tmux key names (Enter, Left) and
   * literal words (a pattern, a comment), as a fast typist or a paste gives them.
   */
  burst(...keys: string[]): void;
  /** Sends text exactly as given (CR, LF and escapes included) in one send-keys -l. */
  burstLiteral(text: string): void;
  /** Pastes text as a terminal does: bracketed when the program asked for it (tmux paste-buffer -p). */
  paste(text: string): void;
  /** Polls the screen until the check passes. */
  until(check: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  resize(columns: number, rows: number): void;
  /** tmux's arguments that reach this terminal's server (`-L socket`), for commands of its own. */
  tmuxArgs(): string[];
  /** The pane's title, as the programs in it set it (OSC 0/2). */
  title(): string;
  /** The pid of the command running in the terminal (a child of the pane's shell). */
  commandPid(): number;
  close(): void;
}

const KEY_NAMES = new Set([
  'Enter',
  'Escape',
  'Space',
  'C-c',
  'Up',
  'Down',
  'PageUp',
  'PageDown',
  'BSpace',
  'Tab',
  'BTab',
  'Left',
  'Right',
]);

export function openTerminal(
  command: string[],
  opts: { columns?: number; rows?: number } = {},
): Terminal {
  const socket = `corral-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  // `env -u CI`: Ink prints only its final frame when CI is set, and CI sets it.
  const shell = `env -u CI ${command.map(shellQuote).join(' ')}; echo "CORRAL-EXIT=$?"; sleep 600`;
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    'e2e',
    '-x',
    String(opts.columns ?? 120),
    '-y',
    String(opts.rows ?? 40),
    shell,
  );
  const capture = (escapes = false) =>
    tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'e2e');
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    capture,
    async press(...keys) {
      for (const key of keys) {
        if (KEY_NAMES.has(key)) tmux('send-keys', '-t', 'e2e', key);
        else tmux('send-keys', '-t', 'e2e', '-l', key);
        await pause(120);
      }
    },
    async type(text) {
      for (const ch of text) await this.press(ch);
    },
    burst(...keys) {
      tmux('send-keys', '-t', 'e2e', ...keys);
    },
    burstLiteral(text) {
      tmux('send-keys', '-t', 'e2e', '-l', text);
    },
    paste(text) {
      tmux('set-buffer', '-b', 'e2e-paste', '--', text);
      tmux('paste-buffer', '-p', '-d', '-b', 'e2e-paste', '-t', 'e2e');
    },
    async until(check, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = capture();
        if (check(screen)) return screen;
        if (Date.now() > deadline) {
          throw new Error(`the terminal never showed ${what}; it shows:\n${screen}`);
        }
        await pause(100);
      }
    },
    commandPid() {
      const shell = Number(tmux('list-panes', '-t', 'e2e', '-F', '#{pane_pid}').trim());
      // The shell's child, found in /proc (no procps needed): field 4 of /proc/PID/stat is the parent.
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid === shell) return Number(entry);
        } catch {
          // the process ended while we looked
        }
      }
      throw new Error(`no command is running in the terminal (shell ${shell})`);
    },
    title() {
      return tmux('display-message', '-p', '-t', 'e2e', '#{pane_title}').trim();
    },
    resize(columns, rows) {
      tmux('resize-window', '-t', 'e2e', '-x', String(columns), '-y', String(rows));
    },
    tmuxArgs() {
      return ['-L', socket];
    },
    close() {
      spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    },
  };
}
