import {
  type ASTVisitor,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  GraphQLError,
  type ValidationContext,
  visit,
} from 'graphql';

// @defer as Apollo Client and Apollo Router speak it (incremental delivery, `deferSpec=20220824`):
// https://github.com/graphql/graphql-wg/blob/main/rfcs/DeferStream.md. The planners plan the whole
// operation with the directive removed (Hive's planner ignores it, Apollo's needs its own option); the
// executor then runs the fetches the primary selection needs first (defer-fetch-phases.ts) and result
// shaping splits the deferred fragments off (result-shaping.ts, `defer` mode).

/** The `if` and `label` of an active `@defer`, or undefined when the selection is not deferred. */
export interface DeferArguments {
  readonly label: string | undefined;
}

/**
 * Whether `directives` hold an active `@defer` (`if` absent, true, or a variable that is not false), and
 * its label.
 */
export function activeDefer(
  directives: readonly DirectiveNode[] | undefined,
  variables: Readonly<Record<string, unknown>>,
): DeferArguments | undefined {
  const defer = directives?.find((directive) => directive.name.value === 'defer');
  if (!defer) return undefined;
  let label: string | undefined;
  for (const argument of defer.arguments ?? []) {
    const { value } = argument;
    if (argument.name.value === 'if') {
      const on = value.kind === Kind.BOOLEAN ? value.value : value.kind === Kind.VARIABLE ? variables[value.name.value] !== false : true;
      if (!on) return undefined;
    } else if (argument.name.value === 'label' && value.kind === Kind.STRING) {
      label = value.value;
    }
  }
  return { label };
}

/**
 * Validation rule of the incremental delivery RFC (graphql-js 17 has it as DeferStreamDirectiveLabelRule):
 * a `@defer`/`@stream` label is a string literal, and no two in a document are equal. A client tells the
 * payloads apart by their labels, so a label from a variable (which the gateway would drop) or a repeated
 * one is refused before anything runs (400 GRAPHQL_VALIDATION_FAILED).
 */
export function deferLabelRule(context: ValidationContext): ASTVisitor {
  const seen = new Set<string>();
  return {
    Directive(node) {
      if (node.name.value !== 'defer' && node.name.value !== 'stream') return;
      const label = node.arguments?.find((argument) => argument.name.value === 'label');
      if (!label) return;
      if (label.value.kind !== Kind.STRING) {
        context.reportError(new GraphQLError(`The label of @${node.name.value} must be a string written in the document, not a variable.`, { nodes: label }));
      } else if (seen.has(label.value.value)) {
        context.reportError(new GraphQLError(`The label of @${node.name.value} must be unique in the document: another @defer or @stream has the same label.`, { nodes: label }));
      } else {
        seen.add(label.value.value);
      }
    },
  };
}

/** What an operation asks of incremental delivery. */
export interface DeferUsage {
  /** Some fragment of the operation carries `@defer` (whatever its `if`). */
  readonly defers: boolean;
  /** Some field carries `@stream`. */
  readonly streams: boolean;
}

const usages = new WeakMap<DocumentNode, DeferUsage>();

/** Whether the document uses `@defer` or `@stream` anywhere (cached per document). */
export function deferUsage(document: DocumentNode): DeferUsage {
  let usage = usages.get(document);
  if (!usage) {
    let defers = false;
    let streams = false;
    visit(document, {
      Directive(node) {
        if (node.name.value === 'defer') defers = true;
        else if (node.name.value === 'stream') streams = true;
      },
    });
    usage = { defers, streams };
    usages.set(document, usage);
  }
  return usage;
}

const withoutDefer = new WeakMap<DocumentNode, DocumentNode>();

/**
 * The document with every `@defer` removed: what the planners plan (the whole operation, so the plan, its
 * cost estimate and its fetches cover deferred fragments too) and what a client that does not accept
 * multipart gets answered in one response. Cached per document; the same document when it has none.
 */
export function withoutDeferDirectives(document: DocumentNode): DocumentNode {
  if (!deferUsage(document).defers) return document;
  let stripped = withoutDefer.get(document);
  if (!stripped) {
    stripped = visit(document, {
      Directive(node) {
        return node.name.value === 'defer' ? null : undefined;
      },
    });
    withoutDefer.set(document, stripped);
  }
  return stripped;
}

/**
 * The operation's response keys as a tree, each with the least number of active `@defer` fragments it
 * sits in: 0 for the primary selection, 1 inside one deferred fragment, 2 inside a deferred fragment
 * nested in another, ... Type conditions are ignored (a key is merged over all of them), which can only
 * make a fetch run earlier than needed, never later.
 */
export interface DeferLevelNode {
  readonly level: number;
  readonly children: Map<string, DeferLevelNode>;
}

/** The defer levels of an operation's selections, and the deepest level (0: nothing is deferred). */
export function deferLevels(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): { root: DeferLevelNode; maxLevel: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let maxLevel = 0;
  const root: DeferLevelNode = { level: 0, children: new Map() };
  const walk = (set: SelectionSetNode, into: DeferLevelNode, level: number, visiting: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        let child = into.children.get(key);
        if (!child || child.level > level) {
          child = { level, children: child?.children ?? new Map() };
          into.children.set(key, child);
        }
        if (selection.selectionSet) walk(selection.selectionSet, child, level, visiting);
        continue;
      }
      const inner = level + (activeDefer(selection.directives, variables) ? 1 : 0);
      maxLevel = Math.max(maxLevel, inner);
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, into, inner, visiting);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        visiting.add(fragment.name.value);
        walk(fragment.selectionSet, into, inner, visiting);
        visiting.delete(fragment.name.value);
      }
    }
  };
  walk(operation.selectionSet, root, 0, new Set());
  return { root, maxLevel };
}
