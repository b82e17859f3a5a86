import {
  type DocumentNode,
  executeSync,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  GraphQLError,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  type GraphQLLeafType,
  isAbstractType,
  isEnumType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { activeDefer } from './defer-operation.js';
import { clientPathSegment, internalResponseKey, type ReservedResponseKeys } from './internal-aliases.js';
import { isObject, type JsonObject } from './json-merge.js';
import { type AnswerOverlay, copyJson, fieldIn, fieldOf } from './answer-overlay.js';
import { interned } from '../supergraph/one-byte-names.js';

/**
 * Result shaping: projects the merged subgraph data onto the client's selection — response names and
 * order, `__typename`, fragments and type conditions, `@skip`/`@include` — and applies null propagation
 * per the API schema (https://spec.graphql.org/October2021/#sec-Handling-Field-Errors). Fields the plan
 * fetched only for joins (keys, `@requires` inputs) are dropped here.
 */
export interface ShapeInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly data: JsonObject;
  /**
   * What the plan run merged into the subgraph answers `data` is made of, kept beside them (answer-overlay.ts):
   * shaping reads `data` through it.
   */
  readonly overlay?: AnswerOverlay;
  /** Errors from fetches; shaping appends its own. */
  readonly errors: GraphQLError[];
  /**
   * Response paths of objects a failed fetch should have filled. Its one error (with the fetch's path)
   * already explains every null below them, so their nulls propagate without an error each.
   */
  readonly failedFetchPaths?: readonly (readonly (string | number)[])[];
  /**
   * The supergraph's reserved response keys (`internal-aliases.ts`): a client alias among them was
   * renamed before planning, so its value sits under the internal key in `data` and in the paths of
   * `errors` and `failedFetchPaths`. Omitted: the data is keyed by the client's response names.
   */
  readonly reservedResponseKeys?: ReservedResponseKeys;
  /**
   * Incremental delivery: fragments with an active `@defer` are not shaped in place but listed here, one
   * per object they apply to, to be shaped later with {@link shapeDeferredFragment}.
   */
  readonly deferred?: PendingFragment[];
}

/** A deferred fragment on one object of the response, waiting for its data. */
export interface PendingFragment {
  /** Response path of the object, as the client names it. */
  readonly path: readonly (string | number)[];
  /** The same path in `data`'s keys (renamed aliases under their internal keys; see `reservedResponseKeys`). */
  readonly dataPath: readonly (string | number)[];
  readonly label: string | undefined;
  readonly type: GraphQLObjectType | GraphQLInterfaceType;
  /** The object in the merged subgraph data (filled further by later fetches). */
  readonly value: JsonObject;
  readonly owner: CollectedField;
}

/** One response key of a selection set for one runtime type, with the field nodes merged under it. */
interface CollectedField {
  readonly responseName: string;
  /** Where `data` holds the value: `responseName`, or its internal key when the alias was renamed. */
  readonly dataKey: string;
  readonly fieldName: string;
  /** How to complete the field's value; `undefined` for `__typename` and root introspection fields. */
  readonly completion: Completion | undefined;
  readonly fieldNodes: FieldNode[];
  readonly selectionSets: SelectionSetNode[];
}

/**
 * A field's output type, unwrapped once into plain data: completing a value then needs no graphql-js
 * type checks (`isNonNullType` & co. are slow when they fail, which most of them do).
 */
type Completion =
  | { readonly kind: 'leaf'; readonly nonNull: boolean; readonly type: GraphQLOutputType; readonly accepts: LeafCheck }
  | { readonly kind: 'list'; readonly nonNull: boolean; readonly type: GraphQLOutputType; readonly of: Completion }
  | { readonly kind: 'object'; readonly nonNull: boolean; readonly type: GraphQLOutputType; readonly object: GraphQLObjectType }
  | {
      readonly kind: 'abstract';
      readonly nonNull: boolean;
      readonly type: GraphQLOutputType;
      /** Runtime type by `__typename`, `null` when the name is not a possible type. Filled lazily. */
      readonly possible: Map<string, ShapedType | null>;
      readonly abstract: GraphQLAbstractType;
    };

const completions = new WeakMap<GraphQLOutputType, Completion>();

