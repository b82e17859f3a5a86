import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../gateway/config/load-config.js';
import { buildOpenApi } from '../../../../gateway/rest/openapi/build-openapi.js';
import { createRouteTable } from '../../../../gateway/rest/route-table.js';
import { booksSupergraph } from '../books-supergraph.js';

const supergraph = booksSupergraph();
const ROUTES = [
  { path: '/books/:id', operation: 'query B($id: ID!) { book(id: $id) { id title isbn genre tags author { name } } }' },
  { path: '/books', operation: 'query L($first: Int = 3, $genres: [Genre!]) { books(first: $first, genres: $genres) { id } }' },
  { method: 'POST', path: '/books', status: 201, body: 'input', summary: 'Add a book', operation: 'mutation A($input: BookInput!) { addBook(input: $input) { id } }' },
  { path: '/secret', operation: '{ secret }' },
  { path: '/me/favourite', select: 'me.favourite', operation: '{ me { favourite { title } } }' },
  { path: '/legacy/:isbn', operation: 'query G($isbn: String!) { legacyBook(isbn: $isbn) { title } }' },
];

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const HASH = `sha256:${'ab'.repeat(32)}`;
/** Credentials of the auth section: JWTs from one issuer, and API keys in their own header. */
const AUTH = { jwt: { issuers: { books: { issuer: 'books', secret: SECRET } } }, apiKeys: { header: 'x-books-key', keys: { ci: { hash: HASH } } } };

/** The document for the routes under a gateway.yaml with this `auth` section. */
function documentFor(auth?: object): any {
  const config = parseConfig({ rest: { routes: ROUTES }, ...(auth && { auth }) }, 'test');
  const table = createRouteTable(config.rest, { configDir: '.' });
  expect(table.useSchema(supergraph.apiSchema)).toEqual([]);
  return buildOpenApi({ config, routes: table.entries, supergraph });
}

const schemaOf = (operation: any, status = '200') => operation.responses[status].content['application/json'].schema;

describe('buildOpenApi', () => {
  it('builds a valid OpenAPI 3.1 document, with and without auth', async () => {
    for (const document of [documentFor(), documentFor(AUTH)]) {
      const result = await new Validator().validate(document);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
    }
  });

  it('carries descriptions, deprecations and nullability from the schema', () => {
    const document = documentFor();
    const book = document.paths['/books/{id}'].get;
    expect(book.summary).toBe('A book by its id.');
    const body = schemaOf(book);
    expect(body.description).toBe('A book in the catalog.');
    expect(body.properties.isbn).toEqual({ type: ['string', 'null'], description: 'The ISBN-10.\n\nDeprecated: Use id.', deprecated: true });
    expect(body.properties.tags).toEqual({ type: 'array', items: { type: 'string' } });
    expect(body.properties.author).toEqual({ type: ['object', 'null'], properties: { name: { type: 'string' } }, required: ['name'] });
    expect(document.components.schemas.Genre.enum).toEqual(['FICTION', 'SCIENCE', 'HISTORY']);
    expect(document.components.schemas.Genre.description).toContain('HISTORY (deprecated: merged into SCIENCE)');
    expect(document.paths['/legacy/{isbn}'].get.deprecated).toBe(true);
  });

  it('types list parameters as exploded arrays, and the body by its input object', () => {
    const document = documentFor();
    const genres = document.paths['/books'].get.parameters[1];
    expect(genres).toEqual({ name: 'genres', in: 'query', required: false, schema: { type: 'array', items: { $ref: '#/components/schemas/Genre' } }, style: 'form', explode: true });
    const add = document.paths['/books'].post;
    expect(add.summary).toBe('Add a book');
    expect(add.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BookInput' });
    expect(document.components.schemas.BookInput).toMatchObject({ required: ['title'], properties: { genre: { default: 'FICTION' } } });
    expect(Object.keys(add.responses)).toContain('201');
  });

  it('answers the selected value for a select path', () => {
    const favourite = schemaOf(documentFor().paths['/me/favourite'].get);
    expect(favourite).toMatchObject({ type: 'object', properties: { title: { type: 'string' } } });
  });

  it('declares security schemes from the auth config, and each route\'s requirements from the directives', () => {
    const document = documentFor(AUTH);
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKeyAuth: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-books-key' }),
    });
    expect(document.paths['/secret'].get.security).toEqual([
      { bearerAuth: ['books:admin'] },
      { bearerAuth: ['root'] },
      { apiKeyAuth: ['books:admin'] },
      { apiKeyAuth: ['root'] },
    ]);
    expect(document.paths['/me/favourite'].get.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
    expect(document.paths['/me/favourite'].get.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
    expect(document.paths['/books/{id}'].get.security).toEqual([]);
  });

  it('follows how the auth section takes credentials', () => {
    const header = documentFor({ jwt: { header: 'x-token', scheme: '', cookie: 'session', issuers: AUTH.jwt.issuers } }).components.securitySchemes;
    expect(header).toEqual({
      bearerAuth: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-token' }),
      cookieAuth: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'session' }),
    });
    expect(documentFor({ required: true, ...AUTH }).paths['/books/{id}'].get.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
  });
});
