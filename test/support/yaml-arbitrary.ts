// fast-check arbitraries of YAML text for the config and inventory fuzz tests: loose pieces that
// reach the parser's corners, and trees with anchors and aliases (self-references, bombs).
import fc from 'fast-check';

/** Loose pieces of YAML, joined: broken and odd documents. */
export function yamlPieces(words: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(
      fc.constantFrom(
        ...words,
        ...[':', ': ', ' ', '\n', '\n  ', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '&b ', '*b'],
        ...['!!binary ', '!!set ', '"', "'", '#', '? ', '|', '>', '---', '~', 'null', '1', '-1.5'],
        ...['\t', '\u0000', '\u2028', 'é', '__proto__', '<<', '\r\n', '${HOME}', '${UNSET_X}'],
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join(''));
}

/** Well-formed flow YAML whose nodes may carry anchors and aliases, under the given keys. */
export function yamlTree(
  keys: readonly string[],
  scalars: readonly string[],
): fc.Arbitrary<string> {
  const { node } = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(...scalars, 'x', '1', '"a b"', 'null', '~'),
      fc.constantFrom('*a', '*b'),
      fc.tuple(fc.constantFrom('&a ', '&b '), tie('node')).map(([anchor, n]) => anchor + n),
      // An anchored list holding aliases: a self-reference when the names match.
      fc
        .tuple(fc.constantFrom('&a ', '&b '), fc.array(tie('node'), { minLength: 1, maxLength: 3 }))
        .map(([anchor, items]) => `${anchor}[${items.join(', ')}, *a]`),
      fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
      fc
        .uniqueArray(fc.tuple(fc.constantFrom(...keys), tie('node')), {
          maxLength: 4,
          selector: ([k]) => k,
        })
        .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    ),
  }));
  return node;
}
