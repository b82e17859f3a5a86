import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How a {@link FaultSubgraph} answers every request:
 * - `500-html`: HTTP 500 with an HTML error page (a proxy or a crashed framework).
 * - `500-json-graphql-error`: HTTP 500 with a valid GraphQL response holding one error.
 * - `html-200`: HTTP 200 with an HTML page (a login page, a misrouted URL).
 * - `truncated-json`: HTTP 200, complete framing, but the JSON body stops half-way.
 * - `hang`: reads the request and never answers.
 * - `reset`: destroys the socket as soon as the request arrives.
 * - `503-json`: HTTP 503 with a GraphQL error body (an overloaded server or a proxy in front of it).
 * - `ok`: healthy: forwards the request to `options.upstream` (a real subgraph) and answers what it answers,
 *   so the fault server is a real instance of that subgraph that can be switched to misbehave.
 * - `slow`: like `ok`, after `options.delayMs`.
 * - `flap`: odd requests like `ok`, even ones like `500-html`.
 * - `endless-body`: HTTP 200, chunked (no content-length), and body bytes forever: only a client that stops
 *   reading at its own limit ever finishes.
 *
 * A refused connection needs no server: use {@link closedPortUrl}; for an instance killed and restarted
 * on the same port, {@link FaultSubgraph.kill} and {@link FaultSubgraph.restart}.
 */
export type Fault =
  | '500-html'
  | '500-json-graphql-error'
  | 'html-200'
  | 'truncated-json'
  | 'hang'
  | 'reset'
  | '503-json'
  | 'ok'
  | 'slow'
  | 'flap'
  | 'endless-body';

export interface FaultSubgraphOptions {
  /** The real subgraph `ok`, `slow` and `flap` forward to. */
  upstream?: string;
  /** How long `slow` waits before forwarding. Default 200 ms. */
  delayMs?: number;
  /** Headers added to every forwarded answer (e.g. `set-cookie`, `x-served-by`). */
  responseHeaders?: Record<string, string | string[]>;
}

/** One request a fault subgraph received. */
export interface FaultRequest {
  /** The parsed JSON body (`query`, `variables`, ...). */
  readonly body: { query?: string; operationName?: string; variables?: unknown };
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The GraphQL error a `500-json-graphql-error` subgraph sends. */
export const FAULT_GRAPHQL_ERROR = 'the subgraph database is down';

export interface FaultSubgraph {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:41234/graphql`. */
  readonly url: string;
  readonly port: number;
  /** Requests received so far, in any mode. */
  readonly requests: number;
  /** Every request received, in order. */
  readonly received: readonly FaultRequest[];
  /** Changes how the next requests are answered. */
  setFault(fault: Fault): void;
  /** Stops listening and destroys every socket (the instance dies); `restart` brings it back on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Closes the server and destroys every socket, hung ones included. */
  close(): Promise<void>;
}

/**
 * Starts a real HTTP server on a free loopback port that stands in for one subgraph and misbehaves in
 * the chosen way, so a gateway's subgraph client meets real sockets, not mocks.
 *
 * @example
 * const fault = await startFaultSubgraph('hang');
 * const gateway = await startDemoGateway({ config: { traffic: { subgraphs: { accounts: { url: fault.url, timeout: '300ms' } } } } });
 * // ...
 * await gateway.close();
 * await fault.close();
 */
export async function startFaultSubgraph(initial: Fault, options: FaultSubgraphOptions = {}): Promise<FaultSubgraph> {
  let fault = initial;
  let requests = 0;
  const received: FaultRequest[] = [];
  const sockets = new Set<Socket>();
  const forward = async (body: string, res: ServerResponse) => {
    if (options.upstream === undefined) throw new Error('fault subgraph: `ok`, `slow` and `flap` need options.upstream');
    try {
      const answer = await fetch(options.upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await answer.text();
      res.writeHead(answer.status, { 'content-type': 'application/json', ...options.responseHeaders });
      res.end(text);
    } catch {
      res.destroy();
    }
  };
  const server: Server = createServer((req, res) => {
    const count = ++requests;
    // Read the whole request first, as a real server would, so the fault shows in the response only.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ body: parseBody(body), headers: req.headers });
      const mode = fault === 'flap' ? (count % 2 === 1 ? 'ok' : '500-html') : fault;
      switch (mode) {
        case 'ok':
          void forward(body, res);
          return;
        case 'slow':
          setTimeout(() => void forward(body, res), options.delayMs ?? 200);
          return;
        case '503-json':
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data: null, errors: [{ message: 'overloaded, try again' }] }));
          return;
        case '500-html':
          res.writeHead(500, { 'content-type': 'text/html' });
          res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
          return;
        case '500-json-graphql-error':
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data: null, errors: [{ message: FAULT_GRAPHQL_ERROR }] }));
          return;
        case 'html-200':
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<!doctype html><html><body>Please sign in</body></html>');
          return;
        case 'truncated-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"data":{"me":{"name":"Ad');
          return;
        case 'endless-body': {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"data":{"blob":"');
          const chunk = 'x'.repeat(16 * 1024);
          const more = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once('drain', more);
          };
          more();
          return;
        }
        case 'hang':
          return;
        case 'reset':
          req.socket.destroy();
          return;
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kill = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    get requests() {
      return requests;
    },
    received,
    setFault(next) {
      fault = next;
    },
    kill,
    restart: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () => (server.listening ? kill() : Promise.resolve()),
  };
}

function parseBody(text: string): FaultRequest['body'] {
  try {
    return JSON.parse(text) as FaultRequest['body'];
  } catch {
    return {};
  }
}

/**
 * A loopback URL nothing listens on: a server is started on a free port and closed again, so connecting
 * is refused (unless the OS hands that port to someone else in between, which it does not do at once).
 */
export async function closedPortUrl(): Promise<{ url: string; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}/graphql`, port };
}
