import type { RequestListener } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchSubgraphSdl } from '../../../gateway/supergraph/fetch-subgraph-sdl.js';
import { PRODUCTS_SDL } from './fixtures.js';
import { refusedUrl, startHttpServer, subgraphHandler } from './http-test-server.js';

describe('fetchSubgraphSdl', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  async function serve(handler: RequestListener): Promise<string> {
    const { url, close } = await startHttpServer(handler);
    closers.push(close);
    return url;
  }
  const answer = (status: number, body: string): RequestListener => (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  };

  it('POSTs rover\'s _service query and returns the SDL', async () => {
    const bodies: string[] = [];
    const url = await serve(subgraphHandler(PRODUCTS_SDL, bodies));
    await expect(fetchSubgraphSdl(url)).resolves.toBe(PRODUCTS_SDL);
    expect(JSON.parse(bodies[0]!)).toEqual({ query: 'query SubgraphIntrospectQuery { _service { sdl } }' });
  });

  it('names the URL when the connection is refused', async () => {
    const url = await refusedUrl();
    await expect(fetchSubgraphSdl(url)).rejects.toThrow(`introspection of ${url}: connection refused (is the subgraph running?)`);
  });

  it('names the URL and status of a non-200 answer', async () => {
    const url = await serve(answer(503, 'down for maintenance'));
    await expect(fetchSubgraphSdl(url)).rejects.toThrow(`introspection of ${url}: HTTP status 503: down for maintenance`);
  });

  it('rejects a body that is not JSON', async () => {
    const url = await serve(answer(200, '<html>hello</html>'));
    await expect(fetchSubgraphSdl(url)).rejects.toThrow(`introspection of ${url}: the response is not JSON: <html>hello</html>`);
  });

  it('marks as retryable what may pass by itself (refused, 5xx, 429), not other answers (Issue 19, item 5)', async () => {
    await expect(fetchSubgraphSdl(await refusedUrl())).rejects.toMatchObject({ retryable: true });
    await expect(fetchSubgraphSdl(await serve(answer(503, 'starting')))).rejects.toMatchObject({ retryable: true });
    await expect(fetchSubgraphSdl(await serve(answer(429, 'slow down')))).rejects.toMatchObject({ retryable: true });
    await expect(fetchSubgraphSdl(await serve(answer(404, 'no such path')))).rejects.toMatchObject({ retryable: false });
    await expect(fetchSubgraphSdl(await serve(answer(200, '<html>hello</html>')))).rejects.toMatchObject({ retryable: false });
  });

  it('passes on GraphQL errors and rejects a response without an SDL', async () => {
    const erroring = await serve(answer(200, JSON.stringify({ errors: [{ message: 'Cannot query field "_service" on type "Query".' }] })));
    await expect(fetchSubgraphSdl(erroring)).rejects.toThrow(
      `introspection of ${erroring}: the subgraph answered with errors: Cannot query field "_service" on type "Query".`,
    );
    const empty = await serve(answer(200, JSON.stringify({ data: { _service: null } })));
    await expect(fetchSubgraphSdl(empty)).rejects.toThrow(`introspection of ${empty}: the response has no data._service.sdl`);
  });

  it('gives up after timeoutMs', async () => {
    const url = await serve(() => {});
    await expect(fetchSubgraphSdl(url, { timeoutMs: 100 })).rejects.toThrow(`introspection of ${url}: no answer within 100 ms`);
  });

  it('throws the caller\'s abort reason as is', async () => {
    const url = await serve(() => {});
    const controller = new AbortController();
    const fetching = fetchSubgraphSdl(url, { signal: controller.signal });
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(fetching).rejects.toBe(reason);
  });
});
