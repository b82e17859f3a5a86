import { z } from 'zod';
import { policyRuleSchema } from '../plugins/authorization/policy-rule.js';
import { byteSize, duration, flag, httpUrl, integer } from './units.js';

// The schema of gateway.yaml. docs/config.md is generated from the TSDoc comments on the fields below (`npm run docs`), so
// every field carries one, with its default. Objects are strict: an unknown key is an error naming its path.

const tlsSchema = z
  .object({
    /**
     * PEM certificate chain file, relative to the directory of gateway.yaml.
     * @default required
     */
    cert: z.string({ error: 'expected a file path' }).min(1),
    /**
     * PEM private key file, relative to the directory of gateway.yaml.
     * @default required
     */
    key: z.string({ error: 'expected a file path' }).min(1),
    /**
     * Passphrase of an encrypted private key (use `${env.NAME}`).
     * @default none
     */
    passphrase: z.string().optional(),
  })
  .strict();

const serverSchema = z
  .object({
    /**
     * Interface the HTTP server listens on. `0.0.0.0` listens on all IPv4 interfaces, `::` on all
     * interfaces, `127.0.0.1` on loopback only.
     * @default "0.0.0.0"
     */
    host: z.string({ error: 'expected a host name or IP address' }).min(1).default('0.0.0.0'),
    /**
     * TCP port of the HTTP server; `0` picks a free port (tests).
     * @default 4000
     */
    port: integer(0, 65_535).default(4000),
    /**
     * Path at which GraphQL is served (POST and GET).
     * @default "/graphql"
     */
    graphqlPath: z
      .string({ error: 'expected a path starting with "/"' })
      .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
      .default('/graphql'),
    /**
     * Largest request body accepted; larger bodies get 413 PAYLOAD_TOO_LARGE. A number of bytes or a size
     * string such as `"512kb"`, `"1mb"` (binary units: 1mb = 1048576 bytes).
     * @default "1mb"
     */
    bodyLimit: byteSize().default(1024 * 1024),
    /**
     * On SIGTERM or SIGINT, how long the gateway waits for in-flight requests to finish before closing
     * their connections. A number of milliseconds or a duration string such as `"10s"`.
     * @default "10s"
     */
    shutdownGrace: duration().default(10_000),
    /**
     * TLS termination: with `cert` and `key` the gateway serves HTTPS (node:https) instead of HTTP.
     * @default off (plain HTTP)
     */
    tls: tlsSchema.optional(),
  })
  .strict();

const graphqlSchema = z
  .object({
    /**
     * Whether clients may introspect the API schema (`__schema`, `__type`). Turn off in production if the
     * schema is not public.
     * @default true
     */
    introspection: flag().default(true),
    /**
     * Reject requests that a browser could send cross-site without a preflight (GET or simple POST
     * without a `content-type: application/json`, `apollo-require-preflight` or `x-apollo-operation-name`
     * header), as Apollo Server's CSRF prevention does.
     * @default true
     */
    csrfPrevention: flag().default(true),
    /**
     * Moved to `limits.maxDepth` (which also has a `measure` mode); setting it here is a config error that
     * says so.
     * @default not allowed
     */
    maxDepth: z.never({ error: 'moved to limits.maxDepth (see limits.mode for enforce or measure)' }).optional(),
  })
  .strict();

const engineSchema = z
  .object({
    /**
     * Which plan executor runs query plans: `atrium` (Atrium's own) or `apollo` (the `@apollo/gateway`
     * executor, kept for comparison and differential testing).
     * @default "atrium"
     */
    executor: z.enum(['atrium', 'apollo'], { error: 'expected one of atrium, apollo' }).default('atrium'),
    /**
     * Which query planner plans operations: `hive` (Hive Router's native planner,
     * `@graphql-hive/router-query-planner`, MIT), which sends the entity fetches of one subgraph at the same
     * depth as one batched request (7 subgraph requests instead of 16 for the benchmark query); `apollo`
     * (`@apollo/query-planner`); or `auto`, which plans with `hive` wherever it can and with `apollo`
     * otherwise: with `executor: apollo`, on a platform without the native binary (it exists for glibc
     * Linux and macOS, x64 and arm64), or for a supergraph the Hive planner cannot load or that uses
     * progressive `@override` labels (the reason is logged at startup). An explicit `hive` refuses to
     * start in those cases instead. Whichever plans, an operation the Hive planner cannot plan is planned
     * by the apollo planner (logged as a warning), so answers never depend on the choice.
     * @default "auto"
     */
    planner: z.enum(['auto', 'apollo', 'hive'], { error: 'expected one of auto, apollo, hive' }).default('auto'),
    /**
     * How many query plans are kept, keyed by operation; least recently used plans are dropped first.
     * `0` disables the cache.
     * @default 1000
     */
    planCacheSize: integer(0, 10_000_000).default(1000),
    /**
     * Most memory the plan cache may hold, estimated per plan from its serialized size; least recently
     * used plans are dropped first, and a plan larger than this alone is not cached (it is planned each
     * time). Bounds memory when operations are large: the entry count alone does not. A number of bytes or
     * a size string such as `"64mb"`.
     * @default "64mb"
     */
    planCacheMaxBytes: byteSize().default(64 * 1024 * 1024),
    /**
     * Most operations executing at once in one gateway process; more wait in arrival order for a slot
     * (a waiting request whose client leaves is dropped). On a CPU-bound gateway, fewer operations in
     * flight finish sooner and hold less memory than all of them interleaved. `0` admits everything.
     * @default 0
     */
    maxConcurrentOperations: integer(0, 100_000).default(0),
  })
  .strict()
  .refine((engine) => engine.planner !== 'hive' || engine.executor === 'atrium', {
    error: 'planner "hive" needs executor "atrium" (the apollo executor does not run batched entity fetches)',
    path: ['planner'],
  });

// ── authentication and authorization (issue 4) ──

/** JWS algorithms a token may be signed with. `none` is not among them and can never be configured. */
const JWS_ALGORITHMS = [
  'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;

const algorithmName = z.string({ error: 'expected an algorithm name such as "RS256"' }).superRefine((value, ctx) => {
  if (value.toLowerCase() === 'none') {
    ctx.addIssue({ code: 'custom', message: 'alg "none" can never be allowed: an unsigned token proves nothing about its sender' });
  } else if (!(JWS_ALGORITHMS as readonly string[]).includes(value)) {
    ctx.addIssue({ code: 'custom', message: `unknown algorithm "${value}"; expected one of ${JWS_ALGORITHMS.join(', ')}` });
  }
});

const oneOrMoreStrings = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: 'expected a string or a list of strings',
});

