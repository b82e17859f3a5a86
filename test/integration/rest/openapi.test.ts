import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { callRest, demoRestConfig } from '../../helpers/rest-client.js';

// GET /openapi.json of the demo gateway.yaml's routes, checked by a maintained OpenAPI validator and for
// the types it derives from the schema.
let demo: DemoGateway;
let document: any;

beforeAll(async () => {
  demo = await startDemoGateway({
    config: { auth: { apiKeys: { keys: { ci: { hash: hashApiKey('ci-key'), scopes: ['orders:read'] } } } }, rest: demoRestConfig() },
  });
  const result = await callRest(demo.url, 'GET', '/openapi.json');
  expect(result.status).toBe(200);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  document = result.body;
});
afterAll(async () => demo?.close());

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.servers).toEqual([{ url: '/api' }]);
  });

  it('has one operation per route, in the order gateway.yaml declares them', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]: [string, any]) => Object.keys(item).map((m) => `${m} ${path}`));
    expect(operations).toEqual([
      'get /v1/products',
      'get /v1/products/{upc}',
      'get /v1/products/{upc}/reviews',
      'get /v1/orders/{id}',
      'post /v1/orders',
      'get /v1/users/{id}',
      'get /v2/users/{id}',
    ]);
  });

  it('types parameters from the variables, with defaults and enums', () => {
    const list = document.paths['/v1/products'].get;
    expect(list.parameters).toEqual([{ name: 'first', in: 'query', required: false, schema: { type: 'integer', format: 'int32', default: 5 } }]);
    const reviews = document.paths['/v1/products/{upc}/reviews'].get;
    expect(reviews.parameters[0]).toEqual({ name: 'upc', in: 'path', required: true, schema: { type: 'string' } });
    expect(reviews.parameters[2]).toEqual({ name: 'to', in: 'query', required: false, schema: { $ref: '#/components/schemas/CountryCode', default: 'US' } });
    expect(document.components.schemas.CountryCode).toEqual({ type: 'string', enum: ['US', 'DE', 'FR', 'GB', 'JP'] });
  });

  it('derives the response schema from the selection set: lists, nullability, enums, descriptions', () => {
    const list = document.paths['/v1/products'].get.responses['200'].content['application/json'].schema;
    expect(list.type).toBe('array');
    expect(list.items.required).toEqual(['upc', 'name', 'price', 'category', 'inStock']);
    expect(list.items.properties.price).toEqual({ type: 'integer', format: 'int32', description: 'Price in US cents. Inventory requires it for shippingEstimate.' });
    expect(list.items.properties.category).toEqual({ $ref: '#/components/schemas/Category' });

    const v2 = document.paths['/v2/users/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(v2.properties)).toEqual(['id', 'handle', 'displayName', 'membership', 'address', 'reviews']);
    expect(v2.properties.address.type).toEqual(['object', 'null']);
    // GraphQL always sends the key; a nullable field's value may be null.
    expect(v2.required).toContain('address');
    expect(v2.properties.membership).toEqual({ $ref: '#/components/schemas/MembershipTier' });
    const order = document.paths['/v1/orders/{id}'].get.responses['200'].content['application/json'].schema;
    expect(order.properties.status).toEqual({ $ref: '#/components/schemas/OrderStatus' });
  });

  it('describes the body of the POST route by its input type, and its 201', () => {
    const create = document.paths['/v1/orders'].post;
    expect(create.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateOrderInput' } } } });
    const input = document.components.schemas.CreateOrderInput;
    expect(input.required).toEqual(['buyerId', 'items']);
    expect(input.properties.warehouseCode).toMatchObject({ type: ['string', 'null'], default: 'SEA-1' });
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['200']).toBeUndefined();
  });

  it('lists the problem+json error responses and 304 for GET routes', () => {
    const get = document.paths['/v1/products/{upc}'].get;
    expect(get.responses['304']).toBeDefined();
    expect(get.responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });
    expect(get.responses['401']).toBeUndefined();
    expect(document.components.responses.TooManyRequests.headers['Retry-After']).toBeDefined();
  });

  it('declares the API key scheme, and the scope a route needs from @requiresScopes', () => {
    expect(document.components.securitySchemes).toEqual({ apiKeyAuth: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }) });
    const order = document.paths['/v1/orders/{id}'].get;
    expect(order.security).toEqual([{ apiKeyAuth: ['orders:read'] }]);
    expect(order.responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
    expect(document.paths['/v1/orders'].post.security).toEqual([{ apiKeyAuth: ['orders:read'] }]);
    expect(document.paths['/v1/products/{upc}'].get.security).toEqual([]);
  });

  it('answers If-None-Match with 304', async () => {
    const first = await callRest(demo.url, 'GET', '/openapi.json');
    const again = await callRest(demo.url, 'GET', '/openapi.json', { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});