function completionOf(type: GraphQLOutputType): Completion {
  let completion = completions.get(type);
  if (completion) return completion;
  const nonNull = isNonNullType(type);
  const inner = nonNull ? type.ofType : type;
  if (isListType(inner)) {
    completion = { kind: 'list', nonNull, type, of: completionOf(inner.ofType) };
  } else if (isLeafType(inner)) {
    completion = { kind: 'leaf', nonNull, type, accepts: leafCheckOf(inner) };
  } else if (isAbstractType(inner)) {
    completion = { kind: 'abstract', nonNull, type, possible: new Map(), abstract: inner };
  } else {
    completion = { kind: 'object', nonNull, type, object: inner as GraphQLObjectType };
  }
  completions.set(type, completion);
  return completion;
}

type Owner = OperationDefinitionNode | CollectedField;

/**
 * The type an object is shaped as: its object type, or an interface when the subgraphs only told the
 * interface's name (see `#runtimeType`).
 */
type ShapedType = GraphQLObjectType | GraphQLInterfaceType;

/**
 * Collected fields per owner (operation or parent field) and runtime type. Owners are parsed document
 * nodes, and documents are cached by the HTTP layer, so the collection is computed once per document and
 * type — unless `@skip`/`@include` take variables, then it is computed per request.
 */
const collectedCache = new WeakMap<Owner, Map<string, CollectedField[]>>();
/** The same, with deferred fragments left out (incremental delivery); `deferredIn` lists those. */
const deferCollectedCache = new WeakMap<Owner, Map<string, CollectedField[]>>();
const deferredIn = new WeakMap<CollectedField[], readonly DeferredSelection[]>();
const variableDependent = new WeakSet<Owner>();
/** The owner a deferred fragment is shaped under, one per fragment node (so its collection is cached). */
const fragmentOwners = new WeakMap<SelectionSetNode, CollectedField>();

interface DeferredSelection {
  readonly label: string | undefined;
  readonly owner: CollectedField;
}

const INVALID: unique symbol = Symbol('null bubbles up');

/** `__typename` values: the interned, one-byte copy of each type's name (supergraph/one-byte-names.ts). */
const typenames = new WeakMap<ShapedType, string>();

function typenameOf(type: ShapedType): string {
  let name = typenames.get(type);
  if (name === undefined) typenames.set(type, (name = interned(type.name)));
  return name;
}

export function shapeResult(input: ShapeInput): { data: JsonObject | null; errors: GraphQLError[] } {
  const shaper = new Shaper(input);
  const data = shaper.shapeRoot();
  return { data, errors: clientErrors(input, input.errors) };
}

/** `errors` with their paths in the client's response names (see `ShapeInput.reservedResponseKeys`). */
export function clientErrors(input: Pick<ShapeInput, 'reservedResponseKeys'>, errors: GraphQLError[]): GraphQLError[] {
  return input.reservedResponseKeys ? errors.map(withClientPath) : errors;
}

/** `error` with its path in the client's response names (internal keys of renamed aliases undone). */
function withClientPath(error: GraphQLError): GraphQLError {
  const { path } = error;
  if (!path?.some((segment) => clientPathSegment(segment) !== segment)) return error;
  return new GraphQLError(error.message, {
    path: path.map(clientPathSegment),
    extensions: error.extensions,
    ...(error.originalError && { originalError: error.originalError }),
  });
}

/**
 * Shapes one deferred fragment on its object (after the fetches of its phase): its data, or null when
 * null propagation reached the fragment's object (a deferred fragment's errors stop at its boundary).
 * Fragments deferred inside it are listed in `input.deferred`.
 */
export function shapeDeferredFragment(input: ShapeInput, fragment: PendingFragment): JsonObject | null {
  return new Shaper(input).shapeFragment(fragment);
}

class Shaper {
  readonly #input: ShapeInput;
  readonly #fragments: Record<string, FragmentDefinitionNode>;
  readonly #path: (string | number)[] = [];

  constructor(input: ShapeInput) {
    this.#input = input;
    this.#fragments = fragmentsOf(input.document);
  }

  shapeRoot(): JsonObject | null {
    const { schema, operation } = this.#input;
    const rootType =
      operation.operation === 'mutation'
        ? schema.getMutationType()
        : operation.operation === 'subscription'
          ? schema.getSubscriptionType()
          : schema.getQueryType();
    if (!rootType) return null;
    const result = this.#shapeObject(rootType, this.#input.data, operation);
    return result === INVALID ? null : result;
  }

