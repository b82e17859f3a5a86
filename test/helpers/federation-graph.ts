import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import { type RunningGateway, type StartGatewayOptions, startGateway } from '../../gateway/start-gateway.js';
import { loadSupergraphSdl } from '../../gateway/supergraph/load-supergraph.js';
import { type RunningSubgraph, serveDemoSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import type { TestSubgraphDefinition } from './custom-gateway.js';
import { type GraphQLHttpResult, type GraphQLRequestBody, postGraphQL } from './demo-gateway.js';

/** One gateway over a {@link FederationGraph}'s subgraphs, with its own engine settings. */
export interface FederationGateway {
  readonly gateway: RunningGateway;
  send(body: GraphQLRequestBody, headers?: Readonly<Record<string, string>>): Promise<GraphQLHttpResult>;
}

export interface FederationGraph {
  /** The composed supergraph SDL (written to `dir/supergraph.graphql`). */
  readonly supergraphSdl: string;
  readonly dir: string;
  readonly subgraphs: Record<string, RunningSubgraph>;
  /**
   * Starts a gateway over the graph with `config` (gateway.yaml as an object; server defaults to port 0)
   * and, optionally, the progressive-override roll of its engines.
   */
  startGateway(config: Record<string, unknown>, options?: Pick<StartGatewayOptions, 'overrideRandom' | 'plugins'>): Promise<FederationGateway>;
  /** Closes every gateway it started, then the subgraphs. */
  close(): Promise<void>;
}

/**
 * Serves test-only subgraphs over real HTTP (each with a request log), composes them once with the
 * gateway's own composition, and starts as many gateways over them as a test needs (one per planner and
 * executor), so every variant answers from the same subgraphs.
 *
 * @example
 * const graph = await startFederationGraph(fixture.subgraphs);
 * const hive = await graph.startGateway({ engine: { planner: 'hive' } });
 */
export async function startFederationGraph(definitions: readonly TestSubgraphDefinition[]): Promise<FederationGraph> {
  const dir = await mkdtemp(join(tmpdir(), 'atrium-federation-'));
  const running: RunningSubgraph[] = [];
  const gateways: RunningGateway[] = [];
  const close = async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await Promise.all(running.map((subgraph) => subgraph.close()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const lines = ['federation_version: 2', 'subgraphs:'];
    for (const definition of definitions) {
      const schema = buildSubgraphSchema({ typeDefs: parse(definition.sdl), resolvers: definition.resolvers as any });
      const subgraph = await serveDemoSubgraph({ name: definition.name, sdl: definition.sdl, schema, createContext: () => ({}), reset() {} });
      running.push(subgraph);
      await writeFile(join(dir, `${definition.name}.graphql`), definition.sdl);
      lines.push(`  ${definition.name}:`, `    routing_url: ${subgraph.url}`, '    schema:', `      file: ${definition.name}.graphql`);
    }
    await writeFile(join(dir, 'supergraph.yaml'), `${lines.join('\n')}\n`);
    const supergraphSdl = await loadSupergraphSdl({ kind: 'config', path: join(dir, 'supergraph.yaml') });
    await writeFile(join(dir, 'supergraph.graphql'), supergraphSdl);
    return {
      supergraphSdl,
      dir,
      subgraphs: Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph])),
      async startGateway(config, options = {}) {
        const gateway = await startGateway({
          ...options,
          config: parseConfig({ ...config, server: { port: 0, host: '127.0.0.1' } }, 'test gateway.yaml'),
          supergraph: { kind: 'file', path: join(dir, 'supergraph.graphql') },
          logger: createLogger({ level: 'silent' }),
          configDir: dir,
        });
        gateways.push(gateway);
        return {
          gateway,
          send: (body, headers = {}) => postGraphQL(gateway.url, body, headers),
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
