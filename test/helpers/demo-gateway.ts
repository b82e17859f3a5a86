import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger, type Logger } from '../../gateway/logger.js';
import type { AtriumPlugin } from '../../gateway/plugins/plugin.js';
import { type RunningGateway, startGateway } from '../../gateway/start-gateway.js';
import { DEMO_SUBGRAPHS, findRepoRoot, type RunningSubgraph, startDemoSubgraphs } from '../../subgraphs/index.js';
import { tempDir } from './temp-dir.js';

/** The five demo subgraphs as `startDemoSubgraphs` returns them. */
export type DemoSubgraphs = Awaited<ReturnType<typeof startDemoSubgraphs>>;

export interface DemoGateway {
  readonly gateway: RunningGateway;
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  readonly subgraphs: Record<string, RunningSubgraph>;
  readonly supergraphConfigPath: string;
  /** POSTs one GraphQL request and returns status, headers and parsed body. */
  post(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLHttpResult>;
  /** POSTs one GraphQL request body as given (for `operationName`, or a body without `variables`). */
  send(body: GraphQLRequestBody, headers?: Record<string, string>): Promise<GraphQLHttpResult>;
  /** Closes the gateway, and the subgraphs unless they were passed in as `options.subgraphs`. */
  close(): Promise<void>;
}

export interface GraphQLRequestBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  body: any;
  /** The body exactly as received, for byte-level comparisons (key order included). */
  text: string;
}

export interface StartDemoGatewayOptions {
  /**
   * gateway.yaml content as an object (`server.port`/`host` default to 0 / 127.0.0.1; `authorization`
   * defaults to `{ mode: measure }` so the whole demo graph answers without credentials).
   */
  config?: Record<string, unknown>;
  /**
   * Subgraphs already started with `startDemoSubgraphs`: the gateway routes to them and leaves them running
   * on close, so several gateways (for example one per executor) can share one set of subgraphs.
   */
  subgraphs?: DemoSubgraphs;
  /**
   * Plugins instead of the ones the config turns on (`buildPlugins`): the helper passes
   * `withoutBuiltInPlugins: 'all'` with them, unless `withBuiltInPlugins` is set.
   */
  plugins?: readonly AtriumPlugin[];
  /** Add `plugins` to the configured built-ins, as a library user gets them, instead of replacing them. */
  withBuiltInPlugins?: boolean;
  /** Directory relative paths in the config resolve against. Default: the repository root. */
  configDir?: string;
  /** The gateway's logger. Default: silent. */
  logger?: Logger;
}

/**
 * Starts the five demo subgraphs on free ports (unless given) and the real gateway in this process over
 * them, composed from a supergraph.yaml that points at those ports (the way `npm start` does, minus the
 * processes).
 *
 * @example
 * const subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
 * const apollo = await startDemoGateway({ subgraphs, config: { engine: { executor: 'apollo' } } });
 */
export async function startDemoGateway(options: StartDemoGatewayOptions = {}): Promise<DemoGateway> {
  const ownsSubgraphs = options.subgraphs === undefined;
  const demo = options.subgraphs ?? (await startDemoSubgraphs({ host: '127.0.0.1' }));
  const { path: dir, remove: removeDir } = await tempDir('atrium-demo-');
  const closeOwned = async () => {
    if (ownsSubgraphs) await demo.close();
    await removeDir();
  };
  const root = findRepoRoot();
  const supergraphConfigPath = join(dir, 'supergraph.yaml');
  const lines = ['federation_version: 2', 'subgraphs:'];
  for (const name of DEMO_SUBGRAPHS) {
    lines.push(`  ${name}:`, `    routing_url: ${demo.urls[name]}`, '    schema:', `      file: ${join(root, 'schema', `${name}.graphql`)}`);
  }
  let gateway: RunningGateway;
  try {
    await writeFile(supergraphConfigPath, `${lines.join('\n')}\n`);
    const config = parseConfig(
      {
        // The demo schemas carry @authenticated/@requiresScopes/@policy. Tests of other features read the whole
        // demo graph without credentials, so authorization only measures here unless a test sets its mode.
        authorization: { mode: 'measure' },
        ...options.config,
        server: { port: 0, host: '127.0.0.1', ...(options.config?.server as object) },
      },
      'test gateway.yaml',
    );
    gateway = await startGateway({
      config,
      supergraph: { kind: 'config', path: supergraphConfigPath },
      logger: options.logger ?? createLogger({ level: 'silent' }),
      configDir: options.configDir ?? root,
      ...(options.plugins && { plugins: options.plugins, ...(!options.withBuiltInPlugins && { withoutBuiltInPlugins: 'all' as const }) }),
    });
  } catch (error) {
    await closeOwned();
    throw error;
  }
  const subgraphs = Object.fromEntries(demo.subgraphs.map((s) => [s.name, s]));
  const send = (body: GraphQLRequestBody, headers: Record<string, string> = {}) => postGraphQL(gateway.url, body, headers);
  return {
    gateway,
    url: gateway.url,
    subgraphs,
    supergraphConfigPath,
    post: (query, variables, headers) => send({ query, variables }, headers),
    send,
    async close() {
      await gateway.close();
      await closeOwned();
    },
  };
}

/**
 * POSTs one GraphQL request as JSON and reads the answer (the body parsed when there is one).
 *
 * @example const { status, body } = await postGraphQL(gateway.url, { query: '{ me { id } }' });
 */
export async function postGraphQL(url: string, body: GraphQLRequestBody, headers: Record<string, string> = {}): Promise<GraphQLHttpResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
}
