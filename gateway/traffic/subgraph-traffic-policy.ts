import { AtriumError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SendAttempt, SubgraphFetchPolicy, SubgraphRequest, SubgraphResponse } from '../subgraph-client/contracts.js';
import { backoffMs, sleep } from './backoff.js';
import { applyRequestHeaderRules, applyResponseHeaderRules, type RequestHeaderRules, type ResponseHeaderRules } from './header-rules.js';
import { Instance, type InstanceSet, VersionSplit } from './instance-pool.js';
import { RetryBudget } from './retry-budget.js';
import type { ShadowMirror } from './shadow-mirror.js';
import type { SubgraphTrafficSettings } from './traffic-settings.js';

/** Where a policy reports what it does (the traffic manager turns these into counters and events). */
export interface PolicyObserver {
  retried(subgraph: string, attempt: number, code: string): void;
  retryRefused(subgraph: string): void;
  failedFast(subgraph: string): void;
}

/** Instances remembered for subgraphs routed by the supergraph's URL (hot reloads may change it). */
const MAX_URL_INSTANCES = 16;

/**
 * The traffic policy of one subgraph: header rules, the choice of an instance (header routing, weighted
 * versions, balancing, health, breakers), retries of queries within the retry budget, and shadow traffic.
 * Built by the traffic manager from gateway.yaml; replaced as a whole on SIGHUP, while its instances
 * (with their breakers and counts in flight) are carried over by URL.
 */
export class SubgraphTrafficPolicy implements SubgraphFetchPolicy {
  readonly prepareRequest?: SubgraphFetchPolicy['prepareRequest'];
  readonly execute?: SubgraphFetchPolicy['execute'];
  readonly finishResponse?: SubgraphFetchPolicy['finishResponse'];
  readonly budget: RetryBudget;
  readonly #split: VersionSplit | undefined;
  readonly #byHeader: ReadonlyMap<string, InstanceSet> | undefined;
  /** Breakers for a subgraph without configured instances: one per routing URL. */
  readonly #urlInstances = new Map<string, Instance>();

  constructor(
    readonly settings: SubgraphTrafficSettings,
    readonly sets: readonly InstanceSet[],
    private readonly options: {
      readonly requestHeaders: RequestHeaderRules | undefined;
      readonly responseHeaders: ResponseHeaderRules | undefined;
      readonly shadow: ShadowMirror | undefined;
      readonly observer: PolicyObserver;
      readonly onBreakerChange: (instance: Instance) => void;
    },
  ) {
    this.budget = new RetryBudget({ ratio: settings.retry.budget, minPerSecond: settings.retry.minPerSecond });
    if (sets.length > 0) {
      this.#split = new VersionSplit(sets.filter((set) => set.weight > 0));
      const route = settings.routeByHeader;
      if (route !== undefined) {
        this.#byHeader = new Map(Object.entries(route.values).map(([value, version]) => [value, sets.find((s) => s.name === version)!]));
      }
    }
    const { requestHeaders, responseHeaders } = options;
    if (requestHeaders !== undefined) {
      this.prepareRequest = (request, context) => applyRequestHeaderRules(requestHeaders, context.http.headers, request.headers);
    }
    if (responseHeaders !== undefined) {
      this.finishResponse = (response, context) => applyResponseHeaderRules(responseHeaders, response.headers, context.responseHeaders);
    }
    if (sets.length > 0 || settings.retry.attempts > 0 || settings.breaker !== undefined || options.shadow !== undefined) {
      this.execute = (request, context, signal, attempt) => this.#run(request, context, signal, attempt);
    }
  }

