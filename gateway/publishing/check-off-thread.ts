import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { ComposeInput } from '../supergraph/compose.js';
import { checkSubgraph, type SubgraphCheckReport } from './check-subgraph.js';
import { buildSchemaChecks, type SchemaCheckSettings } from './schema-checks.js';

/** One candidate to check against the live subgraphs. */
export interface CheckRequest {
  readonly live: readonly ComposeInput[];
  readonly candidate: ComposeInput;
  readonly allowBreaking?: boolean;
}

/** Runs the publish checks of one candidate ({@link checkSubgraph} with gateway.yaml's feature checks). */
export type CheckRunner = (request: CheckRequest) => Promise<SubgraphCheckReport>;

/** What check-worker.ts is started with. */
export interface CheckWorkerInput {
  readonly request: CheckRequest;
  readonly settings: SchemaCheckSettings;
  readonly configDir: string;
}

/** Heap of a check's thread: a candidate that needs more is refused, and the gateway's own heap is not touched. */
const CHECK_HEAP_MB = 2048;

/**
 * The publish checks of the admin API, in a thread of their own (check-worker.ts), one check at a time:
 * composing a candidate and building its API schema take seconds for a large schema (20,000 types: ~7 s),
 * which on the server thread stalled every client request for as long. A check whose thread fails (out of
 * memory, an exception) is a refused report that says so. Without the built worker file (tests that run
 * the TypeScript sources before `npm run build`) the checks run on the calling thread.
 *
 * @example
 * const check = createCheckRunner({ settings: config, configDir, logger });
 * const report = await check({ live, candidate, allowBreaking: false });
 */
export function createCheckRunner(options: { settings: SchemaCheckSettings; configDir: string; logger: Logger }): CheckRunner {
  const settings: SchemaCheckSettings = { rest: options.settings.rest, persistedDocuments: options.settings.persistedDocuments };
  const entry = checkWorkerEntry();
  if (entry === undefined) {
    options.logger.warn('registry: the check worker is not built (npm run build); publish checks run on the server thread');
    return async (request) => checkSubgraph({ ...request, checks: await buildSchemaChecks(settings, { configDir: options.configDir }) });
  }
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const input: CheckWorkerInput = { request, settings, configDir: options.configDir };
    const next = queue.then(() => checkInThread(entry, input, options.logger));
    queue = next.catch(() => {});
    return next;
  };
}

function checkInThread(entry: URL, input: CheckWorkerInput, logger: Logger): Promise<SubgraphCheckReport> {
  return new Promise((resolve) => {
    const worker = new Worker(entry, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: CHECK_HEAP_MB } });
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      logger.warn({ subgraph: input.request.candidate.name, reason }, 'registry: a schema check failed to run');
      const problem = { code: 'CHECK_FAILED', message: `the check could not run: ${reason}`, locations: [] };
      resolve({ ok: false, subgraph: input.request.candidate.name, allowBreaking: input.request.allowBreaking ?? false, compositionErrors: [problem], changes: [], checkProblems: [] });
    };
    worker.once('message', (report: SubgraphCheckReport) => {
      settled = true;
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', (error) => fail(error.message));
    worker.once('exit', (code) => fail(`its thread exited with code ${code}`));
  });
}

/**
 * check-worker.js beside this module in dist/ (from the server thread's bundle, dist/gateway/serve-bundle/,
 * `../publishing/` is the same folder), else in dist/ two folders up (this module run from its TypeScript
 * source in gateway/publishing/), else undefined.
 */
function checkWorkerEntry(): URL | undefined {
  const beside = new URL('../publishing/check-worker.js', import.meta.url);
  if (existsSync(beside)) return beside;
  const built = new URL('../../dist/gateway/publishing/check-worker.js', import.meta.url);
  return existsSync(built) ? built : undefined;
}
