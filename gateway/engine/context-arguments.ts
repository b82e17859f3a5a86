import type { FetchDataKeyRenamer } from '@apollo/query-planner';
import {
  type DocumentNode,
  type GraphQLSchema,
  isAbstractType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { TypeMatcher } from './entity-representations.js';
import { isObject, type JsonObject } from './json-merge.js';
import { type AnswerOverlay, fieldOf } from './answer-overlay.js';

/**
 * `@context` / `@fromContext` (federation 2.8): a field argument filled by the gateway from a field of an
 * ancestor object (`total(currency: String @fromContext(field: "$userContext { currency }"))`). The
 * supergraph marks such fields with `@join__field(contextArguments: …)`; Apollo's planner fetches the
 * context's field and gives the entity fetch `contextRewrites` (`KeyRenamer`s with paths such as
 * `["..", "... on User", "currency"]`) that say where each object's value is; the executor sends one
 * request per distinct set of values (`contextGroups`).
 */

const FRAGMENT_PREFIX = '... on ';
const PARENT = '..';

/** `Type.field` coordinates of the supergraph's fields with contextual arguments (empty for most graphs). */
export function contextArgumentFields(supergraphSdl: string): ReadonlySet<string> {
  const found = new Set<string>();
  if (!supergraphSdl.includes('contextArguments')) return found;
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) continue;
    for (const field of definition.fields ?? []) {
      const contextual = field.directives?.some(
        (directive) => directive.name.value === 'join__field' && directive.arguments?.some((argument) => argument.name.value === 'contextArguments'),
      );
      if (contextual) found.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return found;
}

/**
 * The first field of `document` that has contextual arguments (`Type.field`), or `undefined`. On an
 * abstract parent, a field counts when any possible type's field has them.
 */
export function selectedContextField(document: DocumentNode, schema: GraphQLSchema, fields: ReadonlySet<string>): string | undefined {
  if (fields.size === 0) return undefined;
  let found: string | undefined;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (found) return false;
        const parent = typeInfo.getParentType();
        if (!parent) return undefined;
        const names = isAbstractType(parent) ? schema.getPossibleTypes(parent).map((type) => type.name) : [parent.name];
        const hit = names.map((name) => `${name}.${node.name.value}`).find((coordinate) => fields.has(coordinate));
        if (hit) found = hit;
        return undefined;
      },
    }),
  );
  return found;
}

/**
 * The value of one context rewrite for an entity: `ancestors` are the objects from the response root
 * down to the entity (list levels skipped), `..` steps up one of them, `... on T` keeps going only when
 * the object is a T, and a field name reads that field. `undefined` when the path does not apply.
 */
function contextValue(ancestors: readonly JsonObject[], path: readonly string[], matches: TypeMatcher, overlay: AnswerOverlay | undefined): unknown {
  let depth = ancestors.length - 1;
  let value: unknown = ancestors[depth];
  for (const element of path) {
    if (element === PARENT) {
      depth--;
      if (depth < 0) return undefined;
      value = ancestors[depth];
    } else if (element.startsWith(FRAGMENT_PREFIX)) {
      if (!isObject(value) || !matches(element.slice(FRAGMENT_PREFIX.length), fieldOf(overlay, value, '__typename'))) return undefined;
    } else {
      if (!isObject(value)) return undefined;
      value = fieldOf(overlay, value, element);
    }
  }
  return value;
}

/**
 * The variables one entity's context gives its fetch: for each `renameKeyTo`, the first rewrite whose path
 * applies (one rewrite per type that may carry the context); `null` when none does. Objects are read
 * through `overlay` (what the plan run merged into its answers; answer-overlay.ts) when given.
 */
export function contextVariables(
  ancestors: readonly JsonObject[],
  rewrites: readonly FetchDataKeyRenamer[],
  matches: TypeMatcher,
  overlay?: AnswerOverlay,
): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const rewrite of rewrites) {
    if (variables[rewrite.renameKeyTo] !== undefined) continue;
    const value = contextValue(ancestors, rewrite.path, matches, overlay);
    variables[rewrite.renameKeyTo] = value === undefined ? null : value;
  }
  return variables;
}

/**
 * The objects from `root` down to the object at `path` (a response path), list indices skipped: what
 * `..` in a context rewrite climbs; read through `overlay` when given.
 */
export function ancestorsAt(root: JsonObject, path: readonly (string | number)[], overlay?: AnswerOverlay): JsonObject[] {
  const ancestors: JsonObject[] = [root];
  let value: unknown = root;
  for (const key of path) {
    value = Array.isArray(value) || isObject(value) ? fieldOf(overlay, value, key) : undefined;
    if (isObject(value)) ancestors.push(value);
    else if (!Array.isArray(value)) break;
  }
  return ancestors;
}