const jwtIssuerSchema = z
  .object({
    /**
     * The `iss` value tokens of this issuer carry; it is checked exactly. A token is verified by the issuer
     * whose `iss` it names; an entry without `issuer` takes tokens whose `iss` no other entry names.
     * @default any issuer (not checked)
     */
    issuer: z.string().min(1).optional(),
    /**
     * Accepted `aud` values (a string or a list; the token must name at least one).
     * @default not checked
     */
    audience: oneOrMoreStrings.optional(),
    /**
     * Allowed signing algorithms. `none` is refused when the config is read.
     * @default ["RS256", "ES256", "PS256", "EdDSA"] with a key set, ["HS256"] with a shared secret
     */
    algorithms: z.array(algorithmName).min(1).optional(),
    /**
     * URL of a JSON Web Key Set (for example `https://idp.example.com/.well-known/jwks.json`). Fetched at
     * startup, kept in memory, refreshed in the background every `jwksRefresh`, and refetched when a token
     * names a key id the set lacks (at most once per `jwksCooldown`). One of `jwksUrl`, `jwksFile`, `secret`.
     * @default none
     */
    jwksUrl: httpUrl().optional(),
    /**
     * Path of a JWKS JSON file, relative to gateway.yaml's directory; read once at startup.
     * @default none
     */
    jwksFile: z.string().min(1).optional(),
    /**
     * Shared secret for HMAC-signed tokens (HS256/384/512), at least 32 characters. Use `${env.NAME}`.
     * @default none
     */
    secret: z.string().min(32, { error: 'a shared secret must be at least 32 characters long' }).optional(),
    /**
     * How often the key set at `jwksUrl` is refetched in the background, so removed keys stop working.
     * @default "10m"
     */
    jwksRefresh: duration().default(600_000),
    /**
     * Least time between two refetches of `jwksUrl` caused by unknown key ids; tokens with an unknown `kid`
     * inside this window are refused without a fetch, so forged `kid`s cannot flood the identity provider.
     * @default "30s"
     */
    jwksCooldown: duration().default(30_000),
    /**
     * How long one fetch of `jwksUrl` may take.
     * @default "5s"
     */
    jwksTimeout: duration().default(5_000),
  })
  .strict()
  .superRefine((issuer, ctx) => {
    const sources = [issuer.jwksUrl, issuer.jwksFile, issuer.secret].filter((source) => source !== undefined).length;
    if (sources !== 1) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one key source: jwksUrl, jwksFile or secret' });
    }
    const hmac = issuer.algorithms?.filter((alg) => alg.startsWith('HS')) ?? [];
    if (issuer.secret !== undefined && issuer.algorithms && hmac.length !== issuer.algorithms.length) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'a shared secret only verifies HS256, HS384 or HS512' });
    }
    if (issuer.secret === undefined && hmac.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'HS* algorithms need a shared secret, not a key set' });
    }
  });

const jwtSchema = z
  .object({
    /**
     * Request header that carries the token.
     * @default "authorization"
     */
    header: z.string().min(1).toLowerCase().default('authorization'),
    /**
     * Scheme before the token in that header (`Authorization: Bearer <token>`); `""` for a bare token.
     * @default "Bearer"
     */
    scheme: z.string().default('Bearer'),
    /**
     * Cookie that carries the token when the header is absent.
     * @default none
     */
    cookie: z.string().min(1).optional(),
    /**
     * Leeway for `exp` and `nbf` between the issuer's clock and this gateway's.
     * @default "30s"
     */
    clockTolerance: duration().default(30_000),
    /**
     * Claim that holds the principal's scopes: a space-separated string (OAuth `scope`) or a list of strings.
     * @default "scope"
     */
    scopesClaim: z.string().min(1).default('scope'),
    /**
     * Claim that names the calling client (`principal.clientId`); `azp` is used when it is absent.
     * @default "client_id"
     */
    clientIdClaim: z.string().min(1).default('client_id'),
    /**
     * Token issuers by a name of your choice; several may be active at once.
     * @default {}
     */
    issuers: z.record(z.string(), jwtIssuerSchema).default({}),
  })
  .strict();

const apiKeySchema = z
  .object({
    /**
     * `sha256:<hex>` of the key (`atrium hash-api-key <key>` prints it); the key itself is never stored.
     * @default none (required)
     */
    hash: z
      .string({ error: 'expected "sha256:<64 hex digits>"' })
      .regex(/^sha256:[0-9a-fA-F]{64}$/, { error: 'expected "sha256:<64 hex digits>" (see atrium hash-api-key)' })
      .transform((value) => value.toLowerCase()),
    /**
     * `principal.clientId` of requests with this key.
     * @default the key's name
     */
    clientId: z.string().min(1).optional(),
    /**
     * Scopes the key grants.
     * @default []
     */
    scopes: z.array(z.string().min(1)).default([]),
    /**
     * Claims the principal carries, as if from a token (policies read them).
     * @default {}
     */
    claims: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const apiKeysSchema = z
  .object({
    /**
     * Request header that carries an API key.
     * @default "x-api-key"
     */
    header: z.string().min(1).toLowerCase().default('x-api-key'),
    /**
     * Accepted keys by a name of your choice.
     * @default {}
     */
    keys: z.record(z.string(), apiKeySchema).default({}),
  })
  .strict();

const identityHeaderName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' })
  .toLowerCase();

const identityHeadersSchema = z
  .object({
    /**
     * Header that carries the principal's subject (`sub`) to subgraphs; `""` sends none.
     * @default "x-user-id"
     */
    subject: z.union([identityHeaderName, z.literal('')]).default('x-user-id'),
    /**
     * Header that carries the principal's scopes, space-separated; `""` sends none.
     * @default "x-user-scopes"
     */
    scopes: z.union([identityHeaderName, z.literal('')]).default('x-user-scopes'),
    /**
     * Header that carries the principal's client id; `""` sends none.
     * @default "x-client-id"
     */
    clientId: z.union([identityHeaderName, z.literal('')]).default('x-client-id'),
    /**
     * More claims to send, claim name → header name (objects and lists as JSON).
     * @default {}
     */
    claims: z.record(z.string(), identityHeaderName).default({}),
  })
  .strict();

const devTokenSchema = z
  .object({
    /**
     * Private JWK (JSON file, relative to gateway.yaml's directory) that `atrium dev-token` signs with. For
     * demos and local development only: never configure it in production.
     * @default none (required)
     */
    privateKeyFile: z.string().min(1),
    /**
     * The `auth.jwt.issuers` entry whose `issuer`, first audience and first algorithm the token gets.
     * @default none (required)
     */
    issuer: z.string().min(1),
  })
  .strict();

const authSchema = z
  .object({
    /**
     * Refuse requests without credentials with 401. When false they run as anonymous (no principal) and
     * only `@authenticated`/`@requiresScopes`/`@policy` decide what they may see.
     * @default false
     */
    required: flag().default(false),
    /**
     * Realm named in the `WWW-Authenticate` header of 401 answers.
     * @default "atrium"
     */
    realm: z.string().regex(/^[^"\\]*$/, { error: 'a realm cannot contain quotes or backslashes' }).default('atrium'),
    /** JSON Web Tokens: where they are read and which issuers are trusted. */
    jwt: jwtSchema.prefault({}),
    /** API keys, stored as hashes. */
    apiKeys: apiKeysSchema.prefault({}),
    /**
     * Headers that carry the verified identity to every subgraph. Client-sent headers with these names are
     * always deleted first, so a client cannot forge them.
     */
    identityHeaders: identityHeadersSchema.prefault({}),
    /** The key `atrium dev-token` signs demo tokens with; absent in production, and the command refuses. */
    devToken: devTokenSchema.optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (auth.required && Object.keys(auth.jwt.issuers).length === 0 && Object.keys(auth.apiKeys.keys).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['required'], message: 'auth.required needs at least one auth.jwt.issuers or auth.apiKeys.keys entry' });
    }
    if (auth.devToken && !Object.hasOwn(auth.jwt.issuers, auth.devToken.issuer)) {
      ctx.addIssue({ code: 'custom', path: ['devToken', 'issuer'], message: `no auth.jwt.issuers entry named "${auth.devToken.issuer}"` });
    }
  });

const authorizationSchema = z
  .object({
    /**
     * What happens to fields the principal may not see (`@authenticated`, `@requiresScopes`, `@policy`):
     * `filter` removes them before planning (null + an UNAUTHORIZED_FIELD_OR_TYPE error per path), `reject`
     * refuses the whole operation (401 without a principal, 403 with one), `measure` only logs them.
     * @default "filter"
     */
    mode: z.enum(['filter', 'reject', 'measure'], { error: 'expected one of filter, reject, measure' }).default('filter'),
    /**
     * Named policies for `@policy`: a rule over the principal — `{ claim, equals | in | contains }`,
     * `{ scope }`, `{ authenticated: true }`, combined with `{ all: [...] }`, `{ any: [...] }`, `{ not: rule }`.
     * A policy the schema names but neither this map nor `policyModule` defines is false.
     * @default {}
     */
    policies: z.record(z.string(), policyRuleSchema).default({}),
    /**
     * JavaScript module (path relative to gateway.yaml's directory) whose named exports are policy functions
     * `(principal) => boolean | Promise<boolean>`; a policy in `policies` wins over an export of the same name.
     * @default none
     */
    policyModule: z.string().min(1).optional(),
  })
  .strict();

// ── cost analysis and quotas (issue 5) ──

/** A number above 0, given as a number or as a string of digits ("0.5"). */
const positiveNumber = () =>
  z
    .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/).transform(Number)], { error: 'expected a positive number' })
    .pipe(z.number().positive({ error: 'expected a positive number' }));

