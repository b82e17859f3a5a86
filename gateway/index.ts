// Must stay the first import: it sets APOLLO_TELEMETRY_DISABLED before any Apollo module is evaluated.
import './config/disable-apollo-telemetry.js';

/**
 * Atrium as a library: start a whole gateway in process, or build its parts (config, supergraph,
 * engine, subgraph client) yourself. The `atrium` CLI is built on the same exports.
 *
 * @example
 * import { createLogger, loadConfig, startGateway } from 'atrium-gateway';
 * const gateway = await startGateway({
 *   config: loadConfig('gateway.yaml'),
 *   supergraph: { kind: 'config', path: 'supergraph.yaml' },
 *   logger: createLogger(),
 * });
 */
export { ConfigError, loadConfig, parseConfig } from './config/load-config.js';
export { type GatewayConfig, subgraphSettings } from './config/schema.js';
export { createEngine, type Engine, type EngineOptions, type OperationRequest } from './engine/engine.js';
export type { ExecutePlanInput, PlanExecutor, QueryPlannerBackend } from './engine/planner-and-executor.js';
export { AtriumError, ERROR_CODES, type ErrorCode, statusOf, toGraphQLError } from './errors.js';
export { createLogger, type Logger } from './logger.js';
export type * from './plugins/plugin.js';
export type { Principal, RequestContext } from './request-context.js';
export { buildOpenApi } from './rest/openapi/build-openapi.js';
export { RestRouteError } from './rest/rest-route-error.js';
export { createRestService, type RestService, type RestServiceOptions } from './rest/rest-service.js';
export { type RunningGateway, type StartGatewayOptions, startGateway } from './start-gateway.js';
export { BUILT_IN_PLUGINS, type BuiltInPluginName } from './plugins/compose-plugins.js';
export { createSubgraphClient } from './subgraph-client/subgraph-client.js';
export type * from './subgraph-client/contracts.js';
export { createUndiciTransport } from './subgraph-client/undici-transport.js';
export { buildSupergraph, type LoadedSupergraph } from './supergraph/build-supergraph.js';
export { loadSupergraphSdl, SupergraphLoadError, type SupergraphSource } from './supergraph/load-supergraph.js';
