// Part of the composition root (start-gateway.ts): which pages for people the configuration turns on, and
// what `GET /` lists.
import type { GatewayConfig } from './config/schema.js';
import type { Logger } from './logger.js';
import { createOpenApiViewer } from './rest/openapi-viewer.js';
import { createGraphiqlIde } from './server/ide/graphiql-page.js';

/**
 * The pages for people: the GraphQL IDE (`server.ide`) and the OpenAPI viewer (`rest.docsPath`, with REST
 * routes). Both need the bundle `npm run build` writes; without it they are left out with a warning.
 */
export async function browserPages(config: GatewayConfig, logger: Logger) {
  const missing = 'the browser bundle is missing (dist/browser; run `npm run build`)';
  let ide: Awaited<ReturnType<typeof createGraphiqlIde>>;
  if (config.server.ide.enabled) {
    const { defaultQuery, defaultHeaders } = config.server.ide;
    ide = await createGraphiqlIde({ graphqlPath: config.server.graphqlPath, defaultQuery, ...(defaultHeaders !== undefined && { defaultHeaders }) });
    if (!ide) logger.warn(`ide: not served: ${missing}`);
  }
  let openApiViewer: Awaited<ReturnType<typeof createOpenApiViewer>>;
  const { docsPath, openapiPath, title } = config.rest;
  if (config.rest.routes.length > 0 && docsPath !== false) {
    openApiViewer = await createOpenApiViewer({ docsPath, openapiPath, title });
    if (!openApiViewer) logger.warn(`rest: no OpenAPI viewer at ${docsPath}: ${missing}`);
  }
  return { ide, openApiViewer };
}

/** What `GET /` lists: only endpoints this configuration serves on the client port. */
export function homeLinks(config: GatewayConfig, docs: boolean): Record<string, string> {
  const links: Record<string, string> = { graphql: config.server.graphqlPath, health: '/health', ready: '/ready' };
  if (config.rest.routes.length > 0) {
    links.openapi = config.rest.openapiPath;
    if (docs && config.rest.docsPath !== false) links.docs = config.rest.docsPath;
  }
  if (config.metrics.enabled && config.metrics.port === undefined) links.metrics = config.metrics.path;
  return links;
}
