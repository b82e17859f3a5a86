import type { FetchDataKeyRenamer, FetchNode, PlanNode, ResponsePath } from '@apollo/query-planner';
import { DEFAULT_SUBGRAPH_ERROR_POLICY, type SubgraphErrorMapper, subgraphErrorMapper } from './subgraph-errors.js';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from '../request-context.js';
import type { SubgraphEndpoint } from '../supergraph/build-supergraph.js';
import type { SubgraphClient, SubgraphResponse } from '../subgraph-client/contracts.js';
import { CompiledPlans } from './compiled-plans.js';
import { ancestorsAt, contextVariables } from './context-arguments.js';
import { entityKeys } from './entity-keys.js';
import { applyRewrites, RepresentationIndex } from './entity-representations.js';
import { pathOf, Targets, typeMatcher } from './response-targets.js';
import { reservedResponseKeys } from './internal-aliases.js';
import { shapeResult } from './result-shaping.js';
import { deferLevels } from './defer-operation.js';
import { fetchPhases } from './defer-fetch-phases.js';
import { runIncrementally } from './incremental-execution.js';
import { type ExecutePlanInput, type PlanExecutor } from './planner-and-executor.js';
import { isObject, type JsonObject } from './json-merge.js';
import { AnswerOverlay, copyJson } from './answer-overlay.js';
import { type EntityBatchEntry, isEntityBatchFetch } from './entity-batch-fetch.js';

export interface AtriumExecutorOptions {
  readonly apiSchema: GraphQLSchema;
  /** The supergraph as a graphql-js schema: type conditions in plans may name types hidden from the API. */
  readonly supergraphSchema: GraphQLSchema;
  readonly subgraphs: ReadonlyMap<string, SubgraphEndpoint>;
  readonly client: SubgraphClient;
  readonly logger?: Logger;
  /** What of a subgraph's errors reaches the client. Default: message, path, `code` and `serviceName`. */
  readonly subgraphError?: SubgraphErrorMapper;
}

const defaultSubgraphError = subgraphErrorMapper(() => DEFAULT_SUBGRAPH_ERROR_POLICY);

/**
 * Atrium's plan executor. It walks the plan — Sequence nodes in order, Parallel nodes concurrently,
 * Flatten nodes over every object at their path — sends each Fetch node as one subgraph request (entity
 * fetches as `_entities` calls with deduplicated representations, several of them in one request for a
 * batched fetch), merges each answer into one response tree, and finally shapes that tree to the client's
 * selection. It never writes into a subgraph answer: one parse may be shared by every operation that waited
 * for the same deduplicated request, so what a run merges goes into its {@link AnswerOverlay}, and
 * rewrites work on copies.
 */
export function createAtriumExecutor(options: AtriumExecutorOptions): PlanExecutor {
  const compiled = new CompiledPlans(typeMatcher(options.supergraphSchema), entityKeys(options.supergraphSchema));
  // The engine plans with these aliases renamed (internal-aliases.ts); shaping reads them back.
  const reserved = reservedResponseKeys(options.supergraphSchema);
  return {
    async execute(input) {
      const data: JsonObject = {};
      const errors: GraphQLError[] = [];
      const failedFetchPaths: ResponsePath[] = [];
      const root = Targets.root(data);
      const overlay = new AnswerOverlay(data);
      const run = new PlanRun({ options, input, errors, compiled, root, overlay, failedFetchPaths });
      const node = input.plan.node;
      if (node?.kind === 'Subscription') {
        // One event of a subscription: the primary fetch's answer arrived over the subscription; `rest`
        // completes it (entity fetches to other subgraphs) like any query plan.
        if (!input.subscriptionEvent) {
          throw new AtriumError('SUBSCRIPTION_TRANSPORT_REQUIRED', 'a subscription plan runs once per event of its subscription');
        }
        run.mergeRootAnswer(node.primary, input.subscriptionEvent, root);
        if (node.rest) await run.node(node.rest, root);
      } else if (node) {
        await run.node(node, root);
      }
      const endShape = input.beginShape?.();
      const shaped = shapeResult({
        schema: options.apiSchema,
        document: input.document,
        operation: input.operation,
        variables: input.variables,
        data,
        overlay,
        errors,
        failedFetchPaths,
        reservedResponseKeys: reserved,
      });
      endShape?.();
      return shaped.errors.length > 0 ? { data: shaped.data, errors: shaped.errors } : { data: shaped.data };
    },
    async executeIncremental(input) {
      const node = input.plan.node;
      const { root: levels, maxLevel } = deferLevels(input.document, input.operation, input.variables);
      if (!node || node.kind === 'Subscription' || maxLevel === 0) return { initial: await this.execute(input) };
      const data: JsonObject = {};
      const failedFetchPaths: ResponsePath[] = [];
      const root = Targets.root(data);
      const overlay = new AnswerOverlay(data);
      const gate: PhaseGate = { phases: fetchPhases(node, levels), phase: 0, done: new Set() };
      return runIncrementally({
        input,
        schema: options.apiSchema,
        data,
        overlay,
        failedFetchPaths,
        maxLevel,
        reservedResponseKeys: reserved,
        async runPhase(phase, errors) {
          const run = new PlanRun({ options, input, errors, compiled, root, overlay, failedFetchPaths, gate: { ...gate, phase } });
          await run.node(node, root);
        },
      });
    },
  };
}

