import type { FetchNode, ResponsePath } from '@apollo/query-planner';
import { Kind, parse, type SelectionSetNode } from 'graphql';
import { type EntityKeys, hasUsableKey } from './entity-keys.js';
import { compileRepresentationSelector, type RepresentationSelector, type TypeMatcher } from './entity-representations.js';
import type { JsonObject } from './json-merge.js';
import { type AnswerOverlay, fieldIn } from './answer-overlay.js';
import { compilePath } from './response-targets.js';
import { type EntityBatchEntry, isEntityBatchFetch } from './entity-batch-fetch.js';

/**
 * What the executor derives once per plan node (plans are cached, so their nodes are too): compiled
 * paths, compiled representation selectors, and an Apollo entity fetch seen as a one-entry batch.
 */
export class CompiledPlans {
  private readonly paths = new WeakMap<ResponsePath, ReturnType<typeof compilePath>>();
  private readonly selectors = new WeakMap<object, RepresentationSelector>();
  private readonly entries = new WeakMap<FetchNode, readonly EntityBatchEntry[]>();
  private readonly rootKeys = new WeakMap<FetchNode, readonly string[]>();

  constructor(
    readonly matches: TypeMatcher,
    private readonly keys: EntityKeys = new Map(),
  ) {}

  path(path: ResponsePath): ReturnType<typeof compilePath> {
    let steps = this.paths.get(path);
    if (!steps) this.paths.set(path, (steps = compilePath(path)));
    return steps;
  }

  /**
   * The representation selector of an entry of a fetch from `subgraph`. It builds no representation for
   * an object whose key fields are null or missing (see `hasUsableKey`): that entity is skipped, and its
   * fields from this fetch complete as null.
   */
  selector(entry: EntityBatchEntry, subgraph: string): RepresentationSelector {
    let selector = this.selectors.get(entry.requires);
    if (!selector) {
      selector = withUsableKeys(compileRepresentationSelector(entry.requires, this.matches), this.keys.get(subgraph));
      this.selectors.set(entry.requires, selector);
    }
    return selector;
  }

  /** The response keys a root fetch's operation selects at its root (where its failure's nulls land). */
  responseKeysOf(fetch: FetchNode): readonly string[] {
    let keys = this.rootKeys.get(fetch);
    if (!keys) {
      const found: string[] = [];
      const visit = (set: SelectionSetNode) => {
        for (const selection of set.selections) {
          if (selection.kind === Kind.FIELD) found.push(selection.alias?.value ?? selection.name.value);
          else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
        }
      };
      for (const definition of parse(fetch.operation, { noLocation: true }).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION) visit(definition.selectionSet);
      }
      keys = found.filter((key) => key !== '__typename');
      this.rootKeys.set(fetch, keys);
    }
    return keys;
  }

  /** An Apollo entity fetch (`requires`, one `_entities` over `$representations`) as batch entries. */
  entriesOf(fetch: FetchNode): readonly EntityBatchEntry[] {
    if (isEntityBatchFetch(fetch)) return fetch.entityBatch;
    let entries = this.entries.get(fetch);
    if (!entries) {
      const { requires = [], inputRewrites, outputRewrites } = fetch;
      entries = [{ alias: '_entities', representationsVariable: 'representations', paths: [], requires, inputRewrites, outputRewrites }];
      this.entries.set(fetch, entries);
    }
    return entries;
  }
}

function withUsableKeys(
  select: RepresentationSelector,
  keys: ReadonlyMap<string, readonly (readonly string[])[]> | undefined,
): RepresentationSelector {
  if (!keys) return select;
  const { flat } = select;
  if (!flat) return (object, overlay) => {
    const representation = select(object, overlay);
    return representation && hasUsableKey(representation, keys) ? representation : undefined;
  };
  const fromOf = new Map(flat.fields.map(({ from, to }) => [to, from]));
  // Called for every object an entity fetch reaches: plain loops, no closure per call.
  const usable = (object: JsonObject, overlay: AnswerOverlay | undefined): boolean => {
    const patch = overlay?.patchOf(object);
    const typeKeys = keys.get(fieldIn(patch, object, '__typename') as string);
    if (!typeKeys || typeKeys.length === 0) return true;
    for (const fields of typeKeys) if (keyIsSet(fields, fromOf, patch, object)) return true;
    return false;
  };
  const applies = (object: JsonObject, overlay?: AnswerOverlay) => flat.applies(object, overlay) && usable(object, overlay);
  return Object.assign((object: JsonObject, overlay?: AnswerOverlay) => (applies(object, overlay) ? select(object, overlay) : undefined), {
    flat: { applies, fields: flat.fields },
  });
}

/** Every field of one key (`@key(fields: ...)`) is in the representation `fromOf` builds from `object`, not null. */
function keyIsSet(
  fields: readonly string[],
  fromOf: ReadonlyMap<string, string>,
  patch: ReturnType<AnswerOverlay['patchOf']>,
  object: JsonObject,
): boolean {
  for (const field of fields) {
    const from = fromOf.get(field);
    if (from === undefined) return false;
    const value = fieldIn(patch, object, from);
    if (value === null || value === undefined) return false;
  }
  return true;
}
