import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { IDE_CONTENT_SECURITY_POLICY } from '../../../gateway/server/ide/graphiql-page.js';
import { OPENAPI_VIEWER_CONTENT_SECURITY_POLICY } from '../../../gateway/rest/openapi-viewer.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';

// Issue 20, items 1 and 2, over HTTP: which request gets the IDE page, the OpenAPI viewer or `GET /`'s
// answer, with which headers, and what every other request on those paths gets. The pages in a real browser:
// test/e2e/browser-pages.test.ts.

const REST = { routes: [{ path: '/products', summary: 'Top products', operation: '{ topProducts(first: 2) { name } }' }] };
const TRICKY_QUERY = '# </script><script>alert(1)</script>\n{ __typename }';

let subgraphs: DemoSubgraphs;
let withIde: DemoGateway;
let withoutIde: DemoGateway;

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  withIde = await startDemoGateway({ subgraphs, config: { rest: REST, metrics: { enabled: true }, server: { ide: { defaultQuery: TRICKY_QUERY } } } });
  withoutIde = await startDemoGateway({ subgraphs, config: { server: { ide: { enabled: false } } } });
});
afterAll(async () => {
  await withIde?.close();
  await withoutIde?.close();
  await subgraphs?.close();
});

const origin = (gateway: DemoGateway) => new URL(gateway.url).origin;
const get = (gateway: DemoGateway, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${origin(gateway)}${path}`, { method, headers, redirect: 'manual' });
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('server.ide', () => {
  it('is on by default, and off by default when NODE_ENV=production unless turned on', () => {
    expect(parseConfig({}, 'test', { env: {} }).server.ide.enabled).toBe(true);
    expect(parseConfig({}, 'test', { env: { NODE_ENV: 'production' } }).server.ide.enabled).toBe(false);
    expect(parseConfig({ server: { ide: { enabled: true } } }, 'test', { env: { NODE_ENV: 'production' } }).server.ide.enabled).toBe(true);
    expect(() => parseConfig({ server: { ide: { enabeld: true } } }, 'test')).toThrow(/server\.ide\.enabeld/);
  });

  it("serves a browser's GET of /graphql the IDE page, with the page's own CSP and its settings as data", async () => {
    const response = await get(withIde, '/graphql', { accept: BROWSER_ACCEPT });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(IDE_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    // No inline script: only the bundle from 'self' and a JSON data block.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script defer src="/ide/graphiql.js">', '<script type="application/json" id="atrium-ide-settings">']);
    const settings = JSON.parse(html.match(/<script type="application\/json" id="atrium-ide-settings">(.*?)<\/script>/s)![1]!);
    expect(settings).toEqual({ endpoint: '/graphql', defaultQuery: TRICKY_QUERY });
    expect(html).not.toContain('<script>alert');
  });

  it('serves the bundle and stylesheet, gzipped when the client takes it', async () => {
    const plain = await get(withIde, '/ide/graphiql.js', { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = Buffer.from(await plain.arrayBuffer());
    const gzipped = await rawGet(`${origin(withIde)}/ide/graphiql.css`, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(gunzipSync(gzipped.body).toString('utf8')).toContain('.graphiql-container');
    expect(body.length).toBeGreaterThan(100_000);
    const post = await get(withIde, '/ide/graphiql.js', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ errors: [{ extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
  });

  it('leaves GraphQL requests alone: a query parameter, a non-HTML Accept, a POST', async () => {
    const withQuery = await get(withIde, '/graphql?query=%7B__typename%7D', { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' });
    expect(await withQuery.json()).toEqual({ data: { __typename: 'Query' } });
    const json = await get(withIde, '/graphql', { accept: 'application/json' });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toMatch(/json/);
    const post = await fetch(withIde.url, { method: 'POST', headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it("when off, a browser's GET gets a GraphQL error and no landing page (Apollo's is disabled too)", async () => {
    for (const headers of [{ accept: BROWSER_ACCEPT }, { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' }] as Record<string, string>[]) {
      const response = await get(withoutIde, '/graphql', headers);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/json/);
      const text = await response.text();
      expect(text).not.toMatch(/<|sandbox/i);
      expect(JSON.parse(text)).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    }
    expect((await get(withoutIde, '/ide/graphiql.js')).status).toBe(404);
  });
});

describe('GET /', () => {
  it('redirects a browser to the IDE when it is on', async () => {
    const response = await get(withIde, '/', { accept: BROWSER_ACCEPT });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });

  it('answers other clients, and browsers when the IDE is off, with links to what this config serves', async () => {
    const links = await (await get(withIde, '/', { accept: 'application/json' })).json();
    expect(links).toEqual({
      name: 'Atrium GraphQL gateway',
      links: { graphql: '/graphql', health: '/health', ready: '/ready', openapi: '/openapi.json', docs: '/docs', metrics: '/metrics' },
    });
    const off = await get(withoutIde, '/', { accept: BROWSER_ACCEPT });
    expect(off.status).toBe(200);
    expect(((await off.json()) as { links: unknown }).links).toEqual({ graphql: '/graphql', health: '/health', ready: '/ready' });
  });

  it('refuses other methods with 405 and Allow', async () => {
    const response = await get(withIde, '/', { 'content-type': 'application/json' }, 'DELETE');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
  });
});

describe('rest.docsPath', () => {
  it('serves the OpenAPI viewer with its own CSP, pointing at the OpenAPI document', async () => {
    const response = await get(withIde, '/docs', { accept: BROWSER_ACCEPT });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(OPENAPI_VIEWER_CONTENT_SECURITY_POLICY);
    const html = await response.text();
    expect(html).toContain('<redoc spec-url="/openapi.json"></redoc>');
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/docs/redoc.standalone.js">']);
    const script = await get(withIde, '/docs/redoc.standalone.js');
    expect(script.status).toBe(200);
    expect(await script.text()).not.toContain('cdn.redoc.ly');
  });

  it('is not served without REST routes, nor with docsPath: false', async () => {
    expect((await get(withoutIde, '/docs')).status).toBe(404);
    const noDocs = await startDemoGateway({ subgraphs, config: { rest: { ...REST, docsPath: false } } });
    try {
      expect((await get(noDocs, '/docs')).status).toBe(404);
      expect(((await (await get(noDocs, '/')).json()) as { links: unknown }).links).not.toHaveProperty('docs');
      expect(() => parseConfig({ rest: { docsPath: 'docs' } }, 'test')).toThrow(/rest\.docsPath: expected a path starting with "\/", or false/);
    } finally {
      await noDocs.close();
    }
  });
});

/** A GET whose body is not decoded (fetch would gunzip it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