/** Which fetches a phase of an incremental run may send (defer-fetch-phases.ts); `done` is shared by all phases. */
interface PhaseGate {
  readonly phases: ReadonlyMap<FetchNode, number>;
  readonly phase: number;
  readonly done: Set<FetchNode>;
}

/** The representations one variable of an entity request carries, deduplicated. */
interface RepresentationList {
  readonly variable: string;
  readonly index: RepresentationIndex;
}

/** One entry of an entity request: its targets, and which of them are behind each representation index it contributed. */
interface EntityGroup {
  readonly entry: EntityBatchEntry;
  readonly targets: Targets;
  /** Indexes into `targets.objects`, per representation index. */
  readonly targetsOf: (number[] | undefined)[];
}

/** What one run of a plan (or one phase of an incremental run) works with. */
interface PlanRunParts {
  readonly options: AtriumExecutorOptions;
  readonly input: ExecutePlanInput;
  readonly errors: GraphQLError[];
  readonly compiled: CompiledPlans;
  readonly root: Targets;
  /** Where the run's merges go (the answers themselves are never written). */
  readonly overlay: AnswerOverlay;
  /** Paths of the objects failed fetches should have filled (see `ShapeInput.failedFetchPaths`). */
  readonly failedFetchPaths: ResponsePath[];
  /** In an incremental run: only the fetches of this phase and earlier ones not yet sent. */
  readonly gate?: PhaseGate;
}

class PlanRun {
  private readonly options: AtriumExecutorOptions;
  private readonly input: ExecutePlanInput;
  private readonly errors: GraphQLError[];
  private readonly compiled: CompiledPlans;
  private readonly root: Targets;
  private readonly overlay: AnswerOverlay;
  private readonly failedFetchPaths: ResponsePath[];
  private readonly gate: PhaseGate | undefined;

  constructor(parts: PlanRunParts) {
    ({
      options: this.options,
      input: this.input,
      errors: this.errors,
      compiled: this.compiled,
      root: this.root,
      overlay: this.overlay,
      failedFetchPaths: this.failedFetchPaths,
      gate: this.gate,
    } = parts);
  }

  private get subgraphError(): SubgraphErrorMapper {
    return this.options.subgraphError ?? defaultSubgraphError;
  }

