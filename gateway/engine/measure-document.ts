import {
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  Lexer,
  type SelectionSetNode,
  Source,
  TokenKind,
} from 'graphql';

/** What the operation limits look at, for the worst operation of a document. */
export interface DocumentMeasures {
  /** Deepest field nesting (a leaf field at the root is depth 1). */
  readonly depth: number;
  readonly aliases: number;
  readonly rootFields: number;
  readonly directives: number;
  /** Lexical tokens of the query text (punctuation, names, values; comments excluded). */
  readonly tokens: number;
  /**
   * Field selections once every fragment spread is expanded: what authorization filtering and planning
   * walk. Counted from memoized fragment sizes, never by expanding.
   */
  readonly selections: number;
  /**
   * Longest name of the text (alias, field, argument, variable, fragment, operation, type) or
   * `@defer`/`@stream` label, in characters: an answer repeats an alias or a label for every list item, and
   * a validation error names what it is about (one long variable name used by 100 operations was 100 errors
   * quoting it), so a long one multiplies the answer's size.
   */
  readonly longestName: number;
}

interface SetMeasures {
  depth: number;
  aliases: number;
  directives: number;
  /** Fields directly in the set, fragments at this level expanded. */
  fields: number;
  /** Fields in the whole subtree, fragments expanded. */
  selections: number;
  /** Longest `@defer`/`@stream` label in the subtree (a string, not a name token of the text). */
  longestLabel: number;
}

const measured = new WeakMap<DocumentNode, DocumentMeasures>();

const EMPTY = (): SetMeasures => ({ depth: 0, aliases: 0, directives: 0, fields: 0, selections: 0, longestLabel: 0 });

/**
 * Measures every operation of a parsed (not yet validated) document and returns the largest value of
 * each measure. Fragment spreads are expanded, so a fragment used twice counts twice, but each fragment
 * is measured once (memoized): a document of fragments that each spread the next one twice costs linear
 * time, not exponential, and reports the 2^k selections it would expand to. Cyclic spreads count as
 * empty (validation rejects them afterwards). Results are remembered per document object, which Apollo Server's document cache reuses across requests.
 *
 * @example
 * measureDocument(parse('{ a: me { id } b: me { id } }')); // { depth: 2, aliases: 2, rootFields: 2, directives: 0, tokens: 13, selections: 4, longestName: 2 }
 */
export function measureDocument(document: DocumentNode, source: string = document.loc?.source.body ?? ''): DocumentMeasures {
  const known = measured.get(document);
  if (known) return known;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const memo = new Map<string, SetMeasures | 'visiting'>();
  const fragmentMeasures = (name: string): SetMeasures => {
    const cached = memo.get(name);
    if (cached === 'visiting') return EMPTY();
    if (cached) return cached;
    const fragment = fragments.get(name);
    if (!fragment) return EMPTY();
    memo.set(name, 'visiting');
    const result = measureSet(fragment.selectionSet, fragmentMeasures);
    result.directives += fragment.directives?.length ?? 0;
    result.longestLabel = Math.max(result.longestLabel, longestLabel(fragment.directives));
    memo.set(name, result);
    return result;
  };
  let worst = { depth: 0, aliases: 0, rootFields: 0, directives: 0, selections: 0, longestLabel: 0 };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const set = measureSet(definition.selectionSet, fragmentMeasures);
    const directives = set.directives + (definition.directives?.length ?? 0) + variableDirectives(definition);
    worst = {
      depth: Math.max(worst.depth, set.depth),
      aliases: Math.max(worst.aliases, set.aliases),
      rootFields: Math.max(worst.rootFields, set.fields),
      directives: Math.max(worst.directives, directives),
      selections: Math.max(worst.selections, set.selections),
      longestLabel: Math.max(worst.longestLabel, set.longestLabel),
    };
  }
  // A fragment bomb's counts grow as 2^k and overflow to Infinity, which JSON cannot carry: report the
  // largest exact integer instead (still over every limit).
  const clamp = (n: number) => Math.min(n, Number.MAX_SAFE_INTEGER);
  const lexed = lexText(source);
  const result = {
    depth: worst.depth,
    aliases: clamp(worst.aliases),
    rootFields: clamp(worst.rootFields),
    directives: clamp(worst.directives),
    tokens: lexed.tokens,
    selections: clamp(worst.selections),
    // Aliases and operation names are name tokens of the text; labels are strings, found in the walk.
    longestName: Math.max(worst.longestLabel, lexed.longestName),
  };
  measured.set(document, result);
  return result;
}

function measureSet(set: SelectionSetNode, fragmentMeasures: (name: string) => SetMeasures): SetMeasures {
  const total: SetMeasures = EMPTY();
  for (const selection of set.selections) {
    total.directives += selection.directives?.length ?? 0;
    total.longestLabel = Math.max(total.longestLabel, longestLabel(selection.directives));
    let inner: SetMeasures;
    if (selection.kind === Kind.FIELD) {
      total.fields += 1;
      if (selection.alias) total.aliases += 1;
      inner = selection.selectionSet ? measureSet(selection.selectionSet, fragmentMeasures) : EMPTY();
      total.selections += 1 + inner.selections;
      total.depth = Math.max(total.depth, 1 + inner.depth);
      total.aliases += inner.aliases;
      total.directives += inner.directives;
      total.longestLabel = Math.max(total.longestLabel, inner.longestLabel);
      continue;
    }
    inner = selection.kind === Kind.INLINE_FRAGMENT ? measureSet(selection.selectionSet, fragmentMeasures) : fragmentMeasures(selection.name.value);
    total.depth = Math.max(total.depth, inner.depth);
    total.aliases += inner.aliases;
    total.directives += inner.directives;
    total.fields += inner.fields;
    total.selections += inner.selections;
    total.longestLabel = Math.max(total.longestLabel, inner.longestLabel);
  }
  return total;
}

/** The longest string `label` of the `@defer`/`@stream` directives among `directives`; 0 without one. */
function longestLabel(directives: readonly DirectiveNode[] | undefined): number {
  let longest = 0;
  for (const directive of directives ?? []) {
    if (directive.name.value !== 'defer' && directive.name.value !== 'stream') continue;
    for (const argument of directive.arguments ?? []) {
      if (argument.name.value === 'label' && argument.value.kind === Kind.STRING) longest = Math.max(longest, argument.value.value.length);
    }
  }
  return longest;
}

function variableDirectives(definition: DefinitionNode & { kind: Kind.OPERATION_DEFINITION }): number {
  let count = 0;
  for (const variable of definition.variableDefinitions ?? []) count += variable.directives?.length ?? 0;
  return count;
}

/**
 * Tokens as graphql-js's parser counts them for its `maxTokens` option (every lexed token but the start
 * and end markers; comments are skipped by `advance`). Text that does not lex stops the count where it
 * fails: the parser reports that text as a syntax error.
 *
 * @example
 * countTokens('{ me { id } }'); // 6
 */
export function countTokens(text: string): number {
  return lexText(text).tokens;
}

/** One pass of the lexer over the text: its tokens ({@link countTokens}) and its longest name token. */
function lexText(text: string): { tokens: number; longestName: number } {
  const lexer = new Lexer(new Source(text));
  let tokens = 0;
  let longestName = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens++;
      if (token.kind === TokenKind.NAME && token.end - token.start > longestName) longestName = token.end - token.start;
    }
  } catch {
    // a syntax error: parsing reports it
  }
  return { tokens, longestName };
}