  shapeFragment(fragment: PendingFragment): JsonObject | null {
    this.#path.push(...fragment.dataPath);
    const result = this.#shapeObject(fragment.type, fragment.value, fragment.owner);
    return result === INVALID ? null : result;
  }

  #shapeObject(type: ShapedType, value: JsonObject, owner: Owner): JsonObject | typeof INVALID {
    const out: JsonObject = {};
    const fields = this.#collect(owner, type);
    const patch = this.#input.overlay?.patchOf(value);
    const deferred = this.#input.deferred && deferredIn.get(fields);
    if (deferred) {
      for (const fragment of deferred) {
        const dataPath = [...this.#path];
        const path = this.#input.reservedResponseKeys ? dataPath.map(clientPathSegment) : dataPath;
        this.#input.deferred!.push({ path, dataPath, label: fragment.label, type, value, owner: fragment.owner });
      }
    }
    for (const field of fields) {
      const { responseName } = field;
      if (field.fieldName === '__typename') {
        out[responseName] = typenameOf(type);
        continue;
      }
      if (field.completion === undefined) {
        out[responseName] = this.#introspect(field);
        continue;
      }
      this.#path.push(field.dataKey);
      const completed = this.#complete(field.completion, fieldIn(patch, value, field.dataKey), field, type);
      this.#path.pop();
      if (completed === INVALID) return INVALID;
      out[responseName] = completed;
    }
    return out;
  }