  async node(node: PlanNode, targets: Targets): Promise<void> {
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.node(child, targets);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.node(child, targets)));
        return;
      case 'Flatten':
        await this.node(node.node, new Targets().collect(targets, this.compiled.path(node.path), this.compiled.matches, this.overlay));
        return;
      case 'Fetch':
        if (this.gate) {
          if ((this.gate.phases.get(node) ?? 0) > this.gate.phase || this.gate.done.has(node)) return;
          this.gate.done.add(node);
        }
        if (isEntityBatchFetch(node)) {
          // Batch paths start at the response root.
          const entries = node.entityBatch;
          await this.entityFetch(node, entries.map((entry) => this.targetsOfEntry(entry)));
        } else if (node.requires && node.contextRewrites?.length) {
          await this.contextEntityFetch(node, targets, node.contextRewrites);
        } else if (node.requires) {
          await this.entityFetch(node, [targets]);
        } else {
          await this.rootFetch(node, targets);
        }
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

  private targetsOfEntry(entry: EntityBatchEntry): Targets {
    const targets = new Targets();
    for (const path of entry.paths) targets.collect(this.root, this.compiled.path(path), this.compiled.matches, this.overlay);
    return targets;
  }

  private async rootFetch(fetch: FetchNode, targets: Targets): Promise<void> {
    const response = await this.send(fetch, this.fetchVariables(fetch), () => this.compiled.responseKeysOf(fetch).map((key) => pathOf(targets.firstPath(), [key])));
    if (response) this.mergeRootAnswer(fetch, response.body, targets);
  }

  /** Merges a root fetch's answer (or a subscription event) into the targets; its errors are re-pathed. */
  mergeRootAnswer(fetch: FetchNode, body: SubgraphResponse['body'], targets: Targets): void {
    const { errors } = body;
    let { data } = body;
    if (isObject(data)) {
      if (fetch.outputRewrites) {
        data = copyJson(data);
        applyRewrites(data, fetch.outputRewrites, this.compiled.matches);
      }
      for (const object of targets.objects) this.overlay.merge(object, data);
    }
    for (const error of errors ?? []) {
      this.errors.push(this.subgraphError(error, fetch.serviceName, error.path ? pathOf(targets.firstPath(), error.path) : undefined));
    }
  }

  /**
   * An entity fetch whose field arguments come from each entity's context (`@fromContext`): the targets
   * are grouped by the values their ancestors give (`context-arguments.ts`), and each group is one
   * request with those values as variables, all groups in parallel.
   */
  private async contextEntityFetch(fetch: FetchNode, targets: Targets, rewrites: readonly FetchDataKeyRenamer[]): Promise<void> {
    const groups = new Map<string, { variables: Record<string, unknown>; objects: JsonObject[]; paths: ResponsePath[] }>();
    const data = this.root.objects[0]!;
    for (let i = 0; i < targets.objects.length; i++) {
      const path = targets.pathOf(i);
      const variables = contextVariables(ancestorsAt(data, path, this.overlay), rewrites, this.compiled.matches, this.overlay);
      const key = JSON.stringify(variables);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { variables, objects: [], paths: [] }));
      group.objects.push(targets.objects[i]!);
      group.paths.push(path);
    }
    await Promise.all([...groups.values()].map((group) => this.entityFetch(fetch, [new Targets().add(group.objects, group.paths)], group.variables)));
  }

  /**
   * One subgraph request with an `_entities` selection per entry: `targetsPerEntry[i]` are the objects of
   * entry i. Representations are deduplicated per variable; each answer merges into every object that
   * gave its representation, and errors at `[alias, index, ...]` are re-pathed to those objects.
   */
  private async entityFetch(fetch: FetchNode, targetsPerEntry: readonly Targets[], extraVariables?: Record<string, unknown>): Promise<void> {
    const entries = this.compiled.entriesOf(fetch);
    const lists: RepresentationList[] = [];
    const groups: EntityGroup[] = [];
    let total = 0;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e]!;
      let list = lists.find((l) => l.variable === entry.representationsVariable);
      if (!list) lists.push((list = { variable: entry.representationsVariable, index: new RepresentationIndex(this.overlay) }));
      const targetsOf: (number[] | undefined)[] = [];
      const select = this.compiled.selector(entry, fetch.serviceName);
      const { inputRewrites } = entry;
      const rewrite = inputRewrites && ((representation: JsonObject) => applyRewrites(representation, inputRewrites, this.compiled.matches));
      const targets = targetsPerEntry[e]!;
      const { objects } = targets;
      for (let t = 0; t < objects.length; t++) {
        const index = list.index.add(objects[t]!, select, rewrite);
        if (index === undefined) continue;
        (targetsOf[index] ??= []).push(t);
        total++;
      }
      groups.push({ entry, targets, targetsOf });
    }
    if (total === 0) return;

    const variables = extraVariables ? { ...this.fetchVariables(fetch), ...extraVariables } : this.fetchVariables(fetch);
    for (const list of lists) variables[list.variable] = list.index.representations;
    const targetPaths = (of: readonly EntityGroup[]) => of.flatMap(({ targets, targetsOf }) => targetsOf.flatMap((hits) => (hits ?? []).map((t) => targets.pathOf(t))));
    const response = await this.send(fetch, variables, () => targetPaths(groups));
    if (!response) return;
    const { data, errors } = response.body;
    // Entries the subgraph answered nothing for: like a failed fetch, one error explains their nulls.
    const unanswered = groups.filter(({ entry }) => !Array.isArray(isObject(data) ? data[entry.alias] : undefined));
    const unansweredPaths = unanswered.length > 0 ? targetPaths(unanswered) : [];
    for (const path of unansweredPaths) this.failedFetchPaths.push(path);
    for (const error of errors ?? []) {
      const [alias, index, ...rest] = error.path ?? [];
      const group = typeof index === 'number' ? groups.find((g) => g.entry.alias === alias) : undefined;
      const hits = group?.targetsOf[index as number];
      if (group && hits) {
        for (const t of hits) this.errors.push(this.subgraphError(error, fetch.serviceName, pathOf(group.targets.pathOf(t), rest)));
      } else {
        this.errors.push(this.subgraphError(error, fetch.serviceName, unansweredPaths.length > 0 ? commonPrefix(unansweredPaths) : undefined));
      }
    }
    for (const { entry, targets, targetsOf } of groups) {
      const entities = isObject(data) ? data[entry.alias] : undefined;
      if (!Array.isArray(entities)) {
        if (!errors?.length) {
          const paths = targetPaths([{ entry, targets, targetsOf }]);
          this.fail(fetch, new AtriumError('SUBGRAPH_BAD_RESPONSE', `subgraph "${fetch.serviceName}" answered an entity fetch without ${entry.alias}`), commonPrefix(paths));
        }
        continue;
      }
      for (let i = 0; i < targetsOf.length; i++) {
        let entity = entities[i];
        const hits = targetsOf[i];
        if (!hits || !isObject(entity)) continue;
        if (entry.outputRewrites) {
          entity = copyJson(entity);
          applyRewrites(entity, entry.outputRewrites, this.compiled.matches);
        }
        for (const t of hits) this.overlay.merge(targets.objects[t]!, entity);
      }
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

  /**
   * Sends one fetch. On failure it records one error naming the subgraph, at the common path of the
   * objects the fetch should have filled (`failedPaths`), under which nulls then propagate silently, and
   * returns undefined.
   */
  private async send(fetch: FetchNode, variables: Record<string, unknown>, failedPaths: () => ResponsePath[]): Promise<SubgraphResponse | undefined> {
    const failed = (error: unknown) => {
      const paths = failedPaths();
      for (const path of paths) this.failedFetchPaths.push(path);
      this.fail(fetch, error, paths.length > 0 ? commonPrefix(paths) : undefined);
    };
    const endpoint = this.options.subgraphs.get(fetch.serviceName);
    if (!endpoint) {
      failed(new AtriumError('INTERNAL_SERVER_ERROR', `the plan names unknown subgraph "${fetch.serviceName}"`));
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
      failed(error);
      return undefined;
    }
  }

  private fail(fetch: FetchNode, error: unknown, path: ResponsePath | undefined): void {
    if (error instanceof AtriumError) {
      this.errors.push(
        new GraphQLError(error.message, {
          path,
          extensions: { ...error.extensions, code: error.code, serviceName: fetch.serviceName },
        }),
      );
      return;
    }
    this.options.logger?.error({ err: error, subgraph: fetch.serviceName }, 'executor: fetch failed unexpectedly');
    this.errors.push(
      new GraphQLError(`fetch from subgraph "${fetch.serviceName}" failed`, {
        path,
        extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: fetch.serviceName },
      }),
    );
  }
}

/**
 * The longest path all `paths` start with — the one path a failed fetch's error carries (the list field
 * its entities sit in, or the one object); the first path when they share no field.
 */
function commonPrefix(paths: readonly ResponsePath[]): ResponsePath {
  const [first = []] = paths;
  let length = first.length;
  for (const path of paths) {
    let i = 0;
    while (i < length && i < path.length && path[i] === first[i]) i++;
    length = i;
  }
  return length > 0 ? first.slice(0, length) : first;
}