const ENFORCEMENT_MODES = ['enforce', 'measure'] as const;
const enforcementMode = () =>
  z.enum(ENFORCEMENT_MODES, { error: `expected one of ${ENFORCEMENT_MODES.join(', ')}` });

const costBucketSchema = z
  .object({
    /**
     * Most cost points the bucket holds: the most one client can spend in a burst.
     * @default 1000
     */
    capacity: integer(1, 1_000_000_000).default(1000),
    /**
     * Points per second the bucket refills, up to its capacity.
     * @default 50
     */
    restoreRate: positiveNumber().default(50),
  })
  .strict();

const costBudgetSchema = z
  .object({
    /**
     * The bucket of every identified client (principal or API key) without an entry in `clients` or `tiers`.
     * @default { capacity: 1000, restoreRate: 50 }
     */
    default: costBucketSchema.prefault({}),
    /**
     * The bucket of anonymous clients (keyed by IP address); unset, they get `default`.
     * @default the default bucket
     */
    anonymous: costBucketSchema.optional(),
    /**
     * Buckets by tier: the value of the principal's `clients.tierClaim` claim (for example `plan: gold`).
     * @default {}
     */
    tiers: z.record(z.string(), costBucketSchema).default({}),
    /**
     * Buckets for single clients, by client key (a client id, or an IP address for anonymous clients);
     * they win over tiers.
     * @default {}
     */
    clients: z.record(z.string(), costBucketSchema).default({}),
  })
  .strict();

const costSchema = z
  .object({
    /**
     * `enforce` rejects operations over `maxPerOperation` and clients over their budget; `measure` computes,
     * reports (`extensions.cost`, headers, logs) and rejects nothing.
     * @default "enforce"
     */
    mode: enforcementMode().default('enforce'),
    /**
     * Largest estimated cost one operation may have; more is rejected before any fetch with
     * COST_ESTIMATED_TOO_EXPENSIVE. `0` sets no maximum.
     * @default 0
     */
    maxPerOperation: integer(0, 1_000_000_000).default(0),
    /**
     * Assumed length of a list field that has neither a slicing argument nor `@listSize(assumedSize:)`.
     * @default 10
     */
    defaultListSize: integer(0, 1_000_000).default(10),
    /**
     * Whether responses carry `extensions.cost` (`requestedQueryCost`, `actualQueryCost`, `throttleStatus`).
     * Off only for clients that compare responses byte for byte; rejections still carry their cost details.
     * @default true
     */
    extensions: flag().default(true),
    /**
     * Cost-based quotas: a token bucket of cost points per client. The estimate is taken before
     * execution, the unused part given back after; an empty bucket answers 429 RATE_LIMITED. Absent: no
     * quota, only the per-operation maximum.
     * @default no quota
     */
    budget: costBudgetSchema.optional(),
  })
  .strict();

const requestLimitSchema = z
  .object({
    /**
     * Requests one client may make per `window`.
     * @default 60
     */
    max: integer(1, 1_000_000_000).default(60),
    /**
     * The window `max` refers to; the allowance refills evenly over it. A duration such as `"1m"`.
     * @default "1m"
     */
    window: duration().default(60_000),
  })
  .strict();

const rateLimitSchema = z
  .object({
    /**
     * `enforce` answers 429 RATE_LIMITED past a limit; `measure` reports (headers, logs) and rejects nothing.
     * @default "enforce"
     */
    mode: enforcementMode().default('enforce'),
    /**
     * Request-count limit per IP address for anonymous requests (no principal), over all routes.
     * @default no limit
     */
    anonymous: requestLimitSchema.optional(),
    /**
     * Request-count limits per IP address and path for anonymous requests, by URL path (for example
     * `/graphql`).
     * @default {}
     */
    routes: z.record(z.string(), requestLimitSchema).default({}),
  })
  .strict();

const TRUSTED_PROXY_MESSAGE = 'expected an IP address or a CIDR range such as "10.0.0.0/8"';

const clientsSchema = z
  .object({
    /**
     * JWT claim that names the client; then `azp`, then `sub` are tried. Requests without a principal are
     * keyed by their IP address.
     * @default "client_id"
     */
    idClaim: z.string().min(1).default('client_id'),
    /**
     * Claim whose value picks a bucket from `cost.budget.tiers` (for example `plan`).
     * @default "plan"
     */
    tierClaim: z.string().min(1).default('plan'),
    /**
     * Proxies whose `X-Forwarded-For` is believed: IP addresses or CIDR ranges. The client IP is the
     * rightmost address in the header that is not a trusted proxy. From any other peer the header is ignored.
     * @default []
     */
    trustedProxies: z
      .array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, { error: TRUSTED_PROXY_MESSAGE }), { error: TRUSTED_PROXY_MESSAGE })
      .default([]),
  })
  .strict();

const STORE_KINDS = ['memory', 'redis'] as const;

const quotaStoreSchema = z
  .object({
    /**
     * Where buckets live: `memory` (one process) or `redis` (shared by every replica; atomic Lua scripts
     * on Redis time).
     * @default "memory"
     */
    kind: z.enum(STORE_KINDS, { error: `expected one of ${STORE_KINDS.join(', ')}` }).default('memory'),
    /**
     * Redis URL for `kind: redis`, e.g. `redis://redis.internal:6379/0` or `${env.REDIS_URL}`.
     * @default "redis://127.0.0.1:6379"
     */
    url: z.string().regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
    /**
     * Prefix of every Redis key Atrium writes.
     * @default "atrium:quota:"
     */
    keyPrefix: z.string().default('atrium:quota:'),
    /**
     * What happens when the store fails (Redis unreachable or slow): `allow` lets the request through,
     * `deny` answers 503 QUOTA_STORE_UNAVAILABLE. Either way the failure is logged and counted.
     * @default "allow"
     */
    onStoreError: z.enum(['allow', 'deny'], { error: 'expected one of allow, deny' }).default('allow'),
    /**
     * Longest wait for one store command before it counts as a store error.
     * @default "250ms"
     */
    timeout: duration().default(250),
  })
  .strict();

// ── REST compatibility layer (issue 6) ──

/** HTTP methods a REST route may answer. */
export const REST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const REST_PATH_MESSAGE =
  'expected a path such as "/v1/products/:upc": "/"-separated segments of letters, digits, "-", ".", "_", "~", or :name parameters';
/** `/`, or segments that are literal URL-safe text or `:name` with `name` a GraphQL variable name. */
const REST_PATH = /^\/$|^(\/([A-Za-z0-9._~-]+|:[_A-Za-z][_0-9A-Za-z]*))+$/;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

