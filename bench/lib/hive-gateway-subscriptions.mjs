import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createGatewayRuntime, getGraphQLWSOptions } from '@graphql-hive/gateway';
import { normalizeNodeRequest } from '@whatwg-node/server';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { exitOnSignals } from './target.mjs';

/**
 * Hive Gateway serving subscriptions for bench/subscriptions.mjs `--target hive-gateway`:
 * `node hive-gateway-subscriptions.mjs --port <n> --supergraph <file>`. Its runtime on node:http, with
 * GraphQL over WebSocket (graphql-ws on `ws`) on the GraphQL path as its CLI sets it up, and the subgraphs'
 * subscriptions over graphql-ws (`subscriptions: { kind: 'ws' }`), which is what the demo subgraphs serve
 * (Hive's default, SSE or HTTP callbacks to the subgraph, they do not). Prints `hive-gateway listening on <url>`.
 */

const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, supergraph: { type: 'string' } } });
if (!values.port || !values.supergraph) throw new Error('usage: --port <n> --supergraph <file> [--host h]');
const runtime = createGatewayRuntime({
  supergraph: values.supergraph,
  logging: 'warn',
  transportEntries: { '*': { options: { subscriptions: { kind: 'ws' } } } },
});
const server = createServer(runtime);
const webSockets = new WebSocketServer({ server, path: runtime.graphqlEndpoint });
const served = useServer(
  getGraphQLWSOptions(runtime, (ctx) => ({
    req: ctx.extra.request,
    socket: ctx.extra.socket,
    request: normalizeNodeRequest(ctx.extra.request, runtime.fetchAPI),
  })),
  webSockets,
);
await new Promise((resolve) => server.listen(Number(values.port), values.host, () => resolve(undefined)));
// The runtime loads the supergraph on its first HTTP request; a WebSocket subscription before that fails
// with "Expected null to be a GraphQL schema.".
const warm = await runtime.fetch(`http://${values.host}:${values.port}${runtime.graphqlEndpoint}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"query":"{ __typename }"}',
});
if (!warm.ok) throw new Error(`hive-gateway: the first query failed with ${warm.status}: ${await warm.text()}`);
console.log(`hive-gateway listening on http://${values.host}:${values.port}${runtime.graphqlEndpoint}`);
exitOnSignals(async () => {
  await served.dispose();
  server.close();
  await runtime[Symbol.asyncDispose]?.();
});
