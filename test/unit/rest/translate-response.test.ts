import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { type CompiledRoute, compileRoute } from '../../../gateway/rest/compile-route.js';
import { translateResponse } from '../../../gateway/rest/translate-response.js';
import { booksSupergraph } from './books-supergraph.js';
import type { HttpResponse } from '../../../gateway/http/graphql-exchange.js';

const schema = booksSupergraph().apiSchema;
const parsed = parseConfig({ rest: { routes: [{ path: '/books/:id', operation: 'query B($id: ID!) { book(id: $id) { title author { name } } }' }] } }, 'test');
const compiled = compileRoute(parsed.rest.routes[0]!, parsed.rest.routes[0]!.operation, schema);
const route = (compiled as { route: CompiledRoute }).route;

function translate(body: object, status = 200, headers: [string, string][] = []) {
  const graphql: HttpResponse = { status, headers: new Map([['content-type', 'application/json'], ...headers]), body: JSON.stringify(body) };
  const answer = translateResponse(graphql, { route, sources: new Map([['id', 'path']]), instance: '/books/1' });
  return { ...answer, json: JSON.parse(answer.body as string) };
}

const error = (code: string, extra: object = {}) => ({ message: `failed: ${code}`, extensions: { code, ...extra } });

describe('GraphQL answer → REST answer', () => {
  it('answers the selected value with the route\'s status, keeping the pipeline\'s headers', () => {
    const answer = translate({ data: { book: { title: 'Dune', author: null } } }, 200, [['x-ratelimit-remaining', '9']]);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ title: 'Dune', author: null });
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('404 when the root field is null without errors', () => {
    const answer = translate({ data: { book: null } });
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ code: 'RESOURCE_NOT_FOUND', detail: 'book is null: no such resource', instance: '/books/1' });
  });

  it('403 when authorization removed the selected root field', () => {
    const answer = translate({ data: { book: null }, errors: [{ ...error('UNAUTHORIZED_FIELD_OR_TYPE'), path: ['book'] }] });
    expect(answer.status).toBe(403);
    expect(answer.json.errors).toEqual([{ message: 'failed: UNAUTHORIZED_FIELD_OR_TYPE', code: 'UNAUTHORIZED_FIELD_OR_TYPE', path: ['book'] }]);
  });

  it('504 for a subgraph timeout and 502 for other subgraph failures without data', () => {
    expect(translate({ data: { book: null }, errors: [error('SUBGRAPH_TIMEOUT', { serviceName: 'books' })] }).status).toBe(504);
    expect(translate({ data: { book: null }, errors: [error('SUBGRAPH_UNAVAILABLE', { serviceName: 'books' })] }).status).toBe(502);
    expect(translate({ data: null, errors: [error('INTERNAL_SERVER_ERROR', { serviceName: 'books' })] }).status).toBe(502);
    expect(translate({ data: { book: null }, errors: [{ message: 'no code', extensions: { serviceName: 'books' } }] }).status).toBe(502);
  });

  it('lets the error a client can act on decide when errors disagree', () => {
    const answer = translate({ errors: [error('SUBGRAPH_TIMEOUT', { serviceName: 'books' }), error('RATE_LIMITED')] }, 429, [['retry-after', '3']]);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(answer.json.code).toBe('RATE_LIMITED');
  });

  it('400 naming the parameter GraphQL\'s variable coercion refused', () => {
    const answer = translate({ errors: [{ message: 'Variable "$id" got invalid value []', extensions: { code: 'BAD_USER_INPUT' } }] }, 400);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ parameter: 'id', in: 'path', detail: 'parameter "id" (path): Variable "$id" got invalid value []' });
  });

  it('200 with the data and the errors in x-graphql-errors when the value is partial, ASCII only', () => {
    const answer = translate({ data: { book: { title: 'Dune', author: null } }, errors: [{ ...error('SUBGRAPH_ERROR'), message: 'auteur introuvable: Émile', path: ['book', 'author'] }] });
    expect(answer.status).toBe(200);
    const header = answer.headers.get('x-graphql-errors')!;
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(header)).toEqual([{ message: 'auteur introuvable: Émile', code: 'SUBGRAPH_ERROR', path: ['book', 'author'] }]);
  });

  it('bounds x-graphql-errors and counts what it leaves out', () => {
    const errors = Array.from({ length: 100 }, (_, i) => ({ ...error('SUBGRAPH_ERROR'), path: ['book', 'author', i] }));
    const header = translate({ data: { book: { title: 'Dune', author: null } }, errors }).headers.get('x-graphql-errors')!;
    expect(header.length).toBeLessThanOrEqual(2048);
    const listed = JSON.parse(header);
    expect(listed.at(-1)).toEqual({ omitted: 100 - (listed.length - 1) });
  });
});
