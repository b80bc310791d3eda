// YAML text to plain values within bounds: nesting, self-referencing aliases and alias bombs are
// refused with the key (or line) they happen at, where the yaml library alone would overflow the
// stack or name nothing. Used for corral.yaml and inventory files alike.
import {
  Composer,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  type CST,
  type Document,
  type Node,
} from 'yaml';

export interface YamlBounds {
  /** Deepest nesting of lists and maps accepted (the parser's recursion stays far from the stack's end). */
  maxDepth: number;
  /** How many nodes aliases may add in all once expanded: a few are handy, billions are an attack. */
  maxAliasNodes: number;
}

/** The value, or one line saying what is wrong and where (a key path or a line), without the file. */
export type YamlRead = { ok: true; value: unknown } | { ok: false; problem: string };

export function readBoundedYaml(text: string, bounds: YamlBounds): YamlRead {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = tooDeep(tokens, bounds.maxDepth);
  if (deep !== null) {
    return {
      ok: false,
      problem: `${where(lines, deep)}: nested deeper than ${bounds.maxDepth} levels`,
    };
  }
  const docs = [...new Composer().compose(tokens)];
  if (docs.length > 1) {
    return { ok: false, problem: 'holds several YAML documents (---): keep one' };
  }
  const doc = docs[0];
  if (doc === undefined) return { ok: true, value: null };
  const error = doc.errors[0];
  if (error !== undefined) {
    return {
      ok: false,
      problem: `not valid YAML: ${where(lines, error.pos[0])}: ${firstLine(error.message)}`,
    };
  }
  const aliasProblem = checkAliases(doc, bounds.maxAliasNodes);
  if (aliasProblem !== null) return { ok: false, problem: aliasProblem };
  try {
    // The library's own bound too, in case an expansion slips past the count above.
    return { ok: true, value: doc.toJS({ maxAliasCount: bounds.maxAliasNodes }) };
  } catch (err) {
    return { ok: false, problem: `cannot be read: ${firstLine((err as Error).message)}` };
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

function where(lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `line ${line}, column ${col}`;
}

/** The offset of the first collection nested deeper than `max`, walked without recursion. */
function tooDeep(tokens: readonly CST.Token[], max: number): number | null {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({
    token,
    depth: 0,
  }));
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { token, depth } = next;
    if (token.type === 'document') {
      if (token.value) stack.push({ token: token.value, depth });
      continue;
    }
    if (
      token.type !== 'block-map' &&
      token.type !== 'block-seq' &&
      token.type !== 'flow-collection'
    ) {
      continue;
    }
    if (depth + 1 > max) return token.offset;
    for (const item of token.items) {
      if ('key' in item && item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return null;
}

class AliasProblem extends Error {}

/**
 * Aliases in document order: one naming no earlier anchor, one inside what it names (a loop),
 * or the total they would expand to over the bound is refused, naming the key it is at.
 */
function checkAliases(doc: Document, maxNodes: number): string | null {
  const anchors = new Map<string, Node>();
  const sizes = new Map<unknown, number>();
  const ancestors = new Set<unknown>();
  let expanded = 0;

  // Returns the node's size once aliases are expanded; throws an AliasProblem to stop early.
  const walk = (node: unknown, at: string[]): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const key = at.join('.') || '(top level)';
      if (target === undefined) {
        throw new AliasProblem(
          `${key}: alias *${node.source} names no anchor before it (write &${node.source} first)`,
        );
      }
      if (ancestors.has(target)) {
        throw new AliasProblem(
          `${key}: alias *${node.source} refers to itself (an anchor cannot contain its own alias)`,
        );
      }
      const size = sizes.get(target) ?? 1;
      expanded += size;
      if (expanded > maxNodes) {
        throw new AliasProblem(
          `${key}: aliases expand to more than ${maxNodes} values (an alias bomb?): use fewer aliases`,
        );
      }
      return size;
    }
    if (node !== null && typeof node === 'object' && 'anchor' in node) {
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node as Node);
    }
    let size = 1;
    ancestors.add(node);
    if (isMap(node)) {
      for (const pair of node.items) size += walkPair(pair, at);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => (size += walk(item, [...at, String(i)])));
    }
    ancestors.delete(node);
    sizes.set(node, size);
    return size;
  };
  const walkPair = (pair: unknown, at: string[]): number => {
    if (!isPair(pair)) return 0;
    const name = isScalar(pair.key) ? String(pair.key.value) : '(key)';
    return walk(pair.key, at) + walk(pair.value, [...at, name]);
  };

  try {
    walk(doc.contents, []);
    return null;
  } catch (err) {
    if (err instanceof AliasProblem) return err.message;
    throw err;
  }
}
