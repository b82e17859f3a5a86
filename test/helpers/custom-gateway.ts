import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createLogger } from '../../gateway/logger.js';
import { type RunningGateway, startGateway } from '../../gateway/start-gateway.js';
import { loadSupergraphSdl } from '../../gateway/supergraph/load-supergraph.js';
import { type RunningSubgraph, serveDemoSubgraph } from '../../subgraphs/shared/serve-demo-subgraph.js';
import { type GraphQLHttpResult, postGraphQL } from './demo-gateway.js';
import { tempDir } from './temp-dir.js';

/** A test-only subgraph: its SDL and resolvers. */
export interface TestSubgraphDefinition {
  readonly name: string;
  readonly sdl: string;
  readonly resolvers: Record<string, Record<string, (...args: any[]) => unknown>>;
}

export interface CustomGateway {
  readonly gateway: RunningGateway;
  readonly subgraphs: Record<string, RunningSubgraph>;
  /** The directory the config resolves relative paths against (write policy modules here). */
  readonly dir: string;
  post(query: string, headers?: Record<string, string>): Promise<GraphQLHttpResult>;
  close(): Promise<void>;
}

/**
 * Serves small test-only subgraphs over HTTP (each with a request log, like the demo ones) and the real
 * gateway over them, for schema shapes the demo graph does not have.
 *
 * @example
 * const graph = await startCustomGateway([{ name: 'vault', sdl, resolvers }], { authorization: { mode: 'filter' } });
 */
export async function startCustomGateway(
  definitions: readonly TestSubgraphDefinition[],
  config: Record<string, unknown> = {},
  options: {
    /** Runs before the gateway starts, with the config directory (write policy modules or key files). */
    prepare?: (dir: string) => Promise<void>;
    /** Edits the composed supergraph SDL, for shapes composition itself no longer produces. */
    transformSupergraph?: (sdl: string) => string;
    /** Collects the gateway's log lines (JSON, level info and above) instead of discarding them. */
    logLines?: string[];
  } = {},
): Promise<CustomGateway> {
  const { path: dir, remove: removeDir } = await tempDir('atrium-custom-');
  const running: RunningSubgraph[] = [];
  try {
    for (const definition of definitions) {
      const schema = buildSubgraphSchema({ typeDefs: parse(definition.sdl), resolvers: definition.resolvers as any });
      running.push(
        await serveDemoSubgraph({ name: definition.name, sdl: definition.sdl, schema, createContext: () => ({}), reset() {} }),
      );
    }
    const lines = ['federation_version: 2', 'subgraphs:'];
    for (const [index, definition] of definitions.entries()) {
      await writeFile(join(dir, `${definition.name}.graphql`), definition.sdl);
      lines.push(`  ${definition.name}:`, `    routing_url: ${running[index]!.url}`, '    schema:', `      file: ${definition.name}.graphql`);
    }
    await writeFile(join(dir, 'supergraph.yaml'), `${lines.join('\n')}\n`);
    await options.prepare?.(dir);
    const composed = await loadSupergraphSdl({ kind: 'config', path: join(dir, 'supergraph.yaml') });
    await writeFile(join(dir, 'supergraph.graphql'), options.transformSupergraph?.(composed) ?? composed);
    const gateway = await startGateway({
      config: parseConfig({ ...config, server: { port: 0, host: '127.0.0.1' } }, 'test gateway.yaml'),
      supergraph: { kind: 'file', path: join(dir, 'supergraph.graphql') },
      logger: options.logLines
        ? createLogger({ level: 'info', destination: { write: (line: string) => void options.logLines!.push(line) } })
        : createLogger({ level: 'silent' }),
      configDir: dir,
    });
    return {
      gateway,
      dir,
      subgraphs: Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph])),
      post: (query, headers = {}) => postGraphQL(gateway.url, { query }, headers),
      async close() {
        await gateway.close();
        await Promise.all(running.map((subgraph) => subgraph.close()));
        await removeDir();
      },
    };
  } catch (error) {
    await Promise.all(running.map((subgraph) => subgraph.close()));
    await removeDir();
    throw error;
  }
}
