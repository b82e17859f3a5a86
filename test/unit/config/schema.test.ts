import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { subgraphSettings } from '../../../gateway/config/schema.js';

describe('subgraphSettings', () => {
  const config = parseConfig(
    {
      traffic: {
        all: { timeout: '10s', maxResponseSize: '4mb' },
        subgraphs: {
          products: { timeout: '2s', url: 'http://products.internal/graphql', dedupe: false, maxResponseSize: 65_536, dedupeSubscriptions: false },
          reviews: { url: 'http://r/graphql' },
        },
      },
    },
    'g',
  );

  it('merges the subgraph settings over all', () => {
    expect(subgraphSettings(config, 'products')).toEqual({
      timeoutMs: 2000,
      dedupe: false,
      maxResponseBytes: 65_536,
      dedupeSubscriptions: false,
      url: 'http://products.internal/graphql',
    });
    expect(subgraphSettings(config, 'reviews')).toEqual({ timeoutMs: 10_000, dedupe: true, maxResponseBytes: 4 * 1024 * 1024, dedupeSubscriptions: true, url: 'http://r/graphql' });
  });

  it('falls back to all for a subgraph without settings, with no url override', () => {
    expect(subgraphSettings(config, 'inventory')).toEqual({ timeoutMs: 10_000, dedupe: true, maxResponseBytes: 4 * 1024 * 1024, dedupeSubscriptions: true });
    expect(subgraphSettings(config, 'constructor')).toEqual({ timeoutMs: 10_000, dedupe: true, maxResponseBytes: 4 * 1024 * 1024, dedupeSubscriptions: true });
  });

  it('defaults maxResponseSize to 16 MiB', () => {
    expect(subgraphSettings(parseConfig({}, 'g'), 'products').maxResponseBytes).toBe(16 * 1024 * 1024);
  });
});
