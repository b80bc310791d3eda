// README's slave-side section copies blocks from docs/agent.md (the source the tests run): they stay identical.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const docs = readFileSync(path.join(root, 'docs/agent.md'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** Each fenced block right after a marker `<!-- PREFIX: NAME -->`, by name. */
function blocks(text: string, prefix: string): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = new RegExp(
    `<!-- ${prefix}: ([\\w-]+) -->\\s*\\n(\`\`\`[a-z]*\\n[\\s\\S]*?\\n\`\`\`)\\n`,
    'g',
  );
  for (const [, name, block] of text.matchAll(pattern)) found.set(name!, block!);
  return found;
}

describe("README's slave-side blocks", () => {
  const copies = blocks(readme, 'from docs/agent.md');
  const sources = new Map([...blocks(docs, 'tested'), ...blocks(docs, 'in README')]);

  it('has the sh and PowerShell hook lines, the systemd unit and the launchd plist', () => {
    expect([...copies.keys()]).toEqual([
      'sh-oneliner',
      'ps-oneliner',
      'systemd-unit',
      'launchd-plist',
    ]);
  });

  it('copies each exactly from docs/agent.md', () => {
    for (const [name, copy] of copies) expect(copy, name).toBe(sources.get(name));
  });

  it('has a copy of every block docs/agent.md marks as being in the README', () => {
    for (const name of blocks(docs, 'in README').keys()) expect(copies.has(name), name).toBe(true);
  });
});
