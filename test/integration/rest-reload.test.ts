import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config/load-config.js';
import { createEngine } from '../../gateway/engine/engine.js';
import { createLogger } from '../../gateway/logger.js';
import { createRestService } from '../../gateway/rest/rest-service.js';
import { createGraphQLHandler, type GraphQLHandler } from '../../gateway/server/graphql-handler.js';
import { createHttpServer } from '../../gateway/server/http-server.js';
import type { HttpServer } from '../../gateway/server/types.js';
import { createSubgraphClient } from '../../gateway/subgraph-client/subgraph-client.js';
import { createUndiciTransport } from '../../gateway/subgraph-client/undici-transport.js';
import { composeSubgraphs } from '../../gateway/supergraph/compose.js';
import { buildSupergraph, type LoadedSupergraph } from '../../gateway/supergraph/build-supergraph.js';
import { DEMO_SUBGRAPHS, findRepoRoot, readSubgraphSdl, startDemoSubgraphs } from '../../subgraphs/index.js';
import type { DemoSubgraphs } from '../helpers/demo-gateway.js';
import { callRest } from '../helpers/rest-client.js';

// A schema reload that breaks one route: that route answers 503 with the reason, the others keep serving,
// the OpenAPI document follows, and a later schema that fixes the route brings it back. Hot reload swaps
// the GraphQL handler's engine (GraphQLHandler.swapEngine); this test wires the gateway's parts the way
// startGateway does and swaps the engine itself.

const logger = createLogger({ level: 'silent' });
const config = parseConfig(
  {
    rest: {
      routes: [
        { path: '/products/:upc', operation: 'query P($upc: String!) { product(upc: $upc) { upc name } }' },
        { path: '/products/:upc/category', operation: 'query C($upc: String!) { product(upc: $upc) { category } }' },
      ],
    },
  },
  'test gateway.yaml',
);

let subgraphs: DemoSubgraphs;
let http: HttpServer;
let handler: GraphQLHandler;
let url: string;
let transport: ReturnType<typeof createUndiciTransport>;
let original: LoadedSupergraph;
let withoutCategory: LoadedSupergraph;
/** The engine swap hot reload performs, through the handler only. */
let swap: (supergraph: LoadedSupergraph) => void;

function compose(edit: (name: string, sdl: string) => string): LoadedSupergraph {
  const result = composeSubgraphs(
    DEMO_SUBGRAPHS.map((name) => ({ name, url: subgraphs.urls[name]!, sdl: edit(name, readSubgraphSdl(name)), sourceName: name })),
  );
  if ('errors' in result) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return buildSupergraph(result.supergraphSdl);
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  original = compose((_, sdl) => sdl);
  withoutCategory = compose((name, sdl) => (name === 'products' ? sdl.replace('category: Category!', '') : sdl));
  transport = createUndiciTransport();
  const client = createSubgraphClient({ transport, timeoutMs: () => 5_000, logger });
  handler = await createGraphQLHandler({ engine: createEngine({ supergraph: original, client }), config, logger });
  const rest = createRestService({
    config,
    configDir: findRepoRoot(),
    logger,
    runGraphQL: (request, context) => handler.handle(request, context),
    currentSupergraph: () => handler.engine.supergraph,
  });
  expect(rest.useSupergraph(original)).toEqual([]);
  http = createHttpServer({
    graphqlPath: '/graphql',
    bodyLimitBytes: config.server.bodyLimit,
    logger,
    routes: [rest.route],
    handleGraphQL: (request, context) => handler.handle(request, context),
    isLive: () => true,
    readiness: () => ({ ready: true, details: {} }),
  });
  url = `${(await http.listen(0, '127.0.0.1')).url}/graphql`;
  swap = (supergraph) => handler.swapEngine(createEngine({ supergraph, client }));
});

afterAll(async () => {
  await http?.close(0);
  await handler?.stop();
  await transport?.close();
  await subgraphs?.close();
});

describe('a schema reload that breaks a route', () => {
  it('answers 503 with the reason on the broken route while the others serve, and recovers', async () => {
    expect((await callRest(url, 'GET', '/products/1001/category')).body).toEqual({ category: 'BOOKS' });

    swap(withoutCategory);
    const broken = await callRest(url, 'GET', '/products/1001/category');
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ code: 'REST_ROUTE_UNAVAILABLE', status: 503 });
    expect(broken.body.detail).toContain('GET /products/:upc/category');
    expect(broken.body.detail).toContain('Cannot query field "category" on type "Product"');
    const healthy = await callRest(url, 'GET', '/products/1001');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toEqual({ upc: '1001', name: 'The Patient Gardener' });

    const openapi = await callRest(url, 'GET', '/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(['/products/{upc}']);

    swap(original);
    expect((await callRest(url, 'GET', '/products/1001/category')).status).toBe(200);
    expect(Object.keys((await callRest(url, 'GET', '/openapi.json')).body.paths)).toEqual(['/products/{upc}', '/products/{upc}/category']);
  });
});
