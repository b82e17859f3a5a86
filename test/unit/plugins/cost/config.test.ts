import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../gateway/config/load-config.js';
import { configIssues as issuesOf } from '../../../helpers/config-issues.js';


describe('gateway.yaml: cost, rateLimit, clients, quotaStore', () => {
  it('applies the defaults', () => {
    const config = parseConfig({ cost: { budget: {} }, rateLimit: { anonymous: {} } }, 'test');
    expect(config.cost).toEqual({
      mode: 'enforce',
      maxPerOperation: 0,
      defaultListSize: 10,
      extensions: true,
      budget: { default: { capacity: 1000, restoreRate: 50 }, tiers: {}, clients: {} },
    });
    expect(config.rateLimit).toEqual({
      mode: 'enforce',
      anonymous: { max: 60, window: 60_000 },
      routes: {},
      failedAuth: { enabled: true, max: 20, window: 60_000 },
    });
    expect(config.clients).toEqual({ idClaim: 'client_id', tierClaim: 'plan', trustedProxies: [] });
    expect(config.quotaStore).toEqual({ kind: 'memory', url: 'redis://127.0.0.1:6379', keyPrefix: 'atrium:quota:', onStoreError: 'allow', timeout: 250 });
  });

  it('leaves cost and rate limits off without their sections', () => {
    const config = parseConfig({}, 'test');
    expect(config.cost).toBeUndefined();
    expect(config.rateLimit).toBeUndefined();
  });

  it('names the path of every bad value', () => {
    expect(
      issuesOf({
        cost: { mode: 'strict', maxPerOperation: -1, budget: { default: { restoreRate: 0 }, tiers: { gold: { capacity: 'lots' } } } },
        rateLimit: { anonymous: { window: 'soon' } },
        clients: { trustedProxies: ['not an ip'] },
        quotaStore: { kind: 'memcached', url: 'http://redis', onStoreError: 'maybe' },
      }).map((issue) => issue.split(':')[1]?.trim()),
    ).toEqual([
      'cost.mode',
      'cost.maxPerOperation',
      'cost.budget.default.restoreRate',
      'cost.budget.tiers.gold.capacity',
      'rateLimit.anonymous.window',
      'clients.trustedProxies[0]',
      'quotaStore.kind',
      'quotaStore.url',
      'quotaStore.onStoreError',
    ]);
  });

  it('takes numbers from ${env.X} strings', () => {
    const config = parseConfig({ cost: { budget: { default: { capacity: '${env.CAP}', restoreRate: '${env.RATE}' } } } }, 'test', {
      env: { CAP: '500', RATE: '2.5' },
    });
    expect(config.cost?.budget?.default).toEqual({ capacity: 500, restoreRate: 2.5 });
  });
});
