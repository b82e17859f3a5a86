import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { type CompiledRoute, compileRoute } from '../../../gateway/rest/compile-route.js';
import { routeVariables } from '../../../gateway/rest/route-variables.js';
import { booksSupergraph } from './books-supergraph.js';

const schema = booksSupergraph().apiSchema;

function route(config: object): CompiledRoute {
  const parsed = parseConfig({ rest: { routes: [config] } }, 'test').rest.routes[0]!;
  const result = compileRoute(parsed, parsed.operation, schema);
  if ('problems' in result) throw new Error(result.problems.join('\n'));
  return result.route;
}

const LIST = route({
  path: '/books',
  operation: 'query L($first: Int, $genres: [Genre!], $minRating: Float, $inPrint: Boolean) { books(first: $first, genres: $genres, minRating: $minRating, inPrint: $inPrint) { id } }',
});

describe('variables from the query string', () => {
  it('converts strings to ints, floats, booleans, enums, and repeated parameters to a list', () => {
    const { variables, sources } = routeVariables(LIST, {
      path: {},
      query: new URLSearchParams('first=3&genres=FICTION&genres=SCIENCE&minRating=4.5&inPrint=true&unknown=1'),
      body: undefined,
    });
    expect(variables).toEqual({ first: 3, genres: ['FICTION', 'SCIENCE'], minRating: 4.5, inPrint: true });
    expect([...sources.values()]).toEqual(['query', 'query', 'query', 'query']);
  });

  it('makes one value for a list type a list of one', () => {
    expect(routeVariables(LIST, { path: {}, query: new URLSearchParams('genres=HISTORY'), body: undefined }).variables).toEqual({ genres: ['HISTORY'] });
  });

  it('passes strings that spell no value of the type on unchanged, for GraphQL to refuse by variable name', () => {
    const { variables } = routeVariables(LIST, {
      path: {},
      query: new URLSearchParams('first=1.5&minRating=&inPrint=yes&genres=POETRY'),
      body: undefined,
    });
    expect(variables).toEqual({ first: '1.5', minRating: '', inPrint: 'yes', genres: ['POETRY'] });
  });
});

describe('variables from the path and the body', () => {
  const byId = route({ path: '/books/:id', operation: 'query B($id: ID!) { book(id: $id) { id } }' });
  const add = route({ method: 'POST', path: '/books', body: 'input', operation: 'mutation A($input: BookInput!) { addBook(input: $input) { id } }' });
  const keyed = route({ method: 'POST', path: '/search', operation: 'query S($first: Int, $genres: [Genre!]) { books(first: $first, genres: $genres) { id } }' });

  it('takes path parameters first, over the query string', () => {
    const { variables, sources } = routeVariables(byId, { path: { id: '7' }, query: new URLSearchParams('id=8'), body: undefined });
    expect(variables).toEqual({ id: '7' });
    expect(sources.get('id')).toBe('path');
    expect(() => routeVariables(byId, { path: { id: '7' }, query: new URLSearchParams(), body: { id: '8' } })).toThrow('body field "id"');
  });

  it('puts the whole body into the route\'s body variable, as an input object', () => {
    const body = { title: 'Dune', tags: ['sf'] };
    expect(routeVariables(add, { path: {}, query: new URLSearchParams(), body }).variables).toEqual({ input: body });
  });

  it('matches body keys to variables by name, after the query string', () => {
    const { variables, sources } = routeVariables(keyed, { path: {}, query: new URLSearchParams('first=2'), body: { first: 9, genres: ['SCIENCE'] } });
    expect(variables).toEqual({ first: 2, genres: ['SCIENCE'] });
    expect(sources.get('genres')).toBe('body');
  });

  it('refuses a body that is not an object, or has a key that is no parameter', () => {
    expect(() => routeVariables(keyed, { path: {}, query: new URLSearchParams(), body: [1] })).toThrow('the JSON body must be an object');
    expect(() => routeVariables(keyed, { path: {}, query: new URLSearchParams(), body: { genre: 'X' } })).toThrow(
      'body field "genre" is not a parameter of this route',
    );
  });
});
