import { composeSubgraphs } from '../../../gateway/supergraph/compose.js';
import { buildSupergraph, type LoadedSupergraph } from '../../../gateway/supergraph/build-supergraph.js';

// One small subgraph with what the REST layer must carry into routes and OpenAPI: descriptions,
// deprecations, enums, lists, input objects with defaults, and the security directives.
export const BOOKS_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@requiresScopes", "@authenticated"])

type Query {
  "A book by its id."
  book(id: ID!): Book
  books(first: Int = 10, genres: [Genre!], minRating: Float, inPrint: Boolean): [Book!]!
  secret: String @requiresScopes(scopes: [["books:admin"], ["root"]])
  me: Reader @authenticated
  legacyBook(isbn: String!): Book @deprecated(reason: "Use book(id:).")
}

type Mutation {
  addBook(input: BookInput!): Book!
}

"A book in the catalog."
type Book @key(fields: "id") {
  id: ID!
  title: String!
  "The ISBN-10."
  isbn: String @deprecated(reason: "Use id.")
  genre: Genre!
  tags: [String!]!
  author: Author
}

type Author {
  name: String!
}

type Reader @key(fields: "id") {
  id: ID!
  favourite: Book
}

enum Genre {
  FICTION
  SCIENCE
  HISTORY @deprecated(reason: "merged into SCIENCE")
}

input BookInput {
  title: String!
  genre: Genre = FICTION
  tags: [String!]
}
`;

/**
 * The books subgraph composed into a supergraph, built as the gateway builds it.
 *
 * @example
 * const supergraph = booksSupergraph();
 */
export function booksSupergraph(): LoadedSupergraph {
  const result = composeSubgraphs([{ name: 'books', url: 'http://127.0.0.1:1/graphql', sdl: BOOKS_SDL, sourceName: 'books.graphql' }]);
  if ('errors' in result) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return buildSupergraph(result.supergraphSdl);
}
