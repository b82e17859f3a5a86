import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP hop in front of one subgraph that sets the `Cache-Control` of its answers. */
export interface CacheControlProxy {
  /** The GraphQL endpoint to route the subgraph to (`traffic.subgraphs.<name>.url`). */
  readonly url: string;
  /** `Cache-Control` for the next answers; `undefined` removes the subgraph's own header. */
  setCacheControl(value: string | undefined): void;
  /** Holds each request this long before forwarding it (0: none), so concurrent requests overlap. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` and answers with the subgraph's status and body, replacing its
 * `Cache-Control` header (Apollo Server subgraphs without cache hints send `no-store`), so response-cache
 * tests can play each header a subgraph may send against real subgraphs.
 *
 * @example
 * const proxy = await startCacheControlProxy(subgraphs.urls.products, 'max-age=60');
 * await startDemoGateway({ subgraphs, config: { traffic: { subgraphs: { products: { url: proxy.url } } } } });
 */
export async function startCacheControlProxy(target: string, initial: string | undefined): Promise<CacheControlProxy> {
  let cacheControl = initial;
  let delay = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length' && name !== 'connection') headers[name] = value;
      }
      new Promise((resolve) => setTimeout(resolve, delay))
        .then(() => fetch(target, { method: 'POST', headers, body: Buffer.concat(chunks), signal: AbortSignal.timeout(10_000) }))
        .then(async (answer) => {
          const body = await answer.text();
          const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? 'application/json' };
          if (cacheControl !== undefined) out['cache-control'] = cacheControl;
          res.writeHead(answer.status, out).end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    setCacheControl(value) {
      cacheControl = value;
    },
    setDelay(ms) {
      delay = ms;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
