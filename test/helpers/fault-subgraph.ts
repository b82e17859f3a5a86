import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How a {@link FaultSubgraph} answers every request:
 * - `500-html`: HTTP 500 with an HTML error page (a proxy or a crashed framework).
 * - `500-json-graphql-error`: HTTP 500 with a valid GraphQL response holding one error.
 * - `html-200`: HTTP 200 with an HTML page (a login page, a misrouted URL).
 * - `truncated-json`: HTTP 200, complete framing, but the JSON body stops half-way.
 * - `hang`: reads the request and never answers.
 * - `reset`: destroys the socket as soon as the request arrives.
 *
 * A refused connection needs no server: use {@link closedPortUrl}.
 */
export type Fault = '500-html' | '500-json-graphql-error' | 'html-200' | 'truncated-json' | 'hang' | 'reset';

/** The GraphQL error a `500-json-graphql-error` subgraph sends. */
export const FAULT_GRAPHQL_ERROR = 'the subgraph database is down';

export interface FaultSubgraph {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:41234/graphql`. */
  readonly url: string;
  readonly port: number;
  /** Requests received so far, in any mode. */
  readonly requests: number;
  /** Changes how the next requests are answered. */
  setFault(fault: Fault): void;
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
export async function startFaultSubgraph(initial: Fault): Promise<FaultSubgraph> {
  let fault = initial;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests++;
    // Read the whole request first, as a real server would, so the fault shows in the response only.
    req.resume();
    req.once('end', () => {
      switch (fault) {
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
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    get requests() {
      return requests;
    },
    setFault(next) {
      fault = next;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
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
