import { AtriumError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createRedisClient, type RedisClient, slotPrefix } from '../stores/redis-client.js';
import type { RedisConnection } from '../stores/redis-config.js';
import type { PublishedSubgraph, RegistryStore } from './registry-store.js';

// KEYS: revision, live hash, history list of the subgraph. ARGV: expected revision, subgraph name, record
// JSON, channel. One script, so the revision check and every write happen atomically: two replicas
// publishing at once cannot both succeed against the same revision. On a cluster the three keys share the
// prefix's hash tag, hence one slot; PUBLISH from a script reaches subscribers on every node.
const COMMIT_SCRIPT = `
local revision = tonumber(redis.call('GET', KEYS[1]) or '0')
if revision ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[3])
local next = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[4], tostring(next))
return 1
`;

/**
 * The fleet's registry store in Redis: `<prefix>revision` (a counter), `<prefix>live` (hash: subgraph →
 * live version), `<prefix>history:<name>` (list of versions). A commit is one Lua script (compare the
 * revision, write, increment, publish on `<prefix>changed`); every replica subscribes to that channel and
 * also polls the revision, in case a message was lost while its connection was down. Commands fail within
 * a few seconds when Redis is unreachable (`REGISTRY_UNAVAILABLE`) instead of queueing forever. Works on
 * one server, a Sentinel-managed master or a cluster (where the prefix becomes a hash tag: see
 * {@link slotPrefix}).
 *
 * @example
 * const store = createRedisStore({ connection: { url: 'redis://127.0.0.1:6379' }, keyPrefix: 'atrium:registry:', pollIntervalMs: 5000, logger });
 */
export function createRedisStore(options: { connection: RedisConnection; keyPrefix: string; pollIntervalMs: number; logger: Logger }): RegistryStore {
  const { logger } = options;
  const connect = () => {
    const client = createRedisClient(options.connection, { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false });
    client.on('error', (error: Error) => logger.debug({ err: error }, 'registry: redis connection error'));
    return client;
  };
  const redis = connect();
  const prefix = slotPrefix(redis, options.keyPrefix);
  const revisionKey = `${prefix}revision`;
  const liveKey = `${prefix}live`;
  const historyKey = (name: string) => `${prefix}history:${name}`;
  const channel = `${prefix}changed`;
  let subscriber: RedisClient | undefined;

  const unavailable = (error: unknown): never => {
    throw new AtriumError('REGISTRY_UNAVAILABLE', `the schema registry (redis) is unavailable: ${(error as Error).message}`, { cause: error });
  };

  return {
    async read() {
      // MULTI: the revision and the live versions are read at the same instant.
      const results = await redis.multi().get(revisionKey).hgetall(liveKey).exec().catch(unavailable);
      const [[revisionError, revision], [liveError, live]] = results as [[Error | null, string | null], [Error | null, Record<string, string>]];
      if (revisionError || liveError) unavailable(revisionError ?? liveError);
      const subgraphs: Record<string, PublishedSubgraph> = {};
      for (const [name, json] of Object.entries(live)) subgraphs[name] = JSON.parse(json) as PublishedSubgraph;
      return { revision: Number(revision ?? 0), subgraphs };
    },

    async history(name) {
      const items = await redis.lrange(historyKey(name), 0, -1).catch(unavailable);
      return items.map((json) => JSON.parse(json) as PublishedSubgraph);
    },

    async commit(expectedRevision, record) {
      const done = await redis
        .eval(COMMIT_SCRIPT, 3, revisionKey, liveKey, historyKey(record.name), String(expectedRevision), record.name, JSON.stringify(record), channel)
        .catch(unavailable);
      return done === 1;
    },

    watch(onRevision) {
      subscriber ??= connect();
      const sub = subscriber;
      const onMessage = (from: string, message: string) => {
        if (from === channel) onRevision(Number(message));
      };
      sub.on('message', onMessage);
      sub.subscribe(channel).catch((error: unknown) => logger.warn({ err: error }, 'registry: cannot subscribe to changes, polling only'));
      const poll =
        options.pollIntervalMs > 0
          ? setInterval(() => {
              redis.get(revisionKey).then((revision) => onRevision(Number(revision ?? 0)), () => {});
            }, options.pollIntervalMs)
          : undefined;
      poll?.unref();
      return () => {
        clearInterval(poll);
        sub.off('message', onMessage);
      };
    },

    async close() {
      subscriber?.disconnect();
      redis.disconnect();
    },
  };
}
