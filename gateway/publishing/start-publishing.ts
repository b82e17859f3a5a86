import { isAbsolute, join } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { SupergraphLifecycle } from '../supergraph/supergraph-lifecycle.js';
import { loadSubgraphInputs, type SupergraphSource } from '../supergraph/load-supergraph.js';
import { type AdminServer, type AdminServerOptions, startAdminServer } from './admin-server.js';
import { createDirectoryStore } from './directory-store.js';
import { createRedisStore } from './redis-store.js';
import type { RegistryStore } from './registry-store.js';
import { createCheckRunner } from './check-off-thread.js';
import { createSchemaRegistry, type SchemaRegistry } from './schema-registry.js';

/** Schema publishing inside one gateway: the registry (its overlay feeds the supergraph) and the admin API. */
export interface Publishing {
  readonly registry: SchemaRegistry;
  /** Starts the admin API (when configured) once the gateway serves. */
  startAdmin(lifecycle: Pick<SupergraphLifecycle, 'reload'>, readiness: AdminServerOptions['readiness']): Promise<AdminServer | undefined>;
  close(): Promise<void>;
}

/**
 * Builds the schema registry gateway.yaml asks for (`registry`, or `admin` alone, which implies the
 * default directory store) or returns undefined when publishing is off. The registry's base is the
 * supergraph.yaml the gateway composes; a supergraph composed elsewhere cannot take published subgraphs.
 *
 * @example
 * const publishing = await createPublishing({ config, configDir, supergraph, logger });
 * const provider = createSupergraphProvider(supergraph, { ..., overlay: publishing?.registry.overlay });
 */
export async function createPublishing(options: {
  config: GatewayConfig;
  configDir: string;
  supergraph: SupergraphSource;
  logger: Logger;
}): Promise<Publishing | undefined> {
  const { config, configDir, supergraph, logger } = options;
  if (config.registry === undefined && config.admin === undefined) return undefined;
  const registryConfig = config.registry ?? { directory: './.atrium/registry', pollInterval: 5_000, redis: undefined };
  const store: RegistryStore = registryConfig.redis
    ? createRedisStore({
        connection: registryConfig.redis,
        keyPrefix: registryConfig.redis.keyPrefix,
        pollIntervalMs: registryConfig.pollInterval,
        logger,
      })
    : createDirectoryStore({
        directory: isAbsolute(registryConfig.directory) ? registryConfig.directory : join(configDir, registryConfig.directory),
        pollIntervalMs: registryConfig.pollInterval,
      });
  const registry = createSchemaRegistry({
    store,
    baseSubgraphs: async (signal) => (supergraph.kind === 'config' ? (await loadSubgraphInputs(supergraph.path, { signal })).inputs : []),
    check: createCheckRunner({ settings: config, configDir, logger }),
    logger,
  });
  let admin: AdminServer | undefined;
  return {
    registry,
    async startAdmin(lifecycle, readiness) {
      if (!config.admin) return undefined;
      admin = await startAdminServer({
        ...config.admin,
        registry,
        logger,
        readiness,
        async onPublished() {
          const outcome = await lifecycle.reload('published');
          if (outcome.kind === 'failed') return { served: false, problems: outcome.problems };
          return { served: true, version: outcome.version };
        },
      });
      return admin;
    },
    async close() {
      await admin?.close();
      await registry.close();
    },
  };
}
