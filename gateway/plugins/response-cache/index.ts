import { createHash } from 'node:crypto';
import { type DocumentNode, type ExecutionResult, print } from 'graphql';
import type { GatewayConfig } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from '../../observability/metrics.js';
import type { Principal, RequestContext } from '../../request-context.js';
import { redisConnectionOf } from '../../stores/redis-config.js';
import type { LoadedSupergraph } from '../../supergraph/build-supergraph.js';
import type { AtriumPlugin } from '../plugin.js';
import { parseCacheControl } from './cache-control.js';
import { anyEntityTag, collectEntityTags, entityTag, typeTag } from './entity-tags.js';
import { operationCoordinates } from './operation-coordinates.js';
import { createPurgeRoute } from './purge-route.js';
import { createRedisResponseStore } from './redis-response-store.js';
import { createMemoryResponseStore, type PurgeTarget, type ResponseStore } from './response-store.js';
import { entryLifetime, type FetchPolicy } from './entry-lifetime.js';
import { readsResponseOnly } from '../../subgraph-client/shared-answers.js';
import type { ForwardedClientHeaders } from '../../traffic/header-rules.js';

/** Counters of the response cache since start (the observability plugin exports them). */
export interface ResponseCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Entries written. */
  readonly stores: number;
  /** Query results not stored: errors, `no-store`, `private` without a principal, or a lifetime of 0. */
  readonly uncacheable: number;
  /** Entries deleted by purges. */
  readonly purged: number;
  /** Memory store only. */
  readonly entries?: number;
  readonly bytes?: number;
  readonly evictions?: number;
}

/** The response-cache plugin, with its counters and the purge the admin route uses. */
export interface ResponseCachePlugin extends AtriumPlugin {
  stats(): ResponseCacheStats;
  purge(target: PurgeTarget): Promise<number>;
}

/** What one query collects on a miss, until its response is stored. */
interface MissState {
  readonly publicKey: string;
  readonly privateKey: string | undefined;
  readonly types: ReadonlySet<string>;
  readonly fields: ReadonlySet<string>;
  readonly fetches: FetchPolicy[];
  readonly tags: Set<string>;
}

/**
 * Whole-response cache for queries (`responseCache` in gateway.yaml). Runs after the plan hooks before it
 * (so authorization has filtered the document and quotas are taken on hits too): the key is the supergraph
 * version, the operation as planned (authorization may have removed fields), its name and its coerced
 * variables; an entry built from any `Cache-Control: private` fetch — or, for a request with a principal,
 * from any fetch not marked `public` — is keyed by the principal as well, and private answers to
 * anonymous requests are not stored. Hits answer with `x-cache: hit` and skip execution; misses
 * collect each fetch's Cache-Control and entities, and store error-free results for their lifetime
 * (`entryLifetime`). Entries are tagged by type and entity for the admin purge. Lookups count in
 * `atrium_cache_lookups_total{cache="response"}` when metrics are on.
 *
 * @example
 * const cache = await createResponseCachePlugin(config.responseCache, logger);
 * cache.stats().hits;
 */
export async function createResponseCachePlugin(
  config: GatewayConfig['responseCache'],
  logger: Logger,
  metrics?: GatewayMetrics,
  /** The client headers the header rules forward to subgraphs (their values are part of every key). */
  forwarded: () => ForwardedClientHeaders = () => NOTHING_FORWARDED,
): Promise<ResponseCachePlugin> {
  const store: ResponseStore =
    config.store === 'redis'
      ? await createRedisResponseStore(redisConnectionOf(config.redis, config.redisUrl), logger)
      : createMemoryResponseStore({ maxBytes: config.maxBytes });
  const misses = new WeakMap<RequestContext, MissState>();
  const counters = { hits: 0, misses: 0, stores: 0, uncacheable: 0, purged: 0 };

  const purge = async (target: PurgeTarget) => {
    const purged = await store.purge(purgeGroups(target));
    counters.purged += purged;
    return purged;
  };

  return {
    name: 'responseCache',
    async onPlan({ context, supergraph, document, operation, variables, respond }) {
      if (operation.operation !== 'query') return;
      const publicKey = sha256(
        `${supergraphVersion(supergraph)}\u0000${documentHash(document)}\u0000${operation.name?.value ?? ''}\u0000${JSON.stringify(variables)}\u0000${forwardedValues(context, forwarded())}`,
      );
      const principal = principalId(context.principal);
      const privateKey = principal === undefined ? undefined : sha256(`${publicKey}\u0000${principal}`);
      const cached = await lookUp(store, publicKey, privateKey);
      if (cached !== undefined) {
        counters.hits++;
        metrics?.recordCacheLookup('response', 'hit');
        context.responseHeaders.set('x-cache', 'hit');
        respond({ data: cached.data });
        return;
      }
      counters.misses++;
      metrics?.recordCacheLookup('response', 'miss');
      context.responseHeaders.set('x-cache', 'miss');
      const { types, fields } = operationCoordinates(document, supergraph.apiSchema);
      misses.set(context, { publicKey, privateKey, types, fields, fetches: [], tags: new Set() });
    },
    // Its done-hook only reads the answer, which may be one shared parse (subgraph-client/shared-answers.ts).
    onSubgraphFetch: readsResponseOnly(({ context, request }) => {
      const state = misses.get(context);
      if (!state) return;
      collectEntityTags(request.body.variables?.representations, state.tags);
      return ({ response }) => {
        if (!response) {
          state.fetches.push({ maxAge: undefined, private: false, public: false, noStore: true });
          return;
        }
        state.fetches.push(parseCacheControl(response.headers['cache-control']));
        collectEntityTags(response.body.data, state.tags);
      };
    }),
    async onResponse({ context, result, hasNext }) {
      // An answer in parts (@defer) is stored whole, from its last payload.
      if (hasNext) return;
      const state = misses.get(context);
      if (!state) return;
      misses.delete(context);
      // Its answer came from an identical request's execution (engine.dedupe), which stores it: this one
      // saw none of the fetches whose headers decide whether and for whom it may be kept.
      if (context.sharedExecution) return;
      // A request with an identity may get answers made for that identity (subgraphs receive it in the
      // identity headers): shared only when every subgraph said `public`.
      const isPrivate =
        state.fetches.some((fetch) => fetch.private) || (state.privateKey !== undefined && !state.fetches.every((fetch) => fetch.public));
      const ttlMs = result.errors?.length ? 0 : entryLifetime({ fetches: state.fetches, types: state.types, fields: state.fields, config });
      const key = isPrivate ? state.privateKey : state.publicKey;
      if (ttlMs <= 0 || key === undefined) {
        counters.uncacheable++;
        return;
      }
      for (const type of state.types) state.tags.add(typeTag(type));
      // `everyPublic` says whether a principal may share this (public-key) entry: only when every subgraph
      // marked its part `public`. An anonymous request's answer from `max-age` alone is for anonymous callers.
      const everyPublic = state.fetches.every((fetch) => fetch.public);
      await store.set(key, JSON.stringify({ data: result.data, ...(everyPublic && { everyPublic }) }), ttlMs, [...state.tags]);
      counters.stores++;
    },
    ...(config.purgeToken !== undefined && {
      routes: [createPurgeRoute({ path: config.purgePath, token: config.purgeToken, purge, logger })],
    }),
    stats: () => ({ ...counters, ...store.usage?.() }),
    purge,
    close: () => store.close(),
  };
}

