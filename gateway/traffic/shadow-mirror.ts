import type { Logger } from '../logger.js';
import type { SubgraphRequest, SubgraphResponse, SubgraphTransport } from '../subgraph-client/contracts.js';
import type { ShadowSettings } from './traffic-settings.js';

/** Shadow requests in flight at once per subgraph; beyond it queries are not mirrored (counted as skipped). */
const MAX_IN_FLIGHT = 64;

/** Counters of one subgraph's shadow traffic. */
export interface ShadowCounters {
  /** Queries sent to the shadow URL. */
  mirrored: number;
  /** Shadow answers equal to the real ones. */
  matched: number;
  /** Shadow answers that differ (each is also logged). */
  differed: number;
  /** Shadow requests that failed or timed out. */
  failed: number;
  /** Queries picked for mirroring but not compared: too many shadows in flight, or the real fetch failed. */
  skipped: number;
}

/** One mirrored query, waiting for the real answer to compare with. */
export interface ShadowRun {
  /** Called with the real answer (or `undefined` when the real fetch failed) before anyone else reads it. */
  settle(primary: SubgraphResponse | undefined): void;
}

/**
 * Mirrors a share of a subgraph's queries to a shadow URL and compares the answers. The shadow request is
 * sent next to the real one and nobody waits for it: the client's answer and latency do not depend on it.
 * The share is exact, not random (`0.05` mirrors every 20th query). The real answer is serialized when it
 * arrives (the executor merges into it afterwards), the shadow's when it arrives; a difference is
 * counted and logged with the first path where the two answers disagree.
 *
 * @example
 * const run = mirror.start(request);
 * run?.settle(response);
 */
export class ShadowMirror {
  readonly counters: ShadowCounters = { mirrored: 0, matched: 0, differed: 0, failed: 0, skipped: 0 };
  #credit = 0;
  #inFlight = 0;

  constructor(
    private readonly subgraph: string,
    public settings: ShadowSettings,
    private readonly transport: SubgraphTransport,
    private readonly logger: Logger,
    private readonly onOutcome: (outcome: keyof ShadowCounters) => void,
  ) {}

  start(request: SubgraphRequest): ShadowRun | undefined {
    const { url, share, timeoutMs } = this.settings;
    if (url === undefined || share <= 0 || request.operationKind !== 'query') return undefined;
    this.#credit += share;
    if (this.#credit < 1) return undefined;
    this.#credit -= 1;
    if (this.#inFlight >= MAX_IN_FLIGHT) {
      this.#count('skipped');
      return undefined;
    }
    this.#inFlight++;
    this.#count('mirrored');
    const { operationName } = request.body;
    const shadowRequest: SubgraphRequest = { ...request, url, headers: { ...request.headers } };
    const answer = this.transport.send(shadowRequest, AbortSignal.timeout(timeoutMs)).then(
      (response) => response,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    void answer.then(() => this.#inFlight--);
    return {
      settle: (primary) => {
        const primaryText = primary === undefined ? undefined : JSON.stringify(primary.body);
        void answer.then((shadow) => this.#compare(primaryText, shadow, operationName));
      },
    };
  }

  #compare(primaryText: string | undefined, shadow: SubgraphResponse | Error, operationName: string | undefined): void {
    if (shadow instanceof Error) {
      this.#count('failed');
      this.logger.debug({ subgraph: this.subgraph, err: shadow }, 'traffic: shadow request failed');
      return;
    }
    if (primaryText === undefined) {
      this.#count('skipped');
      return;
    }
    if (JSON.stringify(shadow.body) === primaryText) {
      this.#count('matched');
      return;
    }
    const path = firstDifference(JSON.parse(primaryText), shadow.body, '$');
    if (path === undefined) {
      this.#count('matched');
      return;
    }
    this.#count('differed');
    this.logger.warn({ subgraph: this.subgraph, path, operationName }, 'traffic: shadow answer differs');
  }

  #count(outcome: keyof ShadowCounters): void {
    this.counters[outcome]++;
    this.onOutcome(outcome);
  }
}

/** The first JSON path where two parsed JSON values differ (object key order ignored), or `undefined`. */
export function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return `${path}.length`;
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], other[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    const found = firstDifference(left[key], right[key], `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
