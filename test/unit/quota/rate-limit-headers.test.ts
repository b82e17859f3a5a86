import { describe, expect, it } from 'vitest';
import { reportRateLimit } from '../../../gateway/quota/rate-limit-headers.js';
import type { RequestContext } from '../../../gateway/request-context.js';

describe('rate-limit headers', () => {
  it('lists every policy in the IETF fields and the tightest in X-RateLimit-*', () => {
    const context = { responseHeaders: new Map() } as unknown as RequestContext;
    reportRateLimit(context, { policy: 'requests', limit: 60, remaining: 59, resetSeconds: 1, windowSeconds: 60 });
    reportRateLimit(context, { policy: 'cost', limit: 1000, remaining: 100, resetSeconds: 18, windowSeconds: 20 });
    const headers = Object.fromEntries(context.responseHeaders);
    expect(headers).toEqual({
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '100',
      'x-ratelimit-reset': '18',
      'ratelimit-policy': '"requests";q=60;w=60, "cost";q=1000;w=20',
      ratelimit: '"requests";r=59;t=1, "cost";r=100;t=18',
    });
    reportRateLimit(context, { policy: 'cost', limit: 1000, remaining: 990, resetSeconds: 1, windowSeconds: 20 });
    expect(context.responseHeaders.get('x-ratelimit-limit')).toBe('60');
    expect(context.responseHeaders.get('ratelimit')).toBe('"requests";r=59;t=1, "cost";r=990;t=1');
  });
});
