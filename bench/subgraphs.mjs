import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { execute, parse, specifiedRules, validate } from 'graphql';
import { buildFederationSubgraph } from './lib/federation-subgraph.mjs';
import { data, SUBGRAPHS, subgraphSdl } from './lib/workload.mjs';

/**
 * The four benchmark subgraphs (accounts, products, inventory, reviews) in one process, one port each,
 * built so that the gateway, not they, is the bottleneck: a response is computed with graphql-js once per
 * distinct request body and then served from a cache keyed by that body. They reproduce the reference
 * subgraphs' data quirks (bench/workload/README.md): every User.reviews is reviews 1 and 2, every
 * Review.author is user 1 with username urigo, shippingEstimate is always null.
 *
 * Run: `node bench/subgraphs.mjs [--ports 0,0,0,0]` prints one JSON line `{"ready":true,"urls":{...}}`.
 * Control, on every port: `GET /__bench/stats` → `{"requests":{"accounts":n,...},"total":n}`;
 * `POST /__bench/cache?enabled=0|1` switches the response cache (off for the plan-miss scenario).
 */

/** @typedef {import('./lib/workload.mjs').Row} Row */

const usersById = new Map(data.users.map((u) => [u.id, u]));
const productsByUpc = new Map(data.products.map((p) => [p.upc, p]));
const inventoryByUpc = new Map(data.inventory.map((i) => [i.upc, i]));
const reviewsById = new Map(data.reviews.map((r) => [r.id, r]));

/** @type {Record<string, import('./lib/federation-subgraph.mjs').Resolvers>} */
const RESOLVERS = {
  accounts: {
    Query: {
      me: () => data.users[0],
      user: (_, args) => usersById.get(args.id) ?? null,
      users: () => data.users,
    },
    User: { __resolveReference: (ref) => usersById.get(ref.id) ?? null },
  },
  products: {
    Query: { topProducts: (_, args) => data.products.slice(0, args.first) },
    Product: { __resolveReference: (ref) => productsByUpc.get(ref.upc) ?? null },
  },
  inventory: {
    // The reference inventory ignores the required price/weight and its own are null: always null.
    Product: {
      __resolveReference: (ref) => ({ ...ref, ...inventoryByUpc.get(ref.upc) }),
      shippingEstimate: () => null,
    },
  },
  reviews: {
    Review: {
      __resolveReference: (ref) => reviewsById.get(ref.id) ?? null,
      author: () => ({ __typename: 'User', id: '1', username: 'urigo' }),
      product: (review) => ({ __typename: 'Product', upc: review.productUpc }),
    },
    User: { reviews: () => data.reviews.slice(0, 2) },
    Product: { reviews: (product) => data.reviews.filter((r) => r.productUpc === product.upc) },
  },
};

const MAX_CACHED = 20_000;

/**
 * Starts the four subgraphs; resolves once all listen.
 * @param {{ host?: string; ports?: number[] }} [options]
 */
export async function startSubgraphs(options = {}) {
  const host = options.host ?? '127.0.0.1';
  /** @type {Record<string, number>} */
  const requests = Object.fromEntries(SUBGRAPHS.map((name) => [name, 0]));
  let cacheEnabled = true;
  /** @type {import('node:http').Server[]} */
  const servers = [];
  /** @type {Record<string, string>} */
  const urls = {};

  for (const [i, name] of SUBGRAPHS.entries()) {
    const { schema, fieldResolver, typeResolver } = buildFederationSubgraph(subgraphSdl(name), RESOLVERS[name]);
    /** @type {Map<string, Buffer>} */
    const responses = new Map();
    /** @type {Map<string, import('graphql').DocumentNode | readonly import('graphql').GraphQLError[]>} */
    const documents = new Map();

    /** @param {string} body */
    const answer = (body) => {
      let request;
      try {
        request = JSON.parse(body);
      } catch {
        return Buffer.from(JSON.stringify({ errors: [{ message: 'body is not JSON' }] }));
      }
      let document = documents.get(request.query);
      if (document === undefined) {
        try {
          const parsed = parse(request.query);
          const errors = validate(schema, parsed, specifiedRules);
          document = errors.length > 0 ? errors : parsed;
        } catch (error) {
          document = [/** @type {any} */ (error)];
        }
        if (documents.size >= MAX_CACHED) documents.clear();
        documents.set(request.query, document);
      }
      if (Array.isArray(document)) return Buffer.from(JSON.stringify({ errors: document }));
      const result = execute({
        schema,
        document: /** @type {import('graphql').DocumentNode} */ (document),
        variableValues: request.variables,
        operationName: request.operationName,
        fieldResolver,
        typeResolver,
      });
      return Buffer.from(JSON.stringify(result));
    };

    const server = createServer((req, res) => {
      if (req.url?.startsWith('/__bench/')) return control(req, res);
      requests[name]++;
      /** @type {Buffer[]} */
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
        let payload = cacheEnabled ? responses.get(body) : undefined;
        if (payload === undefined) {
          payload = answer(body);
          if (cacheEnabled) {
            if (responses.size >= MAX_CACHED) responses.clear();
            responses.set(body, payload);
          }
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
        res.end(payload);
      });
    });
    server.keepAliveTimeout = 30_000;
    server.headersTimeout = 31_000;
    servers.push(server);
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.ports?.[i] ?? 0, host, () => resolve(undefined));
    });
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    urls[name] = `http://${host}:${address.port}/graphql`;
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  function control(req, res) {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/__bench/cache' && req.method === 'POST') {
        cacheEnabled = url.searchParams.get('enabled') !== '0';
      }
      const total = Object.values(requests).reduce((a, b) => a + b, 0);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ requests, total, cacheEnabled }));
    });
  }

  return {
    urls,
    requests,
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve(undefined))))),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { ports: { type: 'string' }, host: { type: 'string' } } });
  const ports = values.ports?.split(',').map(Number);
  const { urls } = await startSubgraphs({ host: values.host, ports });
  process.stdout.write(`${JSON.stringify({ ready: true, urls })}\n`);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
