import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_SUBGRAPHS,
  loaderBatches,
  type RunningSubgraph,
  resetDemoData,
  startDemoSubgraphs,
  startSubgraph,
} from '../../../subgraphs/index.js';

interface GraphQLResponse {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

async function post(
  subgraph: RunningSubgraph,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as GraphQLResponse;
}

const ENTITIES = 'query Entities($representations: [_Any!]!) { _entities(representations: $representations) { __typename ...Fields } }';

/** One `_entities` call per subgraph, with one representation per entity type it owns or extends. */
const entityCases: Record<string, { fragments: string; representations: Record<string, unknown>[]; expected: unknown[] }> = {
  accounts: {
    fragments: 'fragment Fields on _Entity { ... on User { id username tier } }',
    representations: [{ __typename: 'User', id: '3' }],
    expected: [{ __typename: 'User', id: '3', username: 'grace', tier: 'PLATINUM' }],
  },
  products: {
    fragments: `fragment Fields on _Entity {
      ... on Product { upc sku name }
      ... on Bundle { upc name price }
      ... on ProductItem { upc }
    }`,
    representations: [
      { __typename: 'Product', upc: '1001' },
      { __typename: 'Product', sku: 'FUR-200' },
      { __typename: 'Bundle', upc: '2002' },
      // Interface entity (reviews' @interfaceObject): products answers with the concrete type.
      { __typename: 'ProductItem', upc: '2001' },
    ],
    expected: [
      { __typename: 'Product', upc: '1001', sku: 'BOOK-100', name: 'The Patient Gardener' },
      { __typename: 'Product', upc: '1003', sku: 'FUR-200', name: 'Oak Writing Desk' },
      { __typename: 'Bundle', upc: '2002', name: "Coffee Lover's Kit", price: 8073 },
      { __typename: 'Bundle', upc: '2001', name: 'Home Office Starter', price: 43020 },
    ],
  },
  inventory: {
    fragments: `fragment Fields on _Entity {
      ... on Product { sku inStock quantity shippingEstimate domestic: shippingEstimate(to: US) abroad: shippingEstimate(to: JP) }
      ... on Warehouse { code country name }
    }`,
    representations: [
      { __typename: 'Product', sku: 'BOOK-100', price: 2499, weight: 450 },
      { __typename: 'Warehouse', code: 'HUB', country: 'DE' },
    ],
    expected: [
      { __typename: 'Product', sku: 'BOOK-100', inStock: true, quantity: 42, shippingEstimate: 599, domestic: 599, abroad: 2249 },
      { __typename: 'Warehouse', code: 'HUB', country: 'DE', name: 'Central Europe Hub' },
    ],
  },
  reviews: {
    fragments: `fragment Fields on _Entity {
      ... on Review { id rating author { id username } }
      ... on User { id reviews { id } }
      ... on ProductItem { upc averageRating reviews(minRating: 5) { id } }
    }`,
    representations: [
      { __typename: 'Review', id: '3' },
      { __typename: 'User', id: '5' },
      { __typename: 'ProductItem', upc: '1007' },
    ],
    expected: [
      { __typename: 'Review', id: '3', rating: 5, author: { id: '2', username: 'alan' } },
      { __typename: 'User', id: '5', reviews: [{ id: '4' }, { id: '13' }] },
      { __typename: 'ProductItem', upc: '1007', averageRating: 4.5, reviews: [{ id: '1' }] },
    ],
  },
  orders: {
    fragments: `fragment Fields on _Entity {
      ... on Order { id status itemCount }
      ... on User { id orders(status: PENDING) { id } }
      ... on Product { upc timesOrdered }
      ... on Warehouse { code country openOrders { id } }
    }`,
    representations: [
      { __typename: 'Order', id: '3' },
      { __typename: 'User', id: '1' },
      { __typename: 'Product', upc: '1005' },
      { __typename: 'Warehouse', code: 'HUB', country: 'GB' },
    ],
    expected: [
      { __typename: 'Order', id: '3', status: 'SHIPPED', itemCount: 5 },
      { __typename: 'User', id: '1', orders: [{ id: '2' }] },
      { __typename: 'Product', upc: '1005', timesOrdered: 3 },
      { __typename: 'Warehouse', code: 'HUB', country: 'GB', openOrders: [{ id: '2' }] },
    ],
  },
};

describe('each demo subgraph over HTTP', () => {
  let running: RunningSubgraph | undefined;
  beforeEach(() => resetDemoData());
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  for (const name of DEMO_SUBGRAPHS) {
    it(`${name} serves its SDL and resolves a representation of every entity type it knows`, async () => {
      running = await startSubgraph(name, { port: 0 });
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);

      const service = await post(running, '{ _service { sdl } }');
      expect(service.errors).toBeUndefined();
      expect(service.data?._service.sdl).toContain('@key(fields:');

      const { fragments, representations, expected } = entityCases[name]!;
      const entities = await post(running, `${ENTITIES}\n${fragments}`, { representations });
      expect(entities.errors).toBeUndefined();
      expect(entities.data?._entities).toEqual(expected);
    });
  }

  it('batches the representations of one request into one loader call', async () => {
    running = await startSubgraph('accounts');
    const representations = ['2', '4', '6'].map((id) => ({ __typename: 'User', id }));
    const result = await post(running, `${ENTITIES}\nfragment Fields on _Entity { ... on User { username } }`, {
      representations,
    });
    expect(result.data?._entities).toEqual([
      { __typename: 'User', username: 'alan' },
      { __typename: 'User', username: 'katherine' },
      { __typename: 'User', username: 'tim' },
    ]);
    expect(loaderBatches()).toEqual([{ subgraph: 'accounts', entity: 'User', keys: ['2', '4', '6'] }]);
  });

  it('logs every request it receives, with variables and headers', async () => {
    running = await startSubgraph('products');
    await post(running, 'query One($upc: String!) { product(upc: $upc) { name } }', { upc: '1002' }, { 'x-user-id': '7' });
    const get = await fetch(`${running.url}?query=${encodeURIComponent('{ bundles { upc } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);

    expect(running.requests).toHaveLength(2);
    expect(running.requests[0]).toMatchObject({
      query: 'query One($upc: String!) { product(upc: $upc) { name } }',
      variables: { upc: '1002' },
      headers: { 'x-user-id': '7', 'content-type': 'application/json' },
    });
    expect(running.requests[1]!.query).toBe('{ bundles { upc } }');
  });

  it('fails on purpose: a nullable field in products and a non-null field in inventory', async () => {
    running = await startSubgraph('products');
    const reason = await post(running, '{ product(upc: "1004") { name discontinuedReason } }');
    expect(reason.data).toEqual({ product: { name: 'Walnut Bookshelf', discontinuedReason: null } });
    expect(reason.errors?.[0]).toMatchObject({
      path: ['product', 'discontinuedReason'],
      extensions: { code: 'REASON_UNDER_LEGAL_REVIEW' },
    });
    await running.close();

    running = await startSubgraph('inventory');
    const restock = await post(running, `${ENTITIES}\nfragment Fields on _Entity { ... on Product { sku restockDate } }`, {
      representations: [{ __typename: 'Product', sku: 'FUR-200' }],
    });
    expect(restock.data).toEqual({ _entities: [null] });
    expect(restock.errors?.[0]).toMatchObject({
      path: ['_entities', 0, 'restockDate'],
      extensions: { code: 'SUPPLIER_FEED_UNAVAILABLE' },
    });
  });

  it('refuses shippingEstimate when the @requires fields are missing', async () => {
    running = await startSubgraph('inventory');
    const result = await post(running, `${ENTITIES}\nfragment Fields on _Entity { ... on Product { shippingEstimate } }`, {
      representations: [{ __typename: 'Product', sku: 'KIT-300' }],
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('REQUIRES_FIELDS_MISSING');
  });
});

describe('mutations', () => {
  let running: RunningSubgraph | undefined;
  beforeEach(() => resetDemoData());
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('createOrder adds a pending order that resetDemoData removes again', async () => {
    running = await startSubgraph('orders');
    const create = `mutation Create($input: CreateOrderInput!) {
      createOrder(input: $input) { id status placedAt itemCount buyer { id } fulfilledFrom { code country } }
    }`;
    const input = { buyerId: '4', items: [{ upc: '1003', quantity: 1 }, { upc: '1010' }] };
    const created = await post(running, create, { input });
    expect(created.errors).toBeUndefined();
    expect(created.data?.createOrder).toEqual({
      id: '8',
      status: 'PENDING',
      placedAt: '2025-06-10T12:08:00.000Z',
      itemCount: 2,
      buyer: { id: '4' },
      fulfilledFrom: { code: 'SEA-1', country: 'US' },
    });
    expect((await post(running, '{ order(id: "8") { id } }')).data).toEqual({ order: { id: '8' } });

    resetDemoData();
    expect((await post(running, '{ order(id: "8") { id } }')).data).toEqual({ order: null });
    // The same mutation after a reset gives the same answer: tests stay deterministic.
    expect((await post(running, create, { input })).data?.createOrder.id).toBe('8');
  });

  it('createOrder and cancelOrder reject bad input with BAD_USER_INPUT', async () => {
    running = await startSubgraph('orders');
    const empty = await post(running, 'mutation { createOrder(input: { buyerId: "1", items: [] }) { id } }');
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const bundle = await post(running, 'mutation { createOrder(input: { buyerId: "1", items: [{ upc: "2001" }] }) { id } }');
    expect(bundle.errors?.[0]).toMatchObject({ message: 'product 2001 cannot be ordered', extensions: { code: 'BAD_USER_INPUT' } });
    const shipped = await post(running, 'mutation { cancelOrder(id: "3") { status } }');
    expect(shipped.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const cancelled = await post(running, 'mutation { cancelOrder(id: "2") { id status } }');
    expect(cancelled.data).toEqual({ cancelOrder: { id: '2', status: 'CANCELLED' } });
  });

  it('addReview appends a review with the author username it provides', async () => {
    running = await startSubgraph('reviews');
    const added = await post(
      running,
      'mutation { addReview(input: { upc: "1010", authorId: "6", rating: 4, body: "Good pictures." }) { id rating author { username } item { upc averageRating } } }',
    );
    expect(added.data).toEqual({
      addReview: { id: '15', rating: 4, author: { username: 'tim' }, item: { upc: '1010', averageRating: 4 } },
    });
    const invalid = await post(
      running,
      'mutation { addReview(input: { upc: "1010", authorId: "6", rating: 9, body: "!" }) { id } }',
    );
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('startDemoSubgraphs', () => {
  it('starts all five on ephemeral ports and closes them', async () => {
    const demo = await startDemoSubgraphs();
    try {
      expect(Object.keys(demo.urls)).toEqual([...DEMO_SUBGRAPHS]);
      expect(new Set(Object.values(demo.urls)).size).toBe(5);
      const products = demo.subgraphs.find((subgraph) => subgraph.name === 'products')!;
      const result = await post(products, '{ topProducts { upc } }');
      expect(result.data?.topProducts.map((product: { upc: string }) => product.upc)).toEqual([
        '1007',
        '1002',
        '1003',
        '1004',
        '1005',
      ]);
    } finally {
      await demo.close();
    }
    await expect(fetch(demo.urls.accounts!)).rejects.toThrow();
  });
});
