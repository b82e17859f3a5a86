import type { FetchNode, PlanNode, ResponsePath } from '@apollo/query-planner';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, isAbstractType, isObjectType } from 'graphql';
import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphEndpoint } from '../supergraph/build-supergraph.js';
import type { SubgraphClient, SubgraphResponse } from '../subgraph-client/types.js';
import {
  applyRewrites,
  deepMerge,
  isObject,
  type JsonObject,
  compileRepresentationSelector,
  type RepresentationSelector,
  representationKey,
  type TypeMatcher,
} from './fetch-data.js';
import { shapeResult } from './result-shaping.js';
import type { ExecutePlanInput, PlanExecutor } from './types.js';

/**
 * A step of a response path, linked to its parent: collecting the objects under a Flatten node then
 * allocates one small node per step instead of copying a path array per object. Paths are materialised
 * only when an error needs one.
 */
interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: string | number;
}

/** An object in the merged response that a fetch writes into, with its path for error mapping. */
interface Target {
  readonly object: JsonObject;
  readonly path: PathNode | undefined;
}

function pathOf(node: PathNode | undefined, rest: readonly (string | number)[] = []): ResponsePath {
  const path: ResponsePath = [];
  for (let at = node; at !== undefined; at = at.parent) path.push(at.key);
  path.reverse();
  for (const key of rest) path.push(key);
  return path;
}

export interface AtriumExecutorOptions {
  readonly apiSchema: GraphQLSchema;
  /** The supergraph as a graphql-js schema: type conditions in plans may name types hidden from the API. */
  readonly supergraphSchema: GraphQLSchema;
  readonly subgraphs: ReadonlyMap<string, SubgraphEndpoint>;
  readonly client: SubgraphClient;
  readonly logger?: Logger;
}

/**
 * Atrium's plan executor. It walks the plan — Sequence nodes in order, Parallel nodes concurrently,
 * Flatten nodes over every object at their path — sends each Fetch node as one subgraph request (entity
 * fetches as one `_entities` call with deduplicated representations), merges each answer into one
 * response tree in place, and finally shapes that tree to the client's selection.
 */
export function createAtriumExecutor(options: AtriumExecutorOptions): PlanExecutor {
  const matches = typeMatcher(options.supergraphSchema);
  // Plans are cached, so their fetch nodes are too: compile each node's representation selector once.
  const selectors = new WeakMap<FetchNode, RepresentationSelector>();
  const selectorOf = (fetch: FetchNode): RepresentationSelector => {
    let selector = selectors.get(fetch);
    if (!selector) {
      selector = compileRepresentationSelector(fetch.requires!, matches);
      selectors.set(fetch, selector);
    }
    return selector;
  };
  return {
    async execute(input) {
      const data: JsonObject = {};
      const errors: GraphQLError[] = [];
      const run = new PlanRun(options, input, errors, matches, selectorOf);
      const root = input.plan.node;
      if (root?.kind === 'Subscription') {
        throw new AtriumError('BAD_REQUEST', 'subscriptions are not supported by this gateway');
      }
      if (root) await run.node(root, [{ object: data, path: undefined }]);
      const shaped = shapeResult({
        schema: options.apiSchema,
        document: input.document,
        operation: input.operation,
        variables: input.variables,
        data,
        errors,
      });
      return shaped.errors.length > 0 ? { data: shaped.data, errors: shaped.errors } : { data: shaped.data };
    },
  };
}

class PlanRun {
  constructor(
    private readonly options: AtriumExecutorOptions,
    private readonly input: ExecutePlanInput,
    private readonly errors: GraphQLError[],
    private readonly matches: TypeMatcher,
    private readonly selectorOf: (fetch: FetchNode) => RepresentationSelector,
  ) {}

