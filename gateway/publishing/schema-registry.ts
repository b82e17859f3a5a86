import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ComposeInput } from '../supergraph/compose.js';
import { overlaySubgraphs, type SubgraphOverlay } from '../supergraph/supergraph-provider.js';
import type { SubgraphCheckReport } from './check-subgraph.js';
import type { CheckRunner } from './check-off-thread.js';
import type { PublishedSubgraph, RegistrySnapshot, RegistryStore } from './registry-store.js';

/** A proposed version of one subgraph. */
export interface SubgraphCandidate {
  readonly name: string;
  readonly sdl: string;
  readonly url: string;
  /** The file the SDL came from; composition errors name it. */
  readonly sourceName: string;
  readonly allowBreaking?: boolean;
}

export type PublishOutcome =
  | { readonly kind: 'published'; readonly version: PublishedSubgraph; readonly report: SubgraphCheckReport }
  | { readonly kind: 'refused'; readonly report: SubgraphCheckReport };

/** One subgraph as the gateway composes it: published, or only in supergraph.yaml. */
export interface LiveSubgraph {
  readonly name: string;
  readonly url: string;
  readonly source: 'registry' | 'supergraph.yaml';
  readonly version?: number;
  readonly publishedAt?: string;
}

export interface SchemaRegistry {
  /** Checks and, when every check passes, stores the candidate as the subgraph's next live version. */
  publish(candidate: SubgraphCandidate): Promise<PublishOutcome>;
  /** Runs the publish checks without storing anything. */
  check(candidate: SubgraphCandidate): Promise<SubgraphCheckReport>;
  /** Publishes an earlier version's SDL and URL again, as a new version, after the same checks. */
  rollback(options: { name: string; version: number; allowBreaking?: boolean }): Promise<PublishOutcome>;
  list(): Promise<{ revision: number; subgraphs: LiveSubgraph[] }>;
  history(name: string): Promise<readonly PublishedSubgraph[]>;
  /** The published subgraphs as the supergraph provider's overlay (their changes trigger reloads). */
  readonly overlay: SubgraphOverlay;
  close(): Promise<void>;
}

/** How many times a publish re-runs its checks when another change was committed first. */
const MAX_ATTEMPTS = 8;

/**
 * The schema registry of one gateway: checks candidates against the live subgraphs (supergraph.yaml with
 * the published versions over it) and commits accepted ones to the store. Publishes are serialized: in this
 * process by a queue, across processes by the store's compare-and-set on the revision — a publish that lost
 * the race re-runs its checks against the state that won, so two changes that conflict can never both go
 * live. A refused candidate writes nothing.
 *
 * @example
 * const registry = createSchemaRegistry({ store, baseSubgraphs: () => loadBase(), checks, logger });
 * const outcome = await registry.publish({ name: 'products', sdl, url: 'http://products:4002/graphql', sourceName: 'products.graphql' });
 */
export function createSchemaRegistry(options: {
  store: RegistryStore;
  /** The subgraphs of supergraph.yaml (read again for every check, so edits to it count). */
  baseSubgraphs(signal?: AbortSignal): Promise<readonly ComposeInput[]>;
  /** Runs the checks of one candidate (check-off-thread.ts: in a thread of its own). */
  check: CheckRunner;
  logger: Logger;
}): SchemaRegistry {
  const { store, logger } = options;
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => {});
    return next;
  };
  let loadedRevision: number | undefined;

  const liveSubgraphs = async (snapshot: RegistrySnapshot) =>
    overlaySubgraphs(await options.baseSubgraphs(), Object.values(snapshot.subgraphs).map(toComposeInput));

  const runChecks = async (snapshot: RegistrySnapshot, candidate: SubgraphCandidate) =>
    options.check({
      live: await liveSubgraphs(snapshot),
      candidate: { name: candidate.name, url: candidate.url, sdl: candidate.sdl, sourceName: candidate.sourceName },
      allowBreaking: candidate.allowBreaking,
    });

  const commitChecked = (candidate: SubgraphCandidate, rollbackOf?: number): Promise<PublishOutcome> =>
    serialized(async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const snapshot = await store.read();
        const report = await runChecks(snapshot, candidate);
        if (!report.ok) {
          logger.info({ subgraph: candidate.name, report: summary(report) }, 'registry: refused a schema');
          return { kind: 'refused', report };
        }
        const version: PublishedSubgraph = {
          name: candidate.name,
          version: (snapshot.subgraphs[candidate.name]?.version ?? 0) + 1,
          sdl: candidate.sdl,
          url: candidate.url,
          sourceName: candidate.sourceName,
          publishedAt: new Date().toISOString(),
          ...(rollbackOf !== undefined && { rollbackOf }),
        };
        if (await store.commit(snapshot.revision, version)) {
          logger.info({ subgraph: version.name, version: version.version, rollbackOf }, 'registry: published');
          return { kind: 'published', version, report };
        }
        logger.debug({ subgraph: candidate.name, attempt }, 'registry: another change came first, checking again');
      }
      throw new AtriumError('REGISTRY_CONFLICT', `the registry kept changing during ${MAX_ATTEMPTS} attempts to publish ${candidate.name}; try again`);
    });

  return {
    publish: (candidate) => commitChecked(candidate),

    async check(candidate) {
      return runChecks(await store.read(), candidate);
    },

    async rollback({ name, version, allowBreaking }) {
      const target = (await store.history(name)).find((entry) => entry.version === version);
      if (!target) throw new AtriumError('NOT_FOUND', `subgraph ${name} has no published version ${version}`);
      return commitChecked({ name, sdl: target.sdl, url: target.url, sourceName: target.sourceName, allowBreaking }, version);
    },

    async list() {
      const snapshot = await store.read();
      const base = await options.baseSubgraphs();
      const published = Object.values(snapshot.subgraphs);
      const subgraphs: LiveSubgraph[] = overlaySubgraphs(base, published.map(toComposeInput)).map((input) => {
        const entry = snapshot.subgraphs[input.name];
        return entry
          ? { name: input.name, url: entry.url, source: 'registry', version: entry.version, publishedAt: entry.publishedAt }
          : { name: input.name, url: input.url, source: 'supergraph.yaml' };
      });
      return { revision: snapshot.revision, subgraphs };
    },

    history: (name) => store.history(name),

    overlay: {
      async current() {
        const snapshot = await store.read();
        loadedRevision = snapshot.revision;
        return Object.values(snapshot.subgraphs).map(toComposeInput);
      },
      watch(onChange) {
        let reported: number | undefined;
        return store.watch((revision) => {
          // Polls repeat the revision until the reload has read it: report each new one once.
          if (revision === loadedRevision || revision === reported) return;
          reported = revision;
          onChange(`registry revision ${revision}`);
        });
      },
    },

    close: () => store.close(),
  };
}

/** Composition errors of a published version name it as `registry:<name>@<version>` plus its file. */
function toComposeInput(entry: PublishedSubgraph): ComposeInput {
  return { name: entry.name, url: entry.url, sdl: entry.sdl, sourceName: `${entry.sourceName} (registry ${entry.name}@${entry.version})` };
}

function summary(report: SubgraphCheckReport) {
  return {
    compositionErrors: report.compositionErrors.length,
    breaking: report.changes.filter((change) => change.severity === 'breaking').map((change) => change.message),
    checkProblems: report.checkProblems,
  };
}
