import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { DemoSubgraph } from './demo-subgraph.js';

/** One GraphQL request as a subgraph received it. */
export interface ReceivedRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Lower-case header names, as node:http gives them; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

/** A demo subgraph listening on a real port. */
export interface RunningSubgraph {
  name: string;
  /** `http://<host>:<port>/graphql` */
  url: string;
  /** Every request received, in order (the last {@link MAX_LOGGED_REQUESTS}). */
  requests: ReceivedRequest[];
  /** Subscriptions open on this instance (served over graphql-transport-ws at the same URL). */
  subscribers(): number;
  /** Stops serving: open WebSocket subscriptions are closed with 1001 (going away). */
  close(): Promise<void>;
}

/** How to listen; port 0 (the default) picks a free port. */
export interface ServeOptions {
  port?: number;
  /** Defaults to 127.0.0.1: the demo never listens beyond loopback unless asked. */
  host?: string;
}

/** How many requests a {@link RunningSubgraph} keeps; older ones are dropped. */
export const MAX_LOGGED_REQUESTS = 1000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Serves a demo subgraph over HTTP at `/graphql` (POST and GET), recording every request it receives.
 * Plain node:http around Apollo Server's `executeHTTPGraphQLRequest`: the log sees the raw request,
 * and `close()` ends idle keep-alive sockets at once instead of waiting for a drain period.
 *
 * @example const accounts = await serveDemoSubgraph(createAccountsSubgraph(), { port: 0 });
 */
export async function serveDemoSubgraph(
  subgraph: DemoSubgraph,
  options: ServeOptions = {},
): Promise<RunningSubgraph> {
  const apollo = new ApolloServer<object>({
    schema: subgraph.schema,
    includeStacktraceInErrorResponses: false,
    // Explicit, as Apollo Server would add it for a subgraph anyway (and log that it did): traces
    // are only sent to a gateway that asks with `apollo-federation-include-trace: ftv1`.
    plugins: [ApolloServerPluginInlineTrace()],
  });
  await apollo.start();
  const requests: ReceivedRequest[] = [];

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    if (url.pathname !== '/graphql') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the GraphQL endpoint is /graphql');
      return;
    }
    const headers = new HeaderMap();
    const logged: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      const joined = Array.isArray(value) ? value.join(', ') : value;
      headers.set(key, joined);
      logged[key] = joined;
    }
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'request body is not valid JSON' }] }));
        return;
      }
    }
    record(requests, body ?? Object.fromEntries(url.searchParams), logged);

    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => subgraph.createContext({ headers: logged }),
    });
    const head: Record<string, string> = {};
    for (const [key, value] of result.headers) head[key] = value;
    res.writeHead(result.status ?? 200, head);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  // Subscriptions: GraphQL over WebSocket (graphql-transport-ws, the graphql-ws library) on the same path.
  // Headers the gateway forwards (identity headers) arrive both on the upgrade and in connection_init.
  const webSockets = subgraph.schema.getSubscriptionType()
    ? new WebSocketServer({ server: httpServer, path: '/graphql' })
    : undefined;
  // Open connections, to count this instance's subscriptions (the demo's event channels are per process).
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  const webSocketServer = webSockets
    ? useServer(
        {
          schema: subgraph.schema,
          context: (ctx) => subgraph.createContext({ headers: connectionHeaders(ctx.extra.request.headers, ctx.connectionParams) }),
          onConnect: (ctx) => void connections.add(ctx),
          onClose: (ctx) => void connections.delete(ctx),
        },
        webSockets,
      )
    : undefined;

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    name: subgraph.name,
    url: `http://${host}:${address.port}/graphql`,
    requests,
    subscribers: () => [...connections].reduce((sum, ctx) => sum + Object.keys(ctx.subscriptions).length, 0),
    close() {
      closing ??= (async () => {
        await webSocketServer?.dispose();
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
        });
        await apollo.stop();
      })();
      return closing;
    },
  };
}

/** The upgrade request's headers, then the string entries of the connection_init payload over them. */
function connectionHeaders(upgrade: IncomingMessage['headers'], params: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(upgrade)) if (typeof value === 'string') headers[key] = value;
  for (const [key, value] of Object.entries(params ?? {})) if (typeof value === 'string') headers[key.toLowerCase()] = value;
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Logs each operation of a body (an array when the client batches), keeping the last few. */
function record(requests: ReceivedRequest[], body: unknown, headers: Record<string, string>): void {
  for (const operation of Array.isArray(body) ? body : [body]) {
    if (typeof operation !== 'object' || operation === null) continue;
    const { query, variables, operationName } = operation as Record<string, unknown>;
    const entry: ReceivedRequest = { query: typeof query === 'string' ? query : '', headers };
    if (typeof variables === 'object' && variables !== null) entry.variables = variables as Record<string, unknown>;
    // GET sends variables as a JSON string in the query string.
    if (typeof variables === 'string') entry.variables = parseJsonObject(variables);
    if (typeof operationName === 'string') entry.operationName = operationName;
    requests.push(entry);
  }
  if (requests.length > MAX_LOGGED_REQUESTS) requests.splice(0, requests.length - MAX_LOGGED_REQUESTS);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
