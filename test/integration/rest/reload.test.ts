import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import { type RunningGateway, startGateway } from '../../../gateway/start-gateway.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import type { DemoSubgraphs } from '../../helpers/demo-gateway.js';
import { createEditableSupergraph, type EditableSupergraph } from '../../helpers/editable-supergraph.js';
import { callRest } from '../../helpers/rest-client.js';

// A supergraph hot reload that breaks one REST route: that route answers 503 with the reason, the others
// keep serving, the OpenAPI document follows, and a later schema that fixes the route brings it back.

let subgraphs: DemoSubgraphs;
let files: EditableSupergraph;
let gateway: RunningGateway;

/** The products schema without Product.category; throws when the demo schema no longer has that line. */
function withoutCategory(sdl: string): string {
  if (!/^ {2}category: Category!\n/m.test(sdl)) throw new Error('the products schema no longer declares category: update this test');
  return sdl.replace(/^ {2}category: Category!\n/m, '');
}

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  files = await createEditableSupergraph(subgraphs.urls);
  gateway = await startGateway({
    config: parseConfig(
      {
        server: { port: 0, host: '127.0.0.1' },
        // Reloads come from the test's reload() calls only.
        reload: { watch: false },
        rest: {
          routes: [
            { path: '/products/:upc', operation: 'query P($upc: String!) { product(upc: $upc) { upc name } }' },
            { path: '/products/:upc/category', operation: 'query C($upc: String!) { product(upc: $upc) { category } }' },
          ],
        },
      },
      'test',
    ),
    supergraph: { kind: 'config', path: files.configPath },
    logger: createLogger({ level: 'silent' }),
  });
});
afterAll(async () => {
  await gateway?.close();
  await files?.close();
  await subgraphs?.close();
});

describe('a schema reload that breaks a route', () => {
  it('answers 503 with the reason on the broken route while the others serve, and recovers', async () => {
    const url = gateway.url;
    expect((await callRest(url, 'GET', '/products/1001/category')).body).toEqual({ category: 'BOOKS' });

    const original = await files.originalSchema('products');
    await files.writeSchema('products', withoutCategory(original));
    expect((await gateway.supergraph.reload('test: category removed')).kind).toBe('swapped');

    const broken = await callRest(url, 'GET', '/products/1001/category');
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ code: 'REST_ROUTE_UNAVAILABLE', status: 503 });
    expect(broken.body.detail).toContain('GET /products/:upc/category');
    expect(broken.body.detail).toContain('Cannot query field "category" on type "Product"');
    const healthy = await callRest(url, 'GET', '/products/1001');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toEqual({ upc: '1001', name: 'The Patient Gardener' });
    expect(Object.keys((await callRest(url, 'GET', '/openapi.json')).body.paths)).toEqual(['/products/{upc}']);

    await files.writeSchema('products', original);
    expect((await gateway.supergraph.reload('test: category back')).kind).toBe('swapped');
    expect((await callRest(url, 'GET', '/products/1001/category')).status).toBe(200);
    expect(Object.keys((await callRest(url, 'GET', '/openapi.json')).body.paths)).toEqual(['/products/{upc}', '/products/{upc}/category']);
  });
});