  /** Every instance of the policy, configured ones and those made for routing URLs. */
  get instances(): Instance[] {
    return [...this.sets.flatMap((set) => set.instances), ...this.#urlInstances.values()];
  }

  async #run(request: SubgraphRequest, context: RequestContext, signal: AbortSignal, attempt: SendAttempt): Promise<SubgraphResponse> {
    const shadow = this.options.shadow?.start(request);
    const { retry } = this.settings;
    const retries = request.operationKind === 'query' ? retry.attempts : 0;
    if (retries > 0) this.budget.recordRequest();
    let avoid: Instance | undefined;
    for (let tried = 0; ; tried++) {
      const instance = this.#pick(request, context, avoid);
      const permit = instance?.breaker === undefined ? 'closed' : instance.breaker.acquire();
      if (instance === undefined || permit === undefined) {
        shadow?.settle(undefined);
        this.options.observer.failedFast(this.settings.subgraph);
        throw new AtriumError('SUBGRAPH_UNAVAILABLE', `subgraph "${request.subgraph}" is unavailable: circuit breaker open`, {
          extensions: { serviceName: request.subgraph },
        });
      }
      request.url = instance.url;
      instance.outstanding++;
      let response: SubgraphResponse | undefined;
      let error: unknown;
      try {
        response = await attempt(request, signal);
      } catch (thrown) {
        error = thrown;
      } finally {
        instance.outstanding--;
      }
      const failed = !signal.aborted && (response === undefined ? isInstanceFailure(error) : isFailureStatus(response.status));
      if (signal.aborted) instance.breaker?.released(permit);
      else if (failed) instance.breaker?.failed(permit);
      else instance.breaker?.succeeded(permit);

      if (failed && tried < retries) {
        if (this.budget.tryRetry()) {
          this.options.observer.retried(this.settings.subgraph, tried + 1, codeOf(error, response));
          try {
            await sleep(backoffMs(tried, retry.backoffMs, retry.maxBackoffMs), signal);
            avoid = instance;
            continue;
          } catch {
            // The request ended during the backoff: answer with what the last attempt got.
          }
        } else {
          this.options.observer.retryRefused(this.settings.subgraph);
        }
      }
      shadow?.settle(response);
      if (response === undefined) throw error;
      return response;
    }
  }

  /** Header routing, else the weighted split; then healthy instances, other versions, and unhealthy ones last. */
  #pick(request: SubgraphRequest, context: RequestContext, avoid: Instance | undefined): Instance | undefined {
    if (this.#split === undefined) return this.#urlInstance(request.url);
    const { balance } = this.settings;
    let preferred: InstanceSet | undefined;
    if (this.#byHeader !== undefined) {
      const value = context.http.headers[this.settings.routeByHeader!.header];
      if (typeof value === 'string') preferred = this.#byHeader.get(value);
    }
    preferred ??= this.#split.choose();
    for (const ignoreHealth of [false, true]) {
      const chosen = preferred.pick(balance, avoid, ignoreHealth);
      if (chosen !== undefined) return chosen;
      for (const set of this.sets) {
        if (set === preferred) continue;
        const other = set.pick(balance, avoid, ignoreHealth);
        if (other !== undefined) return other;
      }
    }
    return undefined;
  }

  #urlInstance(url: string): Instance {
    let instance = this.#urlInstances.get(url);
    if (instance === undefined) {
      if (this.#urlInstances.size >= MAX_URL_INSTANCES) this.#urlInstances.clear();
      instance = new Instance(this.settings.subgraph, `routing-url/${this.#urlInstances.size}`, url);
      instance.configureBreaker(this.settings.breaker, this.options.onBreakerChange);
      this.#urlInstances.set(url, instance);
    }
    return instance;
  }
}

/** Failures that say something about the instance: it could not be reached, timed out, or answered garbage. */
function isInstanceFailure(error: unknown): boolean {
  if (!(error instanceof AtriumError)) return false;
  return error.code === 'SUBGRAPH_UNAVAILABLE' || error.code === 'SUBGRAPH_TIMEOUT' || error.code === 'SUBGRAPH_BAD_RESPONSE';
}

/** A GraphQL body with 502/503/504 comes from a proxy or an overloaded server: worth another instance. */
function isFailureStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

function codeOf(error: unknown, response: SubgraphResponse | undefined): string {
  if (error instanceof AtriumError) return error.code;
  return response === undefined ? 'UNKNOWN' : `HTTP_${response.status}`;
}
