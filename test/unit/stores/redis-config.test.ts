import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { redisConnectionOf } from '../../../gateway/stores/redis-config.js';
import { configIssues } from '../../helpers/config-issues.js';

const CLUSTER = { cluster: { nodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] } };
const SENTINEL = { sentinel: { sentinels: [{ host: 'sentinel-0' }, { host: 'sentinel-1', port: 26380 }], name: 'atrium' } };

describe('gateway.yaml: the shared Redis connection block', () => {
  it('is the same shape in every section with a Redis store, with its defaults', () => {
    const config = parseConfig(
      {
        quotaStore: { kind: 'redis', redis: SENTINEL },
        responseCache: { enabled: true, store: 'redis', redis: CLUSTER },
        persistedDocuments: { apq: { store: 'redis', redis: { url: 'rediss://cache:6380', password: 'secret', tls: { ca: 'PEM' } } } },
        registry: { redis: { ...CLUSTER, keyPrefix: 'graph-a:' } },
      },
      'test',
    );
    expect(config.quotaStore.redis).toEqual({
      sentinel: { sentinels: [{ host: 'sentinel-0', port: 26379 }, { host: 'sentinel-1', port: 26380 }], name: 'atrium', tls: false },
    });
    expect(config.responseCache?.redis).toEqual(CLUSTER);
    expect(config.persistedDocuments.apq.redis).toEqual({ url: 'rediss://cache:6380', password: 'secret', tls: { ca: 'PEM', rejectUnauthorized: true } });
    expect(config.registry?.redis).toEqual({ ...CLUSTER, keyPrefix: 'graph-a:' });
  });

  it('takes secrets from ${env.X}', () => {
    const config = parseConfig({ quotaStore: { kind: 'redis', redis: { cluster: CLUSTER.cluster, password: '${env.REDIS_PASSWORD}' } } }, 'test', {
      env: { REDIS_PASSWORD: 'from-env' },
    });
    expect(config.quotaStore.redis?.password).toBe('from-env');
  });

  it('needs exactly one of url, sentinel, cluster, and names the path of every bad value', () => {
    expect(configIssues({ quotaStore: { kind: 'redis', redis: {} } })).toEqual(['gateway.yaml: quotaStore.redis: expected one of url, sentinel, cluster']);
    expect(configIssues({ registry: { redis: { url: 'redis://a:6379', ...CLUSTER } } })).toEqual([
      'gateway.yaml: registry.redis: expected only one of url, sentinel, cluster (got url, cluster)',
    ]);
    const issues = configIssues({
      quotaStore: { kind: 'redis', redis: { cluster: { nodes: ['http://a:1'] } } },
      responseCache: { enabled: true, store: 'redis', redis: { sentinel: { sentinels: [], name: '' } } },
      persistedDocuments: { apq: { store: 'redis', redis: { url: 'redis://a:1', tls: { verify: false } } } },
    }).map((issue) => issue.split(': ')[1]);
    expect(issues).toEqual([
      'quotaStore.redis.cluster.nodes[0]',
      'persistedDocuments.apq.redis.tls.verify',
      'responseCache.redis.sentinel.sentinels',
      'responseCache.redis.sentinel.name',
    ]);
  });

  it('keeps the one-URL forms, and refuses them next to a redis block', () => {
    const config = parseConfig({ responseCache: { enabled: true, store: 'redis', redisUrl: 'redis://a:6379' } }, 'test');
    expect(redisConnectionOf(config.responseCache?.redis, config.responseCache?.redisUrl)).toEqual({ url: 'redis://a:6379' });
    expect(configIssues({ responseCache: { enabled: true, store: 'redis', redisUrl: 'redis://a:6379', redis: CLUSTER } })).toEqual([
      'gateway.yaml: responseCache: set redisUrl or redis, not both',
    ]);
    expect(configIssues({ persistedDocuments: { apq: { store: 'redis' } } })).toEqual([
      'gateway.yaml: persistedDocuments: apq.store: redis needs apq.redisUrl or apq.redis',
    ]);
  });
});
