import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { createStoreRedis, type RedisClient, slotPrefix, storeFailureLogger } from '../../stores/redis-client.js';
import type { RedisConnection } from '../../stores/redis-config.js';
import type { ResponseStore } from './response-store.js';

const KEY_PREFIX = 'atrium:rc:';
const SCAN_BATCH = 500;

/**
 * Stores the entry and adds it to each tag set, in one atomic step. A tag set lives as long as its
 * longest-lived entry. KEYS[1] = entry, KEYS[2..] = tag sets; ARGV[1] = value, ARGV[2] = ttl ms.
 */
const SET_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1`;

/**
 * Deletes every entry that is in all tag sets of some group, atomically. ARGV[1] = number of groups,
 * ARGV[2..] = the size of each group; KEYS = the groups' tag sets, in order. Returns how many entries
 * existed and were deleted. Members whose entry already expired are deleted as no-ops.
 */
const PURGE_SCRIPT = `
local groups = tonumber(ARGV[1])
local at = 1
local doomed = {}
for g = 1, groups do
  local size = tonumber(ARGV[g + 1])
  local members
  if size == 1 then members = redis.call('SMEMBERS', KEYS[at])
  else members = redis.call('SINTER', unpack(KEYS, at, at + size - 1)) end
  for _, member in ipairs(members) do doomed[member] = true end
  at = at + size
end
local count = 0
for member in pairs(doomed) do count = count + redis.call('DEL', member) end
return count`;

/**
 * The shared store: entries `atrium:rc:e:<key>` with a PX lifetime and tag sets `atrium:rc:t:<tag>`, both
 * written by one Lua script (never read-then-write). Every replica pointed at the same Redis shares hits
 * and purges. Any Redis failure counts as a miss (reads) or a skipped write, logged at most every 10 s.
 * On a Redis Cluster the prefix is `{atrium:rc:}`: the scripts touch an entry with its tag sets and a purge
 * deletes entries the scripts find in tag sets, so all of them must share one slot (one shard holds the cache).
 *
 * @example
 * const store = await createRedisResponseStore({ url: 'redis://127.0.0.1:6379' }, logger);
 */
export async function createRedisResponseStore(connection: RedisConnection, logger: Logger): Promise<ResponseStore> {
  const redis = await createStoreRedis(connection, logger, 'responseCache');
  const prefix = slotPrefix(redis, KEY_PREFIX);
  const ENTRY_PREFIX = `${prefix}e:`;
  const TAG_PREFIX = `${prefix}t:`;
  const warn = storeFailureLogger(logger, 'responseCache');
  return {
    async get(key) {
      try {
        return (await redis.get(ENTRY_PREFIX + key)) ?? undefined;
      } catch (error) {
        warn(error);
        return undefined;
      }
    },
    async set(key, value, ttlMs, tags) {
      try {
        const keys = [ENTRY_PREFIX + key, ...tags.map((tag) => TAG_PREFIX + tag)];
        await redis.eval(SET_SCRIPT, keys.length, ...keys, value, String(ttlMs));
      } catch (error) {
        warn(error);
      }
    },
    async purge(groups) {
      if (groups === 'all') return purgeAll(redis, ENTRY_PREFIX, TAG_PREFIX);
      const keys = groups.flatMap((group) => group.map((tag) => TAG_PREFIX + tag));
      if (keys.length === 0) return 0;
      const sizes = groups.map((group) => String(group.length));
      return Number(await redis.eval(PURGE_SCRIPT, keys.length, ...keys, String(groups.length), ...sizes));
    },
    async close() {
      redis.disconnect();
    },
  };
}

/**
 * Deletes every entry and tag set under the cache's prefixes (entries first: their count is returned), a
 * SCAN page at a time, on every master of a cluster (SCAN walks one node's keys).
 */
async function purgeAll(redis: RedisClient, entryPrefix: string, tagPrefix: string): Promise<number> {
  const nodes: Redis[] = redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
  let count = 0;
  for (const node of nodes) {
    for (const prefix of [entryPrefix, tagPrefix]) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', SCAN_BATCH);
        cursor = next;
        if (keys.length > 0) {
          const deleted = await node.unlink(...keys);
          if (prefix === entryPrefix) count += deleted;
        }
      } while (cursor !== '0');
    }
  }
  return count;
}
