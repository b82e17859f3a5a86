import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createRouteTable } from '../../../gateway/rest/route-table.js';
import { booksSupergraph } from './books-supergraph.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

const schema = booksSupergraph().apiSchema;
let dir: TempDir;

beforeAll(async () => {
  dir = await tempDir('atrium-rest-');
  await writeFile(join(dir.path, 'add-book.graphql'), 'mutation Add($input: BookInput!) { addBook(input: $input) { id } }');
  return dir.remove;
});

/** The problems the table reports for these routes (under basePath /api). */
function problemsOf(routes: object[]): string[] {
  const config = parseConfig({ rest: { basePath: '/api', routes } }, 'test');
  return createRouteTable(config.rest, { configDir: dir.path }).useSchema(schema);
}

describe('route checks against the schema', () => {
  it('accepts good routes, inline or from a .graphql file relative to the config directory', () => {
    expect(
      problemsOf([
        { path: '/books/:id', operation: 'query B($id: ID!) { book(id: $id) { title } }' },
        { method: 'POST', path: '/books', status: 201, body: 'input', operation: './add-book.graphql' },
        { path: '/books', operation: 'query L($first: Int, $genres: [Genre!]) { books(first: $first, genres: $genres) { id } }' },
      ]),
    ).toEqual([]);
  });

  it.each([
    [{ path: '/b/:id', operation: 'query { book(id: $id) { title' }, 'rest route GET /api/b/:id: the operation does not parse: Syntax Error'],
    [{ path: '/b', operation: '{ book(id: "1") { titel } }' }, 'rest route GET /api/b: the operation does not validate: Cannot query field "titel" on type "Book". Did you mean "title"?'],
    [{ path: '/b', operation: 'mutation { addBook(input: { title: "x" }) { id } }' }, 'rest route GET /api/b: a GET route must run a query, not a mutation'],
    [{ path: '/b/:id', operation: '{ books { id } }' }, 'rest route GET /api/b/:id: path parameter :id matches no variable of the operation'],
    [
      { path: '/b/:input', method: 'POST', operation: 'mutation A($input: BookInput!) { addBook(input: $input) { id } }' },
      'rest route POST /api/b/:input: path parameter :input must be a scalar or enum variable, but $input is BookInput!',
    ],
    [
      { path: '/b', method: 'DELETE', operation: 'mutation A($input: BookInput!) { addBook(input: $input) { id } }' },
      'rest route DELETE /api/b: $input (BookInput!) is required but no request can supply it: DELETE requests carry no body',
    ],
    [{ path: '/b', operation: '{ books { id } me { id } }' }, 'rest route GET /api/b: the operation selects 2 root fields (books, me): select the one to answer with'],
    [{ path: '/b', select: 'books.title', operation: '{ books { title } }' }, 'rest route GET /api/b: select: "books" must be a single object to select "title" in it'],
    [{ path: '/b', select: 'book.nope', operation: '{ book(id: 1) { title } }' }, 'rest route GET /api/b: select: "book.nope" is not a field the operation selects'],
    [{ path: '/b', operation: 'query A { me { id } } query B { me { id } }' }, 'rest route GET /api/b: the document holds 2 operations: name one with operationName'],
    [{ path: '/b', body: 'input', operation: '{ me { id } }' }, 'rest route GET /api/b: body names $input, which the operation does not declare'],
    [{ path: '/b', operation: './missing.graphql' }, `rest route GET /api/b: cannot read the operation file ${join('DIR', 'missing.graphql')}: file not found`],
  ])('%j → %s', (route, problem) => {
    const problems = problemsOf([route]).map((p) => p.replace(dir.path, 'DIR'));
    expect(problems[0]!.startsWith(problem)).toBe(true);
  });

  it('refuses two routes that match the same requests', () => {
    const problems = problemsOf([
      { path: '/b/:id', operation: 'query A($id: ID!) { book(id: $id) { id } }' },
      { path: '/b/:key', operation: 'query B($key: ID!) { book(id: $key) { id } }' },
    ]);
    expect(problems).toEqual(['rest route GET /api/b/:key: it matches the same requests as GET /api/b/:id']);
  });
});

describe('route lookup', () => {
  const config = parseConfig(
    {
      rest: {
        routes: [
          { path: '/books/:id', operation: 'query B($id: ID!) { book(id: $id) { id } }' },
          { path: '/books/top', operation: '{ books(first: 3) { id } }' },
          { method: 'POST', path: '/books', body: 'input', operation: 'mutation A($input: BookInput!) { addBook(input: $input) { id } }' },
        ],
      },
    },
    'test',
  );
  const table = createRouteTable(config.rest, { configDir: '.' });
  table.useSchema(schema);

  it('prefers a literal segment, and lists the allowed methods of a path', () => {
    const top = table.find('/books/top', 'GET');
    expect(top.kind === 'route' && top.entry.config.path).toBe('/books/top');
    const byId = table.find('/books/42', 'GET');
    expect(byId.kind === 'route' && byId.params).toEqual({ id: '42' });
    expect(table.find('/books', 'GET')).toEqual({ kind: 'method-not-allowed', allow: ['POST'] });
    expect(table.find('/nothing', 'GET')).toEqual({ kind: 'none' });
  });
});