const restRouteSchema = z
  .object({
    /**
     * HTTP method the route answers; another method on its path gets 405 with an `Allow` header.
     * @default "GET"
     */
    method: z.enum(REST_METHODS, { error: `expected one of ${REST_METHODS.join(', ')}` }).default('GET'),
    /**
     * Path template below `rest.basePath`, e.g. `/v1/products/:upc`. Each `:name` segment is a path
     * parameter and must name a variable of the operation.
     * @default none (required)
     */
    path: z.string({ error: REST_PATH_MESSAGE }).regex(REST_PATH, { error: REST_PATH_MESSAGE }),
    /**
     * The GraphQL operation the route runs: the operation text inline, or the path of a `.graphql` file
     * relative to the directory of gateway.yaml. Its variables are filled from the path parameters, then
     * the query string, then the JSON body, matched by name.
     * @default none (required)
     */
    operation: z.string({ error: 'expected a GraphQL operation or a .graphql file path' }).min(1),
    /**
     * Which operation of the document runs, when the document holds several.
     * @default the document's only operation
     */
    operationName: z.string().regex(GRAPHQL_NAME, { error: 'expected a GraphQL name' }).optional(),
    /**
     * HTTP status of a successful answer, for example 201 for a route that creates something.
     * @default 200
     */
    status: integer(200, 299).default(200),
    /**
     * Dot-separated response keys naming the value the route answers with (`product.reviews`); every key
     * but the last must select a single object, not a list.
     * @default the operation's only root field
     */
    select: z
      .string()
      .regex(/^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)*$/, { error: 'expected response keys separated by dots' })
      .optional(),
    /**
     * Variable that receives the whole JSON body (for example `input` of type `CreateOrderInput!`).
     * Without it, the body must be a JSON object whose keys are matched to variables by name.
     * @default none: the body's keys are variables
     */
    body: z.string().regex(GRAPHQL_NAME, { error: 'expected a variable name' }).optional(),
    /**
     * One line describing the route in the OpenAPI document.
     * @default the selected root field's description
     */
    summary: z.string().optional(),
  })
  .strict();

const restSchema = z
  .object({
    /**
     * Prefix of every route's path, for example `/api`. Any other path below it answers 404 as
     * `application/problem+json`.
     * @default ""
     */
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, { error: 'expected "" or a path such as "/api" without a trailing "/"' })
      .default(''),
    /**
     * Path of the OpenAPI 3.1 document describing the routes (`GET`), served when at least one route is
     * declared.
     * @default "/openapi.json"
     */
    openapiPath: z.string().regex(/^\/\S*$/, { error: 'expected a path starting with "/"' }).default('/openapi.json'),
    /**
     * `info.title` of the OpenAPI document.
     * @default "Atrium REST API"
     */
    title: z.string().default('Atrium REST API'),
    /**
     * `info.version` of the OpenAPI document (the version of your REST API, not of Atrium).
     * @default "1.0.0"
     */
    version: z.string().default('1.0.0'),
    /**
     * The routes: each maps an HTTP method and path template to one GraphQL operation that runs through the
     * same pipeline as `/graphql` (authentication, authorization, cost, quotas, logging). Every route is
     * checked against the supergraph at startup; a bad route stops startup with an error naming it.
     * @default []
     */
    routes: z.array(restRouteSchema).default([]),
  })
  .strict();

// ── traffic, resilience, hot reload (issue 7) ──

// The nested traffic policies (balancing, retry, breaker, health checks, shadow, headers) are shared by
// `traffic.all` and `traffic.subgraphs.<name>`, so their fields carry no zod default: a subgraph's field
// overrides the same field of `all`, and what neither sets takes TRAFFIC_DEFAULTS (gateway/traffic/).

const headerName = () =>
  z
    .string({ error: 'expected an HTTP header name' })
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' })
    .transform((name) => name.toLowerCase());

