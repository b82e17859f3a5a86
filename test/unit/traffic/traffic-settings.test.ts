import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { resolveTrafficSettings } from '../../../gateway/traffic/traffic-settings.js';
import { configIssues } from '../../helpers/config-issues.js';

describe('traffic settings', () => {
  it('merges subgraph policies over all, field by field, over the defaults', () => {
    const config = parseConfig(
      {
        traffic: {
          all: { retry: { attempts: 2, backoff: '10ms' }, breaker: { enabled: true } },
          subgraphs: { products: { retry: { attempts: 1 }, breaker: { failures: 3 }, urls: ['http://a/graphql', 'http://b/graphql'] } },
        },
      },
      'gateway.yaml',
    );
    const products = resolveTrafficSettings(config, 'products');
    expect(products.retry).toEqual({ attempts: 1, backoffMs: 10, maxBackoffMs: 1000, budget: 0.1, minPerSecond: 1 });
    expect(products.breaker).toEqual({ failures: 3, openForMs: 10_000, halfOpenRequests: 1 });
    expect(products.versions).toEqual([{ name: 'default', weight: 1, urls: ['http://a/graphql', 'http://b/graphql'] }]);
    expect(resolveTrafficSettings(config, 'reviews')).toMatchObject({ versions: undefined, retry: { attempts: 2 }, balance: 'round-robin' });
  });

  it('refuses contradictory or broken traffic settings with the key path', () => {
    expect(configIssues({ traffic: { subgraphs: { p: { url: 'http://a/g', urls: ['http://b/g'] } } } })).toEqual([
      'gateway.yaml: traffic.subgraphs.p.urls: give only one of url, urls, versions (also given: url)',
    ]);
    expect(
      configIssues({
        traffic: { subgraphs: { p: { versions: { a: { urls: ['http://a/g'] } }, routeByHeader: { header: 'x-v', values: { b: 'beta' } } } } },
      }),
    ).toEqual(['gateway.yaml: traffic.subgraphs.p.routeByHeader.values.b: unknown version "beta"']);
    expect(configIssues({ traffic: { subgraphs: { p: { versions: { a: { weight: 0, urls: ['http://a/g'] } } } } } })).toEqual([
      'gateway.yaml: traffic.subgraphs.p.versions: at least one version needs a weight above 0',
    ]);
    expect(configIssues({ traffic: { all: { headers: { propagateMatching: '(' } } } })).toEqual([
      'gateway.yaml: traffic.all.headers.propagateMatching: expected a valid regular expression',
    ]);
    expect(configIssues({ traffic: { all: { retry: { budget: 2 } } } })[0]).toMatch(/^gateway\.yaml: traffic\.all\.retry\.budget: /);
  });
});