  async node(node: PlanNode, targets: readonly Target[]): Promise<void> {
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.node(child, targets);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.node(child, targets)));
        return;
      case 'Flatten':
        await this.node(node.node, collectTargets(targets, node.path));
        return;
      case 'Fetch':
        await (node.requires ? this.entityFetch(node, targets) : this.rootFetch(node, targets));
        return;
      case 'Condition': {
        const branch = this.input.variables[node.condition] === true ? node.ifClause : node.elseClause;
        if (branch) await this.node(branch, targets);
        return;
      }
      case 'Defer':
        throw new AtriumError('BAD_REQUEST', '@defer is not supported by this gateway');
    }
  }

  private async rootFetch(fetch: FetchNode, targets: readonly Target[]): Promise<void> {
    const response = await this.send(fetch, this.fetchVariables(fetch));
    if (!response) return;
    const { data, errors } = response.body;
    if (isObject(data)) {
      if (fetch.outputRewrites) applyRewrites(data, fetch.outputRewrites, this.matches);
      for (const target of targets) deepMerge(target.object, data);
    }
    for (const error of errors ?? []) {
      this.errors.push(subgraphError(error, fetch.serviceName, error.path ? pathOf(targets[0]?.path, error.path) : undefined));
    }
  }

  private async entityFetch(fetch: FetchNode, targets: readonly Target[]): Promise<void> {
    const representations: JsonObject[] = [];
    const targetsOf: Target[][] = [];
    const indexOf = new Map<string, number>();
    const select = this.selectorOf(fetch);
    for (const target of targets) {
      const representation = select(target.object);
      if (!representation) continue;
      if (fetch.inputRewrites) applyRewrites(representation, fetch.inputRewrites, this.matches);
      const key = representationKey(representation);
      let index = indexOf.get(key);
      if (index === undefined) {
        index = representations.length;
        indexOf.set(key, index);
        representations.push(representation);
        targetsOf.push([]);
      }
      targetsOf[index]!.push(target);
    }
    if (representations.length === 0) return;

    const response = await this.send(fetch, { ...this.fetchVariables(fetch), representations });
    if (!response) return;
    const { data, errors } = response.body;
    for (const error of errors ?? []) {
      const [first, index, ...rest] = error.path ?? [];
      const hits = first === '_entities' && typeof index === 'number' ? targetsOf[index] : undefined;
      if (hits) {
        for (const target of hits) this.errors.push(subgraphError(error, fetch.serviceName, pathOf(target.path, rest)));
      } else {
        this.errors.push(subgraphError(error, fetch.serviceName, undefined));
      }
    }
    const entities = isObject(data) ? data._entities : undefined;
    if (!Array.isArray(entities)) {
      if (!errors?.length) {
        this.fail(fetch, new AtriumError('SUBGRAPH_BAD_RESPONSE', `subgraph "${fetch.serviceName}" answered an entity fetch without _entities`));
      }
      return;
    }
    for (let i = 0; i < targetsOf.length; i++) {
      const entity = entities[i];
      if (!isObject(entity)) continue;
      if (fetch.outputRewrites) applyRewrites(entity, fetch.outputRewrites, this.matches);
      for (const target of targetsOf[i]!) deepMerge(target.object, entity);
    }
  }

  private fetchVariables(fetch: FetchNode): Record<string, unknown> {
    const variables: Record<string, unknown> = {};
    for (const name of fetch.variableUsages ?? []) {
      const value = this.input.variables[name];
      if (value !== undefined) variables[name] = value;
    }
    return variables;
  }

  /** Sends one fetch; on failure records an error naming the subgraph and returns undefined. */
  private async send(fetch: FetchNode, variables: Record<string, unknown>): Promise<SubgraphResponse | undefined> {
    const endpoint = this.options.subgraphs.get(fetch.serviceName);
    if (!endpoint) {
      this.fail(fetch, new AtriumError('INTERNAL_SERVER_ERROR', `the plan names unknown subgraph "${fetch.serviceName}"`));
      return undefined;
    }
    try {
      return await this.options.client.fetch(
        {
          subgraph: fetch.serviceName,
          url: endpoint.url,
          operationKind: fetch.operationKind as 'query' | 'mutation' | 'subscription',
          body: { query: fetch.operation, operationName: fetch.operationName, variables },
          headers: {},
        },
        { context: this.input.context as RequestContext, signal: this.input.signal },
      );
    } catch (error) {
      this.fail(fetch, error);
      return undefined;
    }
  }

  private fail(fetch: FetchNode, error: unknown): void {
    if (error instanceof AtriumError) {
      this.errors.push(
        new GraphQLError(error.message, {
          extensions: { ...error.extensions, code: error.code, serviceName: fetch.serviceName },
        }),
      );
      return;
    }
    this.options.logger?.error({ err: error, subgraph: fetch.serviceName }, 'executor: fetch failed unexpectedly');
    this.errors.push(
      new GraphQLError(`fetch from subgraph "${fetch.serviceName}" failed`, {
        extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: fetch.serviceName },
      }),
    );
  }
}

/** A subgraph's GraphQL error, re-pathed into the client's response, its subgraph-side locations dropped. */
function subgraphError(error: GraphQLFormattedError, serviceName: string, path: ResponsePath | undefined): GraphQLError {
  const message = typeof error.message === 'string' && error.message ? error.message : `error from subgraph "${serviceName}"`;
  return new GraphQLError(message, {
    path,
    extensions: { code: 'SUBGRAPH_ERROR', ...error.extensions, serviceName },
  });
}

/**
 * Every object at `path` below the targets. `@` steps into each element of a list; null, missing and
 * non-object values are skipped (there is nothing to join).
 */
function collectTargets(targets: readonly Target[], path: ResponsePath): Target[] {
  const out: Target[] = [];
  const walk = (value: unknown, index: number, at: PathNode | undefined): void => {
    if (index === path.length) {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) walk(value[i], index, { parent: at, key: i });
      } else if (isObject(value)) {
        out.push({ object: value, path: at });
      }
      return;
    }
    const step = path[index]!;
    if (step === '@') {
      if (Array.isArray(value)) for (let i = 0; i < value.length; i++) walk(value[i], index + 1, { parent: at, key: i });
      return;
    }
    if (!isObject(value)) return;
    walk(value[step as string], index + 1, { parent: at, key: step });
  };
  for (const target of targets) walk(target.object, 0, target.path);
  return out;
}

/** `typename` satisfies `typeCondition` when they are equal or `typeCondition` is an abstract supertype. */
function typeMatcher(schema: GraphQLSchema): TypeMatcher {
  const memo = new Map<string, boolean>();
  return (typeCondition, typename) => {
    if (typeof typename !== 'string') return false;
    if (typeCondition === typename) return true;
    const key = `${typeCondition}\u0000${typename}`;
    let result = memo.get(key);
    if (result === undefined) {
      const condition = schema.getType(typeCondition);
      const type = schema.getType(typename);
      result = isAbstractType(condition) && isObjectType(type) && schema.isSubType(condition, type);
      memo.set(key, result);
    }
    return result;
  };
}
