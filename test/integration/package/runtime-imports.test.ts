// The release installs `dependencies` only: every package the built code imports, statically or
// lazily (commands load their heavy modules inside the action), must be one of them.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { expect, test } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../../..');

/** The package a bare specifier names: `ink`, `react/jsx-runtime` -> `react`, `@scope/x/y` -> `@scope/x`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
  ];
  return found.map((m) => m[1]!).filter((s) => !s.startsWith('.') && !s.startsWith('/'));
}

test('nothing under dist/ or bin/ imports a package that is not a run-time dependency', () => {
  const { dependencies } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const builtins = new Set(builtinModules);
  const files = [
    ...readdirSync(path.join(REPO, 'dist'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => path.join(REPO, 'dist', f)),
    path.join(REPO, 'bin', 'corral.js'),
  ];
  expect(files.length).toBeGreaterThan(50);
  const missing = new Set<string>();
  for (const file of files) {
    for (const specifier of importsOf(file)) {
      const name = specifier.replace(/^node:/, '');
      if (specifier.startsWith('node:') || builtins.has(packageOf(name))) continue;
      if (!(packageOf(specifier) in dependencies)) {
        missing.add(`${packageOf(specifier)} (${path.relative(REPO, file)})`);
      }
    }
  }
  expect([...missing]).toEqual([]);
});
