import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../../gateway/plugins/auth/api-keys.js';
import { startDemoSubgraphs } from '../../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../../helpers/demo-gateway.js';

// Authorization on the demo graph (User.email @authenticated, Order @requiresScopes(orders:read),
// Warehouse.openOrders @policy(admin)) in the three modes, with the orders service's own field rule
// behind it. The subgraphs' request logs prove that no removed field reaches them.

const CUSTOMER = { 'x-api-key': 'customer-one-key' };
const ADMIN = { 'x-api-key': 'admin-key' };
const NO_SCOPES = { 'x-api-key': 'no-scopes-key' };

function config(mode: 'filter' | 'reject' | 'measure') {
  return {
    auth: {
      apiKeys: {
        keys: {
          customer: { hash: hashApiKey('customer-one-key'), scopes: ['orders:read'], claims: { sub: '1' } },
          admin: { hash: hashApiKey('admin-key'), scopes: ['orders:read', 'orders:admin'], claims: { sub: '2', role: 'admin' } },
          reader: { hash: hashApiKey('no-scopes-key'), claims: { sub: '3' } },
        },
      },
    },
    authorization: { mode, policies: { admin: { claim: 'role', equals: 'admin' } } },
  };
}

let subgraphs: DemoSubgraphs;
let filter: DemoGateway;
let reject: DemoGateway;
let measure: DemoGateway;

const fieldsSentTo = (name: string, from: number) =>
  filter.subgraphs[name]!.requests.slice(from).map((request) => request.query).join('\n');
const unauthorized = (body: any) =>
  (body.errors ?? []).filter((e: any) => e.extensions.code === 'UNAUTHORIZED_FIELD_OR_TYPE').map((e: any) => e.path);

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs({ host: '127.0.0.1' });
  [filter, reject, measure] = await Promise.all([
    startDemoGateway({ subgraphs, config: config('filter') }),
    startDemoGateway({ subgraphs, config: config('reject') }),
    startDemoGateway({ subgraphs, config: config('measure') }),
  ]);
});

afterAll(async () => {
  await Promise.all([filter?.close(), reject?.close(), measure?.close()]);
  await subgraphs?.close();
});

describe('filter (the default)', () => {
  it('an anonymous caller gets null for User.email, propagated into its nullable parent, and accounts never sees it', async () => {
    const from = filter.subgraphs.accounts!.requests.length;
    const result = await filter.post('{ me { username email } }');
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ me: null });
    expect(result.body.errors).toEqual([
      { message: 'Unauthorized field or type', path: ['me', 'email'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } },
    ]);
    const sent = fieldsSentTo('accounts', from);
    expect(sent).toContain('username');
    expect(sent).not.toMatch(/\bemail\b(?!:\s*__typename)/);
  });

  it('the same operation with credentials answers the field (the cached outcome is per principal facts)', async () => {
    const query = '{ me { username email } }';
    expect((await filter.post(query, undefined, NO_SCOPES)).body).toEqual({ data: { me: { username: expect.any(String), email: expect.stringContaining('@') } } });
    expect((await filter.post(query)).body.data).toEqual({ me: null });
  });

  it('a type needing a scope: a non-null root list of it leaves data null, and orders is never called', async () => {
    const from = filter.subgraphs.orders!.requests.length;
    const result = await filter.post('{ topProducts(first: 1) { name } orders(first: 2) { id } }', undefined, NO_SCOPES);
    expect(result.body.data).toBeNull();
    expect(unauthorized(result.body)).toEqual([['orders']]);
    expect(filter.subgraphs.orders!.requests.length).toBe(from);
  });

  it('when nothing authorized is left, data is null and no subgraph is called', async () => {
    const before = Object.values(filter.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const result = await filter.post('{ order(id: "1") { id } }');
    expect(result.body.data).toBeNull();
    expect(unauthorized(result.body)).toEqual([['order']]);
    expect(Object.values(filter.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
  });

  it('@policy: only the admin policy sees a warehouse order book', async () => {
    const query = '{ warehouse(code: "HUB", country: GB) { code openOrders { id } } }';
    const customer = await filter.post(query, undefined, CUSTOMER);
    expect(customer.body.data).toEqual({ warehouse: null });
    expect(unauthorized(customer.body)).toEqual([['warehouse', 'openOrders']]);
    const admin = await filter.post(query, undefined, ADMIN);
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data.warehouse.openOrders.length).toBeGreaterThan(0);
  });
});

describe('identity reaches the orders service, which lets a customer see only their own orders (its own field rule)', () => {
  it('lists only the customer\'s orders, even with a spoofed x-user-id', async () => {
    const from = filter.subgraphs.orders!.requests.length;
    const result = await filter.post('{ orders(first: 50) { id buyer { id } } }', undefined, { ...CUSTOMER, 'x-user-id': '3' });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.orders.length).toBeGreaterThan(0);
    expect(new Set(result.body.data.orders.map((order: any) => order.buyer.id))).toEqual(new Set(['1']));
    const received = filter.subgraphs.orders!.requests.slice(from).map((request) => request.headers['x-user-id']);
    expect(received).toEqual(received.map(() => '1'));
  });

  it('refuses another buyer\'s order to a customer, and shows it to staff', async () => {
    const customer = await filter.post('{ order(id: "3") { id } }', undefined, CUSTOMER);
    expect(customer.body.data).toEqual({ order: null });
    expect(customer.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await filter.post('{ order(id: "3") { id } }', undefined, ADMIN)).body).toEqual({ data: { order: { id: '3' } } });
  });
});

describe('reject', () => {
  it('without a principal: 401 UNAUTHENTICATED with a challenge; nothing reaches a subgraph', async () => {
    const before = Object.values(reject.subgraphs).reduce((sum, s) => sum + s.requests.length, 0);
    const result = await reject.post('{ me { username email } }');
    expect(result.status).toBe(401);
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(result.body.errors[0].message).toMatch(/me\.email/);
    expect(result.headers.get('www-authenticate')).toBe('Bearer realm="atrium"');
    expect(result.body.data).toBeUndefined();
    expect(Object.values(reject.subgraphs).reduce((sum, s) => sum + s.requests.length, 0)).toBe(before);
  });

  it('with a principal that lacks a policy: 403 FORBIDDEN; what it may see still runs', async () => {
    const refused = await reject.post('{ warehouse(code: "HUB", country: GB) { openOrders { id } } }', undefined, CUSTOMER);
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const allowed = await reject.post('{ me { email } }', undefined, CUSTOMER);
    expect(allowed.status).toBe(200);
    expect(allowed.body.data.me.email).toContain('@');
  });
});

describe('measure', () => {
  it('removes nothing and reports no error', async () => {
    const result = await measure.post('{ me { username email } }');
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.me.email).toContain('@');
  });
});
