import {
  type DirectiveNode,
  type DocumentNode,
  getNamedType,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import { parseDuration } from '../../config/units.js';
import type { Logger } from '../../logger.js';
import type { LoadedSupergraph } from '../../supergraph/build-supergraph.js';
import { linkedDirectiveName } from '../../supergraph/linked-directive-name.js';

/**
 * The custom spec `@rateLimit` is linked from. Subgraphs import it and `@composeDirective` it (see
 * schema/orders.graphql); composition then keeps the link and the applications in the supergraph.
 */
export const RATE_LIMIT_SPEC_IDENTITY = 'https://atrium.dev/rateLimit';

/** `@rateLimit(max, window)` on one field. */
export interface FieldRateLimit {
  /** `Type.field` */
  readonly coordinate: string;
  readonly max: number;
  readonly windowMs: number;
}

/** The `@rateLimit` fields of a supergraph, by coordinate, and the supergraph's schema to walk operations. */
export interface RateLimitIndex {
  readonly limits: ReadonlyMap<string, FieldRateLimit>;
  readonly supergraph: LoadedSupergraph;
}

const indexes = new WeakMap<LoadedSupergraph, RateLimitIndex>();

/**
 * Reads every `@rateLimit(max: Int!, window: String!)` of a supergraph once. A directive with a window
 * that is not a duration (`"1m"`, `"30s"`) or a max below 1 is logged and left out.
 *
 * @example
 * rateLimitIndexOf(loaded, logger).limits.get('Mutation.createOrder'); // { coordinate: 'Mutation.createOrder', max: 5, windowMs: 60000 }
 */
export function rateLimitIndexOf(supergraph: LoadedSupergraph, logger: Logger): RateLimitIndex {
  let index = indexes.get(supergraph);
  if (index) return index;
  const limits = new Map<string, FieldRateLimit>();
  const name = linkedDirectiveName(supergraph.supergraph, RATE_LIMIT_SPEC_IDENTITY, 'rateLimit');
  const schema = supergraph.supergraph.schema.toGraphQLJSSchema();
  if (name !== undefined) {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const directive = field.astNode?.directives?.find((d) => d.name.value === name);
        if (!directive) continue;
        const args = new Map((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
        const coordinate = `${type.name}.${field.name}`;
        const max = args.get('max');
        const windowMs = parseDuration(args.get('window'));
        if (typeof max !== 'number' || max < 1 || windowMs === undefined || windowMs === 0) {
          logger.warn({ field: coordinate, max, window: args.get('window') }, 'rateLimit: ignoring @rateLimit with an invalid max or window');
          continue;
        }
        limits.set(coordinate, { coordinate, max, windowMs });
      }
    }
  }
  index = { limits, supergraph };
  indexes.set(supergraph, index);
  return index;
}

/**
 * How many times an operation selects each rate-limited field (each alias counts; fields skipped by
 * `@skip`/`@include` do not). Fields inside lists count once per selection, not per list item.
 *
 * @example
 * rateLimitedSelections(index, operation, document, {}); // Map { 'Mutation.createOrder' => 1 }
 */
export function rateLimitedSelections(
  index: RateLimitIndex,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
): Map<string, number> {
  const counts = new Map<string, number>();
  if (index.limits.size === 0) return counts;
  const schema = index.supergraph.apiSchema;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const skipped = (directives: readonly DirectiveNode[] | undefined) =>
    (directives ?? []).some((d) => {
      if (d.name.value !== 'skip' && d.name.value !== 'include') return false;
      const condition = d.arguments?.find((a) => a.name.value === 'if')?.value;
      const value = condition ? valueFromASTUntyped(condition, variables) === true : false;
      return d.name.value === 'skip' ? value : !value;
    });
  const visit = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined, depth: number) => {
    if (!parentType || depth > 200) return;
    for (const selection of selectionSet.selections) {
      if (skipped(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(parentType) && !isInterfaceType(parentType)) continue;
        const coordinate = `${parentType.name}.${selection.name.value}`;
        if (index.limits.has(coordinate)) counts.set(coordinate, (counts.get(coordinate) ?? 0) + 1);
        const field = parentType.getFields()[selection.name.value];
        if (selection.selectionSet && field) visit(selection.selectionSet, getNamedType(field.type), depth + 1);
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parentType;
        visit(fragment.selectionSet, condition ?? undefined, depth + 1);
      }
    }
  };
  visit(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined, 0);
  return counts;
}
