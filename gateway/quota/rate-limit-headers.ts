import type { RequestContext } from '../request-context.js';

/** One limit that applied to a request, as the response headers describe it. */
export interface RateLimitReport {
  /** Policy name in the IETF fields, e.g. `cost` or `requests`. */
  readonly policy: string;
  /** The quota: bucket capacity or requests per window. */
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the quota is whole again. */
  readonly resetSeconds: number;
  /** The policy's window in seconds (for a bucket: how long it takes to refill from empty). */
  readonly windowSeconds: number;
}

const reports = new WeakMap<RequestContext, RateLimitReport[]>();

/**
 * Records a limit that applied to this request and (re)writes the response headers for all of them:
 * the IETF draft fields list every policy (`RateLimit-Policy: "cost";q=1000;w=20`, `RateLimit:
 * "cost";r=980;t=1`; draft-ietf-httpapi-ratelimit-headers), and `X-RateLimit-Limit/-Remaining/-Reset`
 * (Reset in seconds) describe the one closest to running out. A report for a policy already recorded
 * replaces it (a refund after execution).
 *
 * @example
 * reportRateLimit(context, { policy: 'cost', limit: 1000, remaining: 960, resetSeconds: 1, windowSeconds: 20 });
 */
export function reportRateLimit(context: RequestContext, report: RateLimitReport): void {
  let list = reports.get(context);
  if (!list) {
    list = [report];
    reports.set(context, list);
  } else {
    let i = 0;
    while (i < list.length && list[i]!.policy !== report.policy) i++;
    list[i] = report;
  }
  // One pass, no closures: this runs for every request under a quota, twice with a refund.
  let tightest = list[0]!;
  let policies = '';
  let remaining = '';
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (i > 0) {
      if (r.remaining / r.limit < tightest.remaining / tightest.limit) tightest = r;
      policies += ', ';
      remaining += ', ';
    }
    policies += `"${r.policy}";q=${r.limit};w=${Math.max(1, Math.ceil(r.windowSeconds))}`;
    remaining += `"${r.policy}";r=${r.remaining};t=${r.resetSeconds}`;
  }
  const headers = context.responseHeaders;
  headers.set('x-ratelimit-limit', String(tightest.limit));
  headers.set('x-ratelimit-remaining', String(tightest.remaining));
  headers.set('x-ratelimit-reset', String(tightest.resetSeconds));
  headers.set('ratelimit-policy', policies);
  headers.set('ratelimit', remaining);
}