  #complete(completion: Completion, value: unknown, field: CollectedField, parent: ShapedType): unknown {
    const completed = value === null || value === undefined ? null : this.#completeValue(completion, value, field, parent);
    if (completed === null && completion.nonNull) {
      if (!this.#hasErrorAtOrBelowPath() && !this.#belowFailedFetch()) {
        const last = this.#path[this.#path.length - 1];
        const what =
          typeof last === 'number'
            ? `array element of type ${String((completion.type as { ofType: GraphQLOutputType }).ofType)} at index ${last}`
            : `field ${parent.name}.${field.fieldName}`;
        this.#addError(`Cannot return null for non-nullable ${what}.`);
      }
      return INVALID;
    }
    return completed;
  }

  /** Completes a non-null `value`; returns null (nulled here, error recorded) or the completed value. */
  #completeValue(completion: Completion, value: unknown, field: CollectedField, parent: ShapedType): unknown {
    switch (completion.kind) {
      case 'leaf': {
        const leaf = completion.accepts(value) ? value : this.#serializeLeaf(completion.type, value);
        // An object value (a JSON scalar) may be part of an answer other operations share, and response
        // hooks may write into the result: the client's answer gets a copy.
        return typeof leaf === 'object' && leaf !== null ? copyJson(leaf) : leaf;
      }
      case 'list': {
        if (!Array.isArray(value)) {
          this.#addError(`Invalid non-list value returned by subgraph for field ${parent.name}.${field.fieldName}.`);
          return null;
        }
        const out = new Array<unknown>(value.length);
        const patch = this.#input.overlay?.patchOf(value);
        for (let i = 0; i < value.length; i++) {
          this.#path.push(i);
          const item = this.#complete(completion.of, fieldIn(patch, value, i), field, parent);
          this.#path.pop();
          if (item === INVALID) return null;
          out[i] = item;
        }
        return out;
      }
      default: {
        if (!isObject(value)) {
          this.#addError(`Invalid non-object value returned by subgraph for field ${parent.name}.${field.fieldName}.`);
          return null;
        }
        const objectType = completion.kind === 'object' ? completion.object : this.#runtimeType(completion, fieldOf(this.#input.overlay, value, '__typename'));
        if (!objectType) {
          this.#addError(`Invalid __typename found for object at field ${parent.name}.${field.fieldName}.`);
          return null;
        }
        const shaped = this.#shapeObject(objectType, value, field);
        return shaped === INVALID ? null : shaped;
      }
    }
  }

  /**
   * The type to shape an abstract-typed value as. Normally the object type its `__typename` names. A
   * `__typename` naming an interface (the field's own, or one implementing it) is what an
   * `@interfaceObject` subgraph returns; a planner that did not ask another subgraph for the concrete
   * type (Hive's does not when the selection reads no `__typename` and no fragment on an object type)
   * leaves it, and the value is shaped as that interface: only fields and fragments the interface
   * satisfies apply, which is all such a selection has. For the same reason Hive's planner may not fetch
   * `__typename` at all; a value of an interface-typed field without one is shaped as that interface too.
   */
  #runtimeType(completion: Extract<Completion, { kind: 'abstract' }>, typename: unknown): ShapedType | undefined {
    if (typename === undefined && isInterfaceType(completion.abstract)) return completion.abstract;
    if (typeof typename !== 'string') return undefined;
    let resolved = completion.possible.get(typename);
    if (resolved === undefined) {
      const { schema } = this.#input;
      const named = schema.getType(typename);
      const own = named !== undefined && named === completion.abstract;
      resolved =
        (isObjectType(named) || isInterfaceType(named)) && (own || schema.isSubType(completion.abstract, named)) ? named : null;
      completion.possible.set(typename, resolved);
    }
    return resolved ?? undefined;
  }

  /**
   * A leaf value the fast check did not accept, serialized as graphql-js completes a leaf: a value the API
   * schema's type cannot represent — an enum value that is @inaccessible, or exists only in the answering
   * subgraph's enum — is a field error (null and an error at this path), never passed on.
   */
  #serializeLeaf(type: GraphQLOutputType, value: unknown): unknown {
    const named = (isNonNullType(type) ? type.ofType : type) as GraphQLLeafType;
    try {
      const serialized = named.serialize(value);
      if (serialized !== null && serialized !== undefined) return serialized;
      this.#addError(`Expected \`${named.name}.serialize(${JSON.stringify(value)})\` to return non-nullable value, returned: ${String(serialized)}`);
    } catch (error) {
      this.#addError((error as Error).message);
    }
    return null;
  }

  #collect(owner: Owner, type: ShapedType): CollectedField[] {
    const deferMode = this.#input.deferred !== undefined;
    const cache = deferMode ? deferCollectedCache : collectedCache;
    let byType = cache.get(owner);
    const cached = byType?.get(type.name);
    if (cached) return cached;
    const fields = new Map<string, CollectedField>();
    const deferred: DeferredSelection[] = [];
    const variables = this.#input.variables;
    const selectionSets = 'selectionSet' in owner && owner.kind === Kind.OPERATION_DEFINITION
      ? [owner.selectionSet]
      : (owner as CollectedField).selectionSets;
    let dependsOnVariables = false;
    const reserved = this.#input.reservedResponseKeys;
    const visit = (selectionSet: SelectionSetNode, visited: Set<string>): void => {
      for (const selection of selectionSet.selections) {
        if (selection.directives?.length) {
          if (selection.directives.some((d) => d.arguments?.some((a) => a.value.kind === Kind.VARIABLE))) {
            dependsOnVariables = true;
          }
          if (!this.#included(selection)) continue;
        }
        if (selection.kind === Kind.FIELD) {
          const responseName = selection.alias?.value ?? selection.name.value;
          const existing = fields.get(responseName);
          if (existing) {
            existing.fieldNodes.push(selection);
            if (selection.selectionSet) existing.selectionSets.push(selection.selectionSet);
            continue;
          }
          const fieldName = selection.name.value;
          fields.set(responseName, {
            responseName,
            dataKey: reserved ? internalResponseKey(selection, reserved) : responseName,
            fieldName,
            completion: completionOrUndefined(fieldName.startsWith('__') ? undefined : type.getFields()[fieldName]?.type),
            fieldNodes: [selection],
            selectionSets: selection.selectionSet ? [selection.selectionSet] : [],
          });
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (!this.#applies(selection.typeCondition?.name.value, type)) continue;
          const defer = deferMode ? activeDefer(selection.directives, variables) : undefined;
          if (defer) deferred.push({ label: defer.label, owner: fragmentOwner(selection.selectionSet) });
          else visit(selection.selectionSet, visited);
        } else {
          const name = selection.name.value;
          const fragment = this.#fragments[name];
          if (!fragment || visited.has(name)) continue;
          const defer = deferMode ? activeDefer(selection.directives, variables) : undefined;
          if (defer) {
            if (this.#applies(fragment.typeCondition.name.value, type)) deferred.push({ label: defer.label, owner: fragmentOwner(fragment.selectionSet) });
            continue;
          }
          visited.add(name);
          if (this.#applies(fragment.typeCondition.name.value, type)) visit(fragment.selectionSet, visited);
        }
      }
    };
    for (const selectionSet of selectionSets) visit(selectionSet, new Set());
    const collected = [...fields.values()];
    if (deferred.length > 0) deferredIn.set(collected, deferred);
    if (dependsOnVariables) {
      variableDependent.add(owner);
    } else if (!variableDependent.has(owner)) {
      if (!byType) {
        byType = new Map();
        cache.set(owner, byType);
      }
      byType.set(type.name, collected);
    }
    return collected;
  }

  #applies(typeCondition: string | undefined, type: ShapedType): boolean {
    if (typeCondition === undefined || typeCondition === type.name) return true;
    const condition = this.#input.schema.getType(typeCondition);
    return condition !== undefined && isAbstractType(condition) && this.#input.schema.isSubType(condition, type);
  }

  #included(node: FieldNode | { directives?: FieldNode['directives'] }): boolean {
    const variables = this.#input.variables as Record<string, unknown>;
    const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
    return include?.if !== false;
  }

  /** `__schema` / `__type` at the root: answered by graphql-js over the API schema, never by subgraphs. */
  #introspect(field: CollectedField): unknown {
    const { schema, document, operation, variables } = this.#input;
    const result = executeSync({
      schema,
      document: {
        kind: Kind.DOCUMENT,
        definitions: [
          { ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: field.fieldNodes } },
          ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION),
        ],
      },
      variableValues: variables as Record<string, unknown>,
    });
    for (const error of result.errors ?? []) this.#input.errors.push(error);
    return result.data?.[field.responseName] ?? null;
  }

  #hasErrorAtOrBelowPath(): boolean {
    const path = this.#path;
    return this.#input.errors.some((error) => {
      const errorPath = error.path;
      if (!errorPath || errorPath.length < path.length) return false;
      for (let i = 0; i < path.length; i++) if (errorPath[i] !== path[i]) return false;
      return true;
    });
  }

  #belowFailedFetch(): boolean {
    const path = this.#path;
    return (this.#input.failedFetchPaths ?? []).some((failed) => {
      if (failed.length > path.length) return false;
      for (let i = 0; i < failed.length; i++) if (failed[i] !== path[i]) return false;
      return true;
    });
  }

  #addError(message: string): void {
    this.#input.errors.push(new GraphQLError(message, { path: [...this.#path], extensions: { code: 'RESPONSE_VALIDATION_FAILED' } }));
  }
}