const headerPattern = () =>
  z.string({ error: 'expected a regular expression' }).refine(
    (pattern) => {
      try {
        new RegExp(pattern, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected a valid regular expression' },
  );

const retryPolicySchema = z
  .object({
    /**
     * Extra attempts after the first for a query that failed with a transport error (connection refused or
     * reset, timeout, HTTP 502/503/504, a body that is not a GraphQL response). Mutations are never retried.
     * `0` turns retries off.
     * @default 0
     */
    attempts: integer(0, 10).optional(),
    /**
     * Backoff before the first retry; each further retry doubles it, up to `maxBackoff`. The actual wait is
     * a random duration between 0 and that value ("full jitter"), so retries of many requests spread out.
     * @default "50ms"
     */
    backoff: duration().optional(),
    /**
     * Longest backoff before one retry.
     * @default "1s"
     */
    maxBackoff: duration().optional(),
    /**
     * Retry budget: retries may add at most this share of the subgraph's requests over the last 10 seconds
     * (`0.1` = 10%), so a failing subgraph is not hit with a multiple of its normal load. A retry over
     * budget is not made; the first error is returned.
     * @default 0.1
     */
    budget: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).optional(),
    /**
     * Retries per second always allowed besides the budget, so a subgraph with little traffic can still be
     * retried.
     * @default 1
     */
    minPerSecond: integer(0, 10_000).optional(),
  })
  .strict();

const breakerPolicySchema = z
  .object({
    /**
     * Turn the per-instance circuit breaker on. Closed: requests flow and consecutive failures are counted.
     * Open (after `failures` consecutive failures): requests to the instance fail at once with
     * SUBGRAPH_UNAVAILABLE, without a connection. Half-open (after `openFor`): `halfOpenRequests` trial
     * requests go through; a success closes the breaker, a failure opens it again.
     * @default false
     */
    enabled: flag().optional(),
    /**
     * Consecutive failures (same kinds as retries count) that open the breaker.
     * @default 5
     */
    failures: integer(1, 10_000).optional(),
    /**
     * How long an open breaker fails fast before it lets trial requests through (half-open).
     * @default "10s"
     */
    openFor: duration().optional(),
    /**
     * Trial requests in flight at once while half-open.
     * @default 1
     */
    halfOpenRequests: integer(1, 1_000).optional(),
  })
  .strict();

const healthCheckPolicySchema = z
  .object({
    /**
     * How often each instance of the subgraph is probed; `0` turns active health checks off. A probe POSTs
     * `query` and passes on HTTP 200 with a GraphQL response that has no errors. An instance that fails
     * `unhealthyAfter` probes in a row leaves the rotation; one that passes `healthyAfter` in a row returns.
     * Applies to subgraphs whose URLs gateway.yaml gives (`url`, `urls` or `versions`).
     * @default 0
     */
    interval: duration().optional(),
    /**
     * How long one probe may take.
     * @default "2s"
     */
    timeout: duration().optional(),
    /**
     * The GraphQL query a probe sends.
     * @default "query HealthCheck { __typename }"
     */
    query: z.string({ error: 'expected a GraphQL query' }).min(1).optional(),
    /**
     * Failed probes in a row that take an instance out of the rotation.
     * @default 2
     */
    unhealthyAfter: integer(1, 100).optional(),
    /**
     * Passed probes in a row that put an instance back.
     * @default 1
     */
    healthyAfter: integer(1, 100).optional(),
  })
  .strict();

const shadowPolicySchema = z
  .object({
    /**
     * Where mirrored queries go (for example a new version under test). Unset: no shadow traffic.
     * @default none
     */
    url: httpUrl().optional(),
    /**
     * Share of the subgraph's queries mirrored, from `0` to `1` (`0.05` = every 20th query). Mutations are
     * never mirrored. The client's answer never waits for the shadow; the shadow's answer is compared with
     * the real one and differences are counted and logged (`traffic: shadow answer differs`).
     * @default 0
     */
    share: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).optional(),
    /**
     * How long a shadow request may take; it is then abandoned (counted as failed).
     * @default "5s"
     */
    timeout: duration().optional(),
  })
  .strict();

const responseHeaderRulesSchema = z
  .object({
    /**
     * Subgraph response headers passed back to the client (lower-case names, e.g. `set-cookie`,
     * `x-cache`). `set-cookie` values are always sent as separate headers.
     * @default []
     */
    propagate: z.array(headerName()).optional(),
    /**
     * When several fetches answer the same header with different values: `first` keeps the first value
     * seen, `last` the last, `append` joins them with `, ` (`set-cookie` is always appended).
     * @default "first"
     */
    conflict: z.enum(['first', 'last', 'append'], { error: 'expected one of first, last, append' }).optional(),
  })
  .strict();

const headerRulesSchema = z
  .object({
    /**
     * Client request headers forwarded to the subgraph as they are (names, case-insensitive). Applied before
     * the plugins' `onSubgraphFetch` hooks, so authentication can still remove or replace identity headers.
     * @default []
     */
    propagate: z.array(headerName()).optional(),
    /**
     * Client request headers whose names match this regular expression (case-insensitive) are forwarded too.
     * @default none
     */
    propagateMatching: headerPattern().optional(),
    /**
     * Client headers forwarded under another name: `{ x-client: x-client-name }`.
     * @default {}
     */
    rename: z.record(headerName(), headerName()).optional(),
    /**
     * Headers set on every request to the subgraph, with fixed values (`${env.NAME}` works for secrets).
     * @default {}
     */
    insert: z.record(headerName(), z.string()).optional(),
    /**
     * Headers never sent to the subgraph, applied last (after propagate, rename and insert).
     * @default []
     */
    remove: z.array(headerName()).optional(),
    /** Which subgraph response headers reach the client, and how conflicts are resolved. */
    response: responseHeaderRulesSchema.optional(),
  })
  .strict();

const versionSchema = z
  .object({
    /**
     * Share of the subgraph's requests this version gets, relative to the other versions' weights
     * (95 and 5 send 95% and 5%). `0` takes the version out of the split; header routing can still select it.
     * @default 1
     */
    weight: integer(0, 1_000_000).optional(),
    /**
     * The version's instances, balanced by `balance`. Required.
     * @default none
     */
    urls: z.array(httpUrl()).min(1, { error: 'expected at least one URL' }),
  })
  .strict();

const headerRoutingSchema = z
  .object({
    /**
     * Request header whose value selects a version (for A/B tests), for example `x-variant`. Required.
     * @default none
     */
    header: headerName(),
    /**
     * Header value → version name. Requests without the header, or with another value, follow the weights.
     * Required.
     * @default none
     */
    values: z.record(z.string(), z.string()),
  })
  .strict();

const allSubgraphsTrafficSchema = z
  .object({
    /**
     * How long the gateway waits for one subgraph request before failing it with SUBGRAPH_TIMEOUT.
     * A number of milliseconds or a duration string such as `"500ms"`, `"30s"`, `"2m"`. Each retry
     * attempt gets its own timeout; `traffic.requestTimeout` bounds them all.
     * @default "30s"
     */
    timeout: duration().default(30_000),
    /**
     * Share one subgraph request among identical queries in flight at the same time (same subgraph URL,
     * body and forwarded headers): the first sends it, the others wait for its answer. Mutations are never
     * shared. Each waiter still gets its own copy of the answer and its own timeout.
     * @default true
     */
    dedupe: flag().default(true),
    /**
     * How a request picks one of several instances: `round-robin` takes them in turn,
     * `least-outstanding` the one with the fewest requests in flight (ties in turn).
     * @default "round-robin"
     */
    balance: z.enum(['round-robin', 'least-outstanding'], { error: 'expected round-robin or least-outstanding' }).optional(),
    /** Retries of failed queries, with jittered exponential backoff and a retry budget. */
    retry: retryPolicySchema.optional(),
    /** The circuit breaker each instance has. */
    breaker: breakerPolicySchema.optional(),
    /** Active health checks of each instance. */
    healthCheck: healthCheckPolicySchema.optional(),
    /** Mirroring a share of queries to a shadow URL. */
    shadow: shadowPolicySchema.optional(),
    /** Header rules toward subgraphs and back to the client; a subgraph's rules apply after `all`'s. */
    headers: headerRulesSchema.optional(),
  })
  .strict();

const subgraphTrafficSchema = z
  .object({
    /**
     * Timeout for this subgraph's requests, overriding `traffic.all.timeout`.
     * @default traffic.all.timeout
     */
    timeout: duration().optional(),
    /**
     * Whether identical in-flight queries to this subgraph share one request (see `traffic.all.dedupe`).
     * @default traffic.all.dedupe
     */
    dedupe: flag().optional(),
    /**
     * URL the gateway sends this subgraph's requests to, overriding the routing URL in the supergraph
     * (for example an internal address, or a value from `${env.PRODUCTS_URL}`).
     * @default the supergraph's routing URL
     */
    url: httpUrl().optional(),
    /**
     * Several instances of the subgraph, balanced by `balance` (instead of `url`).
     * @default the supergraph's routing URL
     */
    urls: z.array(httpUrl()).min(1, { error: 'expected at least one URL' }).optional(),
    /**
     * Named versions with weights, for canary and blue/green rollouts (instead of `url`/`urls`):
     * `{ stable: { weight: 95, urls: [...] }, canary: { weight: 5, urls: [...] } }`. Change the weights
     * and send SIGHUP to shift traffic without a restart.
     * @default {}
     */
    versions: z.record(z.string(), versionSchema).optional(),
    /** A/B routing: a request header's value picks the version. Needs `versions`. */
    routeByHeader: headerRoutingSchema.optional(),
    /**
     * Balancing among this subgraph's instances (see `traffic.all.balance`).
     * @default traffic.all.balance
     */
    balance: z.enum(['round-robin', 'least-outstanding'], { error: 'expected round-robin or least-outstanding' }).optional(),
    /** Retries for this subgraph; each field overrides `traffic.all.retry`'s. */
    retry: retryPolicySchema.optional(),
    /** The breaker of this subgraph's instances; each field overrides `traffic.all.breaker`'s. */
    breaker: breakerPolicySchema.optional(),
    /** Health checks of this subgraph's instances; each field overrides `traffic.all.healthCheck`'s. */
    healthCheck: healthCheckPolicySchema.optional(),
    /** Shadow traffic of this subgraph; each field overrides `traffic.all.shadow`'s. */
    shadow: shadowPolicySchema.optional(),
    /** Header rules for this subgraph, applied after `traffic.all.headers` (response rules: merged). */
    headers: headerRulesSchema.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const given = (['url', 'urls', 'versions'] as const).filter((key) => value[key] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give only one of url, urls, versions (also given: ${given[0]})` });
    }
    if (value.routeByHeader !== undefined) {
      const versions = value.versions ?? {};
      if (value.versions === undefined) {
        ctx.addIssue({ code: 'custom', path: ['routeByHeader'], message: 'routeByHeader needs versions' });
      }
      for (const [headerValue, version] of Object.entries(value.routeByHeader.values)) {
        if (value.versions !== undefined && !Object.hasOwn(versions, version)) {
          ctx.addIssue({ code: 'custom', path: ['routeByHeader', 'values', headerValue], message: `unknown version "${version}"` });
        }
      }
    }
    if (value.versions !== undefined) {
      const total = Object.values(value.versions).reduce((sum, version) => sum + (version.weight ?? 1), 0);
      if (total === 0) ctx.addIssue({ code: 'custom', path: ['versions'], message: 'at least one version needs a weight above 0' });
    }
  });

const trafficSchema = z
  .object({
    /**
     * Overall deadline of one client request, from its arrival to its answer. When it passes, fetches still
     * running are aborted and fail with GATEWAY_TIMEOUT (the data already fetched is returned; REST routes
     * answer 504). `0` turns it off.
     * @default 0
     */
    requestTimeout: duration().default(0),
    /**
     * Settings that apply to every subgraph unless `subgraphs.<name>` overrides them.
     * @default {}
     */
    all: allSubgraphsTrafficSchema.prefault({}),
    /**
     * Per-subgraph settings, keyed by subgraph name as the supergraph names it; each field overrides the
     * same field of `all`.
     * @default {}
     */
    subgraphs: z.record(z.string(), subgraphTrafficSchema).default({}),
  })
  .strict();

// ── observability (issue 8) ──

/** Names whose values never reach a log line (compared case-insensitively): headers, variables, keys. */
const DEFAULT_REDACT = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
];

const accessLogSchema = z
  .object({
    /**
     * Write one JSON line per request at level `info` (so `log.level` must be `info` or lower): request
     * id, client id, operation name and hash, HTTP status, GraphQL error codes, latency, cost when known,
     * and the subgraphs called with their latencies. Probes (`/health`, `/ready`) are not logged.
     * @default false
     */
    enabled: flag().default(false),
    /**
     * Request headers copied into each access-log line (lower-case names), for example `user-agent`.
     * Values of headers named in `log.redact` are written as `"[redacted]"`.
     * @default []
     */
    headers: z.array(z.string().min(1).transform((name) => name.toLowerCase())).default([]),
    /**
     * Copy the operation's variables into each access-log line. Values whose names are in `log.redact`
     * (at any depth) are written as `"[redacted]"`. Off by default: variables often carry personal data.
     * @default false
     */
    variables: flag().default(false),
  })
  .strict();

const metricsSchema = z
  .object({
    /**
     * Serve Prometheus metrics (request, subgraph, plan cache, quota, breaker, cache, reload and process
     * metrics; see docs/observability.md).
     * @default false
     */
    enabled: flag().default(false),
    /**
     * Path the metrics are served at.
     * @default "/metrics"
     */
    path: z
      .string({ error: 'expected a path starting with "/"' })
      .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
      .default('/metrics'),
    /**
     * Serve the metrics on their own port (on `server.host`) instead of the gateway's, so they need not be
     * reachable by clients. `0` picks a free port. Unset: the gateway's port.
     * @default unset (the gateway's port)
     */
    port: integer(0, 65_535).optional(),
    /**
     * Most distinct operation names used as the `operation` label; names seen after that are counted as
     * `__other__`, so clients cannot grow the number of time series without bound.
     * @default 100
     */
    maxOperationNames: integer(1, 10_000).default(100),
  })
  .strict();

const tracingSchema = z
  .object({
    /**
     * Record OpenTelemetry spans (request, parse, validate, authorize, plan, each subgraph fetch, shape)
     * and export them with OTLP over HTTP (JSON). The W3C `traceparent` of a client is continued and sent on
     * to subgraphs.
     * @default false
     */
    enabled: flag().default(false),
    /**
     * OTLP/HTTP traces endpoint of the collector (the full URL, including `/v1/traces`).
     * @default "http://localhost:4318/v1/traces"
     */
    endpoint: httpUrl().default('http://localhost:4318/v1/traces'),
    /**
     * Extra headers sent with every export (for example a collector's API key, `${env.OTLP_TOKEN}`).
     * @default {}
     */
    headers: z.record(z.string(), z.string()).default({}),
    /**
     * Share of new traces recorded, from 0 to 1. A request that arrives with a `traceparent` follows its
     * caller's sampling decision instead (parent-based sampling).
     * @default 1
     */
    sampleRatio: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).default(1),
    /**
     * `service.name` of the exported spans.
     * @default "atrium"
     */
    serviceName: z.string().min(1).default('atrium'),
    /**
     * How long finished spans are batched before they are exported.
     * @default "5s"
     */
    exportDelay: duration().default(5_000),
  })
  .strict();

// ── edge protection and caching (issue 9) ──

const limitsSchema = z
  .object({
    /**
     * `enforce` rejects an operation over any limit (each limit has its own error code and says by how
     * much); `measure` only logs and counts it (`limits` stats), to roll a limit out safely. The request
     * body size (`server.bodyLimit`) is always enforced: a body is never read past it.
     * @default "enforce"
     */
    mode: z.enum(['enforce', 'measure'], { error: 'expected one of enforce, measure' }).default('enforce'),
    /**
     * Deepest selection nesting of an operation (fields counted, fragments expanded) -> MAX_DEPTH_EXCEEDED.
     * `0` turns the limit off.
     * @default 100
     */
    maxDepth: integer(0, 100_000).default(100),
    /**
     * Most aliased fields in an operation (fragments expanded, so a fragment spread twice counts twice)
     * -> MAX_ALIASES_EXCEEDED. Aliases are how one request asks for the same expensive field thousands of
     * times. `0` turns the limit off.
     * @default 100
     */
    maxAliases: integer(0, 10_000_000).default(100),
    /**
     * Most fields selected at the root of an operation (`{ a b c }` has 3) -> MAX_ROOT_FIELDS_EXCEEDED.
     * `0` turns the limit off.
     * @default 50
     */
    maxRootFields: integer(0, 10_000_000).default(50),
    /**
     * Most lexical tokens in the query text -> MAX_TOKENS_EXCEEDED. In `enforce` mode the parser itself
     * stops at the limit, so an oversized document is never built. `0` turns the limit off.
     * @default 15000
     */
    maxTokens: integer(0, 100_000_000).default(15_000),
    /**
     * Most directive uses in an operation (fragments expanded) -> MAX_DIRECTIVES_EXCEEDED. `0` turns the
     * limit off.
     * @default 50
     */
    maxDirectives: integer(0, 10_000_000).default(50),
    /**
     * Most operations in one batched request (a JSON array body; each operation runs through the whole
     * pipeline) -> BATCH_TOO_LARGE. `0` turns batching off: an array body is refused with BAD_REQUEST.
     * @default 0
     */
    maxBatchSize: integer(0, 1000).default(0),
  })
  .strict();

const EDGE_STORE_KINDS = ['memory', 'redis'] as const;

const apqSchema = z
  .object({
    /**
     * Automatic persisted queries (Apollo's protocol): a client sends `extensions.persistedQuery.sha256Hash`
     * alone, gets PERSISTED_QUERY_NOT_FOUND the first time, then sends the query with the hash once, and
     * the gateway remembers it. Off answers PERSISTED_QUERY_NOT_SUPPORTED to hash-only requests.
     * @default true
     */
    enabled: flag().default(true),
    /**
     * Where registered queries are kept: `memory` (this process, least recently used dropped past
     * `maxBytes`) or `redis` (shared by every replica; needs `redisUrl`).
     * @default "memory"
     */
    store: z.enum(EDGE_STORE_KINDS, { error: 'expected one of memory, redis' }).default('memory'),
    /**
     * Redis server of the `redis` store, e.g. `redis://cache.internal:6379` or `${env.REDIS_URL}`.
     * @default none
     */
    redisUrl: z.string().optional(),
    /**
     * How long a registered query is kept; `0` keeps it until it is evicted.
     * @default "24h"
     */
    ttl: duration().default(24 * 3_600_000),
    /**
     * Bytes of query text the `memory` store keeps at most.
     * @default "16mb"
     */
    maxBytes: byteSize().default(16 * 1024 * 1024),
  })
  .strict();

const persistedDocumentsSchema = z
  .object({
    /**
     * A trusted-documents manifest, relative to the directory of gateway.yaml: Apollo's persisted query
     * manifest (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`) or a
     * plain JSON object of id -> document. Clients send the id as `extensions.persistedQuery.sha256Hash`.
     * Read at startup and again by a reload; a manifest that cannot be read stops startup.
     * @default none
     */
    manifest: z.string().min(1).optional(),
    /**
     * Refuse every operation that is not in the manifest with PERSISTED_QUERY_NOT_IN_LIST (a full query
     * whose text is in the manifest is accepted). APQ registration is refused too. Operations of REST
     * routes count as trusted.
     * @default false
     */
    onlyTrusted: flag().default(false),
    /**
     * Automatic persisted queries.
     * @default {}
     */
    apq: apqSchema.prefault({}),
  })
  .strict()
  .refine((value) => !(value.onlyTrusted && value.manifest === undefined), {
    error: 'onlyTrusted needs a manifest (persistedDocuments.manifest)',
  })
  .refine((value) => !(value.apq.store === 'redis' && value.apq.redisUrl === undefined), {
    error: 'apq.store: redis needs apq.redisUrl',
  });

const responseCacheSchema = z
  .object({
    /**
     * Cache whole query responses. Only error-free query results are stored; mutations are never cached.
     * @default false
     */
    enabled: flag().default(false),
    /**
     * Lifetime for a fetch whose subgraph sent no `Cache-Control: max-age` when no `ttl` entry below covers
     * the operation. `0` means such responses are not cached. An entry lives as long as the smallest
     * lifetime of everything it was built from.
     * @default 0
     */
    defaultTtl: duration().default(0),
    /**
     * Lifetimes by type (`Product: 60s`) or field (`Query.topProducts: 30s`); each one used by an operation
     * caps the entry's lifetime, and they stand in for subgraphs that send no max-age. A subgraph's
     * `no-store` still disables caching and `private` still keys the entry by principal.
     * @default {}
     */
    ttl: z.record(z.string(), duration()).default({}),
    /**
     * `memory` (this process, bounded by `maxBytes`, least recently used dropped first) or `redis` (shared by
     * every replica; needs `redisUrl`).
     * @default "memory"
     */
    store: z.enum(EDGE_STORE_KINDS, { error: 'expected one of memory, redis' }).default('memory'),
    /**
     * Redis server of the `redis` store.
     * @default none
     */
    redisUrl: z.string().optional(),
    /**
     * Bytes of responses the `memory` store keeps at most.
     * @default "64mb"
     */
    maxBytes: byteSize().default(64 * 1024 * 1024),
    /**
     * Path of the admin purge endpoint (`POST` with `{"type": "Product"}`, `{"type": "Product", "key":
     * {"upc": "1"}}` or `{"all": true}`). Served only when `purgeToken` is set.
     * @default "/admin/cache/purge"
     */
    purgePath: z.string().regex(/^\/\S*$/, { error: 'expected a path starting with "/"' }).default('/admin/cache/purge'),
    /**
     * Bearer token the purge endpoint requires (`authorization: Bearer <token>`); use `${env.NAME}`.
     * @default none (no purge endpoint)
     */
    purgeToken: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
  })
  .strict()
  .refine((value) => !(value.store === 'redis' && value.redisUrl === undefined), {
    error: 'store: redis needs redisUrl',
  });

const corsSchema = z
  .object({
    /**
     * Origins browsers may call from: exact (`https://app.example.com`), with a wildcard for subdomains
     * (`https://*.example.com`), or `*` for any origin (not allowed together with `credentials`). Empty: no
     * CORS headers are sent.
     * @default []
     */
    origins: z.array(z.string().min(1)).default([]),
    /**
     * Let browsers send cookies and authorization headers cross-origin (`Access-Control-Allow-Credentials`).
     * @default false
     */
    credentials: flag().default(false),
    /**
     * Request headers a cross-origin request may carry.
     * @default ["content-type", "authorization", "apollo-require-preflight", "x-apollo-operation-name", "x-request-id"]
     */
    allowHeaders: z
      .array(z.string().min(1))
      .default(['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id']),
    /**
     * Response headers scripts may read: the rate-limit headers, and the REST layer's `etag` (for
     * `If-None-Match`) and `x-graphql-errors` (partial answers).
     * @default ["x-request-id", "x-cache", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit", "ratelimit-policy", "retry-after", "etag", "x-graphql-errors"]
     */
    exposeHeaders: z
      .array(z.string().min(1))
      .default([
        'x-request-id', 'x-cache', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit',
        'ratelimit-policy', 'retry-after', 'etag', 'x-graphql-errors',
      ]),
    /**
     * How long browsers may cache a preflight answer (`Access-Control-Max-Age`).
     * @default "10m"
     */
    maxAge: duration().default(600_000),
  })
  .strict()
  .refine((value) => !(value.credentials && value.origins.includes('*')), {
    error: 'origins "*" cannot be combined with credentials: list the origins instead',
  });

const securitySchema = z
  .object({
    /**
     * Headers on every response, merged over the defaults (`x-content-type-options: nosniff`,
     * `x-frame-options: DENY`, `referrer-policy: no-referrer`, `content-security-policy: default-src 'none';
     * frame-ancestors 'none'`, and `strict-transport-security: max-age=31536000` when TLS is on). `false`
     * removes a default.
     * @default {}
     */
    headers: z.record(z.string(), z.union([z.string(), z.literal(false)])).default({}),
    /**
     * When set, introspection (`__schema`, `__type`) is allowed only for principals holding this scope;
     * others get INTROSPECTION_NOT_ALLOWED. `graphql.introspection: false` still turns it off for everyone.
     * @default none (everyone may introspect while graphql.introspection is true)
     */
    introspectionScope: z.string().min(1).optional(),
  })
  .strict();

// ── schema publishing (issue 10) ──

const reloadSchema = z
  .object({
    /**
     * Watch the supergraph source for changes and hot-swap the gateway onto the new supergraph: the
     * supergraph file given with `--supergraph`, or supergraph.yaml and every schema file it lists (a changed
     * file list is picked up too). Requests in flight finish on the old supergraph; a change that does not
     * compose keeps the old one serving and is reported on `/ready`.
     * @default true
     */
    watch: flag().default(true),
    /**
     * How often subgraphs listed with `schema.subgraph_url` in supergraph.yaml are introspected again to
     * detect a changed SDL. `0` turns polling off. A number of milliseconds or a duration string.
     * @default "10s"
     */
    pollInterval: duration().default(10_000),
    /**
     * Quiet period after a change before recomposing, so a burst of saves (several schema files, an editor's
     * temporary files) causes one reload.
     * @default "200ms"
     */
    debounce: duration().default(200),
    /**
     * How many of the most-used operations are planned on the new supergraph before the swap, so the first
     * requests after a reload find their plans cached. `0` turns warming off.
     * @default 100
     */
    warmPlans: integer(0, 100_000).default(100),
  })
  .strict();

const adminSchema = z
  .object({
    /**
     * Interface the admin API listens on. It has its own listener so that it can stay on a private
     * network; the default is loopback only.
     * @default "127.0.0.1"
     */
    host: z.string({ error: 'expected a host name or IP address' }).min(1).default('127.0.0.1'),
    /**
     * TCP port of the admin API; `0` picks a free port (tests).
     * @default 4100
     */
    port: integer(0, 65_535).default(4100),
    /**
     * Bearer token every admin request must carry (`authorization: Bearer <token>`); without it the API
     * answers 401. It is the publishing credential, never accepted on the GraphQL endpoint: set it from a
     * secret, e.g. `${env.ATRIUM_ADMIN_TOKEN}`. At least 16 characters.
     * @default none (required)
     */
    token: z.string({ error: 'expected a token of at least 16 characters' }).min(16, { error: 'expected a token of at least 16 characters' }),
  })
  .strict();

const registryRedisSchema = z
  .object({
    /**
     * Redis URL, e.g. `redis://redis.internal:6379/0` (`rediss://` for TLS).
     * @default none (required)
     */
    url: z.string({ error: 'expected a redis:// or rediss:// URL' }).regex(/^rediss?:\/\/\S+$/, { error: 'expected a redis:// or rediss:// URL' }),
    /**
     * Prefix of every key and channel the registry uses, so several graphs can share one Redis.
     * @default "atrium:registry:"
     */
    keyPrefix: z.string().min(1).default('atrium:registry:'),
  })
  .strict();

const registrySchema = z
  .object({
    /**
     * Directory of the default store: one JSON file with every published version, replaced atomically
     * (written to a temporary file, then renamed) under a lock file. Relative to gateway.yaml's directory.
     * Used when `redis` is not set.
     * @default "./.atrium/registry"
     */
    directory: z.string().min(1).default('./.atrium/registry'),
    /**
     * Keep the registry in Redis instead, shared by a fleet of gateways: a publish on any replica is
     * announced over Redis pub/sub and every replica hot-swaps to it.
     * @default none (directory store)
     */
    redis: registryRedisSchema.optional(),
    /**
     * How often a replica also checks the store's revision, in case a pub/sub message was missed (Redis
     * restarted, connection lost) or another process wrote the directory store. `0` turns polling off.
     * @default "5s"
     */
    pollInterval: duration().default(5_000),
  })
  .strict();

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const logSchema = z
  .object({
    /**
     * Lowest level of the JSON log lines written to stdout; `silent` writes none.
     * @default "info"
     */
    level: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /**
     * `json` writes one JSON object per line; `pretty` writes readable colored lines (pino-pretty); `auto`
     * is `pretty` when stdout is a terminal and `json` otherwise.
     * @default "auto"
     */
    format: z.enum(['auto', 'json', 'pretty'], { error: 'expected one of auto, json, pretty' }).default('auto'),
    /**
     * One line per request; see the fields below.
     * @default {}
     */
    accessLog: accessLogSchema.prefault({}),
    /**
     * Names whose values are replaced by `"[redacted]"` wherever Atrium logs them: request headers,
     * operation variables (at any depth) and `headers` objects in other log lines. Compared
     * case-insensitively. Setting this list replaces the default one.
     * @default ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "apiKey", "api_key", "password", "secret", "token", "accessToken", "refreshToken"]
     */
    redact: z.array(z.string().min(1)).default(DEFAULT_REDACT),
  })
  .strict();

/**
 * The schema of `gateway.yaml`. Parsing applies the defaults and normalises durations to milliseconds and
 * sizes to bytes. Use `parseConfig`/`loadConfig` rather than this schema directly: they expand
 * `${env.NAME}`, format the errors and freeze the result.
 */
export const gatewayConfigSchema = z
  .object({
    /** The HTTP server: where it listens and what it accepts. */
    server: serverSchema.prefault({}),
    /** GraphQL request handling: introspection, CSRF prevention, operation limits. */
    graphql: graphqlSchema.prefault({}),
    /** Requests to subgraphs: `{ all, subgraphs: { <name>: … } }`, the second overriding the first. */
    traffic: trafficSchema.prefault({}),
    /** The query planner and executor. */
    engine: engineSchema.prefault({}),
    /** Structured logging. */
    log: logSchema.prefault({}),

    // ── auth ──
    /** Authorization from `@authenticated`, `@requiresScopes` and `@policy` in the supergraph. */
    authorization: authorizationSchema.prefault({}),

    /** Authentication: JWTs (JWKS URL or file, shared secret), API keys, and identity headers to subgraphs. */
    auth: authSchema.prefault({}),

    // ── cost ──
    /** Cost analysis from `@cost`/`@listSize` and cost-based quotas per client. Absent: off. */
    cost: costSchema.optional(),
    /** Per-client call limits: `@rateLimit` fields and request counts for anonymous traffic. Absent: off. */
    rateLimit: rateLimitSchema.optional(),
    /** How a client is identified for quotas and rate limits. */
    clients: clientsSchema.prefault({}),
    /** Where quota and rate-limit buckets are kept. */
    quotaStore: quotaStoreSchema.prefault({}),

    // ── rest ──
    /** The REST compatibility layer: REST routes translated into GraphQL operations, and their OpenAPI document. */
    rest: restSchema.prefault({}),

    // ── traffic ──

    // ── observability ──
    /** Prometheus metrics at `GET /metrics` (off by default). */
    metrics: metricsSchema.prefault({}),
    /** OpenTelemetry tracing with OTLP/HTTP export (off by default). */
    tracing: tracingSchema.prefault({}),

    // ── edge ──
    /** Operation limits: depth, aliases, root fields, tokens, directives, batch size; enforce or measure. */
    limits: limitsSchema.prefault({}),
    /** Trusted documents (a manifest, optionally the only operations allowed) and automatic persisted queries. */
    persistedDocuments: persistedDocumentsSchema.prefault({}),
    /** Response cache for queries. */
    responseCache: responseCacheSchema.prefault({}),
    /** Cross-origin requests from browsers. */
    cors: corsSchema.prefault({}),
    /** Security response headers and who may introspect. */
    security: securitySchema.prefault({}),

    // ── publishing ──
    /** Hot reload of the supergraph when its files or introspected subgraphs change. */
    reload: reloadSchema.prefault({}),
    /**
     * The admin API for schema publishing (`atrium publish`): publish, list, history, rollback. Off unless
     * this section is present.
     * @default off
     */
    admin: adminSchema.optional(),
    /**
     * Where published subgraph schemas and their history are stored. Published subgraphs replace (or join)
     * the subgraphs of supergraph.yaml. Off unless this section is present; `registry: {}` uses the
     * directory store.
     * @default off
     */
    registry: registrySchema.optional(),
  })
  .strict();

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A parsed gateway.yaml: every default applied, durations in ms, sizes in bytes; deeply frozen. */
export type GatewayConfig = DeepReadonly<z.output<typeof gatewayConfigSchema>>;

/** The traffic settings of one subgraph after merging `traffic.subgraphs.<name>` over `traffic.all`. */
export interface SubgraphSettings {
  readonly timeoutMs: number;
  /** Share identical in-flight query requests. */
  readonly dedupe: boolean;
  /** Set only when gateway.yaml overrides the supergraph's routing URL. */
  readonly url?: string;
}

/**
 * The traffic settings for one subgraph: `traffic.subgraphs.<name>` over `traffic.all`.
 *
 * @example
 * subgraphSettings(config, 'products'); // { timeoutMs: 5000, url: 'http://products.internal/graphql' }
 */
export function subgraphSettings(config: GatewayConfig, name: string): SubgraphSettings {
  const own = Object.hasOwn(config.traffic.subgraphs, name) ? config.traffic.subgraphs[name] : undefined;
  const timeoutMs = own?.timeout ?? config.traffic.all.timeout;
  const dedupe = own?.dedupe ?? config.traffic.all.dedupe;
  return own?.url === undefined ? { timeoutMs, dedupe } : { timeoutMs, dedupe, url: own.url };
}
