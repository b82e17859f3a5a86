import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { buildSchema, execute, parse, validate } from 'graphql';
import { isMain } from './lib/target.mjs';
import { data } from './lib/workload.mjs';

/**
 * The no-gateway ceiling: the benchmark's graph as one graphql-js schema over the same data, in one
 * process. Every request is executed (the parsed and validated document is cached by query text, as a
 * gateway caches its plans); the resolvers reproduce the reference subgraphs' quirks so the answer is
 * byte-identical to expected-response.json.
 *
 * Run: `node bench/monolith.mjs --port <n> [--host 127.0.0.1]`; prints `monolith listening on <url>`.
 */

const schema = buildSchema(`
  type Query {
    me: User
    user(id: ID!): User
    users: [User]
    topProducts(first: Int = 5): [Product]
  }
  type User {
    id: ID!
    name: String
    username: String
    birthday: Int
    reviews: [Review]
  }
  type Product {
    upc: String!
    name: String
    price: Int
    weight: Int
    inStock: Boolean
    shippingEstimate: Int
    reviews: [Review]
  }
  type Review {
    id: ID!
    body: String
    product: Product
    author: User
  }
`);

/** @typedef {import('./lib/workload.mjs').Row} Row */
const usersById = new Map(data.users.map((u) => [u.id, u]));
const productsByUpc = new Map(data.products.map((p) => [p.upc, p]));
const inventoryByUpc = new Map(data.inventory.map((i) => [i.upc, i]));
const reviewsByUpc = new Map(data.products.map((p) => [p.upc, data.reviews.filter((r) => r.productUpc === p.upc)]));
const firstTwoReviews = data.reviews.slice(0, 2);

/** @type {Record<string, Record<string, (source: any, args: any) => unknown>>} */
const resolvers = {
  Query: {
    me: () => data.users[0],
    user: (_, args) => usersById.get(args.id) ?? null,
    users: () => data.users,
    topProducts: (_, args) => data.products.slice(0, args.first),
  },
  // The reference reviews subgraph answers reviews 1 and 2 for every user.
  User: { reviews: () => firstTwoReviews },
  Product: {
    inStock: (product) => inventoryByUpc.get(product.upc)?.inStock ?? null,
    shippingEstimate: () => null,
    reviews: (product) => reviewsByUpc.get(product.upc) ?? [],
  },
  Review: {
    product: (review) => productsByUpc.get(review.productUpc) ?? null,
    // ... and user 1 as every review's author.
    author: () => data.users[0],
  },
};

/** @type {import('graphql').GraphQLFieldResolver<any, any>} */
const fieldResolver = (source, args, _context, info) => {
  const resolve = resolvers[info.parentType.name]?.[info.fieldName];
  return resolve ? resolve(source, args) : source?.[info.fieldName];
};

/** @type {Map<string, import('graphql').DocumentNode | readonly import('graphql').GraphQLError[]>} */
const documents = new Map();

/**
 * Answers one GraphQL-over-HTTP request body (also the reference answer of the plan-miss scenario).
 * @param {string} body
 * @returns {{ status: number; payload: string }}
 */
export function answer(body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, payload: JSON.stringify({ errors: [{ message: 'body is not JSON' }] }) };
  }
  if (typeof request?.query !== 'string') return { status: 400, payload: JSON.stringify({ errors: [{ message: 'no query' }] }) };
  let document = documents.get(request.query);
  if (document === undefined) {
    try {
      const parsed = parse(request.query);
      const errors = validate(schema, parsed);
      document = errors.length > 0 ? errors : parsed;
    } catch (error) {
      document = [/** @type {any} */ (error)];
    }
    if (documents.size >= 10_000) documents.clear();
    documents.set(request.query, document);
  }
  if (Array.isArray(document)) return { status: 400, payload: JSON.stringify({ errors: document }) };
  const result = execute({
    schema,
    document: /** @type {import('graphql').DocumentNode} */ (document),
    variableValues: request.variables,
    operationName: request.operationName,
    fieldResolver,
  });
  return { status: 200, payload: JSON.stringify(result) };
}

/** Serves `answer` over HTTP until SIGTERM or SIGINT. */
function serve() {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const { status, payload } = req.method === 'POST' ? answer(Buffer.concat(chunks).toString('utf8')) : { status: 405, payload: '{}' };
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(values.port), values.host, () => {
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    console.log(`monolith listening on http://${values.host}:${port}/graphql`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  process.once('SIGINT', () => server.close(() => process.exit(0)));
}

if (isMain(import.meta.url)) serve();
