import { z } from 'zod';
import { duration, flag, httpUrl } from '../../config/units.js';

// The `auth` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

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
    /**
     * Refuse tokens without an `exp` claim (401 "the token has no exp claim"): a token that never expires
     * stays valid forever once leaked. Set false only for an issuer whose tokens are known to lack `exp`
     * and are revoked some other way.
     * @default true
     */
    requireExp: flag().default(true),
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

/** The `auth` section: JWTs, API keys, and the identity headers sent to subgraphs. */
export const authSchema = z
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