/** Whether a leaf value may be passed on as it is (the fast path); otherwise it goes through `serialize`. */
type LeafCheck = (value: unknown) => boolean;

const isString: LeafCheck = (value) => typeof value === 'string';
const BUILT_IN_CHECKS: Readonly<Record<string, LeafCheck>> = {
  String: isString,
  ID: isString,
  Boolean: (value) => typeof value === 'boolean',
  Int: (value) => Number.isInteger(value) && (value as number) <= 2147483647 && (value as number) >= -2147483648,
  Float: (value) => typeof value === 'number' && Number.isFinite(value),
};

/**
 * The fast check of a leaf type: the value names of an enum (of the API schema, so without @inaccessible
 * values), the JSON type of a built-in scalar; custom scalars are passed on as the subgraph sent them.
 */
function leafCheckOf(type: GraphQLLeafType): LeafCheck {
  if (isEnumType(type)) {
    const names = new Set(type.getValues().map((value) => value.name));
    return (value) => typeof value === 'string' && names.has(value);
  }
  return BUILT_IN_CHECKS[type.name] !== undefined && isSpecifiedScalarType(type) ? BUILT_IN_CHECKS[type.name]! : () => true;
}

function completionOrUndefined(type: GraphQLOutputType | undefined): Completion | undefined {
  return type === undefined ? undefined : completionOf(type);
}

/** The owner a deferred fragment's selections are collected under (cached per fragment node). */
function fragmentOwner(selectionSet: SelectionSetNode): CollectedField {
  let owner = fragmentOwners.get(selectionSet);
  if (!owner) {
    owner = { responseName: '', dataKey: '', fieldName: '', completion: undefined, fieldNodes: [], selectionSets: [selectionSet] };
    fragmentOwners.set(selectionSet, owner);
  }
  return owner;
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}
