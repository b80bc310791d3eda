// The folders of src/ depend one way (ARCHITECTURE.md, "Layers and dependency direction"): no folder
// imports one that imports it back, directly or through others. A type-only import counts too.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every relative specifier a file names: imports, re-exports, lazy imports, worker files. */
function relativeImportsOf(text: string): string[] {
  const found = [
    ...text.matchAll(/\bfrom\s+['"](\.[^'"]*)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"](\.[^'"]*)['"]\s*\)/g),
    ...text.matchAll(/^\s*import\s+['"](\.[^'"]*)['"]/gm),
    ...text.matchAll(/\bnew\s+URL\(\s*['"](\.[^'"]*)['"]\s*,\s*import\.meta\.url/g),
  ];
  return found.map((m) => m[1]!);
}

/** The top folder of src/ a path is in (`collector` for src/collector/x.ts), or null outside. */
function folderOf(file: string): string | null {
  const rel = path.relative(SRC, file);
  const [top, ...rest] = rel.split(path.sep);
  return rel.startsWith('..') || rest.length === 0 ? null : top!;
}

/** Folder -> folder -> the imports (file -> specifier) that make that edge. */
function folderEdges(): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.tsx?$/.test(f),
  );
  for (const rel of files) {
    const file = path.join(SRC, rel);
    const from = folderOf(file)!;
    for (const specifier of relativeImportsOf(readFileSync(file, 'utf8'))) {
      const to = folderOf(path.resolve(path.dirname(file), specifier));
      if (to === null || to === from) continue;
      const targets = edges.get(from) ?? new Map<string, string[]>();
      edges.set(from, targets);
      targets.set(to, [...(targets.get(to) ?? []), `${rel} -> ${specifier}`]);
    }
  }
  return edges;
}

/** Each folder pair where the first reaches the second and the second reaches it back: a path each way. */
function cyclesOf(graph: Map<string, Iterable<string>>): string[] {
  const pathTo = (from: string, to: string): string[] | null => {
    const seen = new Set([from]);
    const queue: string[][] = [[from]];
    for (let walk = queue.shift(); walk; walk = queue.shift()) {
      for (const next of graph.get(walk.at(-1)!) ?? []) {
        if (next === to) return [...walk, next];
        if (!seen.has(next)) {
          seen.add(next);
          queue.push([...walk, next]);
        }
      }
    }
    return null;
  };
  const cycles: string[] = [];
  const folders = [...graph.keys()].sort();
  for (const a of folders) {
    for (const b of folders) {
      if (a >= b) continue;
      const there = pathTo(a, b);
      const back = pathTo(b, a);
      if (there && back) cycles.push(`${there.join(' -> ')} and back ${back.join(' -> ')}`);
    }
  }
  return cycles;
}

test('the cycle check finds a folder imported back, directly and through others', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  expect(cyclesOf(graph({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
  expect(cyclesOf(graph({ a: ['b'], b: ['a'] }))).toEqual(['a -> b and back b -> a']);
  expect(cyclesOf(graph({ a: ['b'], b: ['c'], c: ['a'] }))).toContain(
    'a -> b -> c and back c -> a',
  );
});

test('no folder of src/ imports one that imports it back', () => {
  const edges = folderEdges();
  expect(edges.get('collector')?.has('domain')).toBe(true); // the walk sees imports at all
  const graph = new Map([...edges].map(([from, to]) => [from, [...to.keys()]]));
  const cycles = cyclesOf(graph);
  // On failure: the cycles, then every edge with the imports that make it.
  const shown = [...edges].flatMap(([from, to]) =>
    [...to].map(([folder, imports]) => `${from} -> ${folder}: ${imports.join(', ')}`),
  );
  expect(cycles, shown.sort().join('\n')).toEqual([]);
});