/** A stored answer; `everyPublic` when every subgraph marked its part `public`. */
interface CachedResponse {
  readonly data: ExecutionResult['data'];
  readonly everyPublic?: boolean;
}

/**
 * The entry for a request: its principal's own entry, else the shared one — which a principal may use
 * only when it was stored with `everyPublic` (docs: "a principal's request may share an entry only when
 * every subgraph marked its part public"). An anonymous request may use any shared entry.
 */
async function lookUp(store: ResponseStore, publicKey: string, privateKey: string | undefined): Promise<CachedResponse | undefined> {
  if (privateKey !== undefined) {
    const own = await store.get(privateKey);
    if (own !== undefined) return JSON.parse(own) as CachedResponse;
  }
  const shared = await store.get(publicKey);
  if (shared === undefined) return undefined;
  const entry = JSON.parse(shared) as CachedResponse;
  return privateKey === undefined || entry.everyPublic === true ? entry : undefined;
}

/** Tag groups of a purge target: type tag; or all key-field tags together, or the type's any-entity tag. */
function purgeGroups(target: PurgeTarget): readonly (readonly string[])[] | 'all' {
  if ('all' in target) return 'all';
  if (target.key === undefined) return [[typeTag(target.type)]];
  const fieldTags = Object.entries(target.key).map(([field, value]) => entityTag(target.type, field, value));
  return [fieldTags, [anyEntityTag(target.type)]];
}

const versions = new WeakMap<LoadedSupergraph, string>();
const documentHashes = new WeakMap<DocumentNode, string>();

/** Entries of an older supergraph are never served after a reload: its SDL hash is part of every key. */
function supergraphVersion(supergraph: LoadedSupergraph): string {
  let version = versions.get(supergraph);
  if (version === undefined) versions.set(supergraph, (version = sha256(supergraph.sdl)));
  return version;
}

function documentHash(document: DocumentNode): string {
  let hash = documentHashes.get(document);
  if (hash === undefined) documentHashes.set(document, (hash = sha256(print(document))));
  return hash;
}

const NOTHING_FORWARDED: ForwardedClientHeaders = { names: new Set(), patterns: [] };

/**
 * The request's values of the headers the rules forward to subgraphs, in name order: a subgraph may answer
 * differently for another `x-tenant` or `accept-language`, so they are part of the key ('' when none is
 * forwarded or sent).
 */
function forwardedValues(context: RequestContext, forwarded: ForwardedClientHeaders): string {
  if (forwarded.names.size === 0 && forwarded.patterns.length === 0) return '';
  const sent: [string, unknown][] = [];
  const { headers } = context.http;
  for (const name in headers) {
    if (forwarded.names.has(name) || forwarded.patterns.some((pattern) => pattern.test(name))) sent.push([name, headers[name]]);
  }
  return sent.length === 0 ? '' : JSON.stringify(sent.sort(([a], [b]) => (a < b ? -1 : 1)));
}

const principalIds = new WeakMap<Principal, string>();

/**
 * Who a private entry belongs to, undefined for anonymous requests (their private data is not cached): the
 * whole principal — subject, client id, scopes and every claim (the issuer among them), even for one with
 * neither subject nor client id — since subgraphs receive it in identity headers and may answer by any of
 * it. Two tokens of one subject with other scopes or from another issuer get entries of their own. Kept per
 * principal object (the verifier reuses it per token).
 */
function principalId(principal: Principal | undefined): string | undefined {
  if (!principal) return undefined;
  let id = principalIds.get(principal);
  if (id === undefined) {
    id = JSON.stringify([principal.subject ?? null, principal.clientId ?? null, principal.scopes, principal.claims]);
    principalIds.set(principal, id);
  }
  return id;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
