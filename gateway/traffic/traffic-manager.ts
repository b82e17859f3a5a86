import { EventEmitter } from 'node:events';
import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { SubgraphFetchPolicy, SubgraphTransport } from '../subgraph-client/contracts.js';
import type { BreakerState } from './circuit-breaker.js';
import { compileHeaderRules, type ForwardedClientHeaders, forwardedClientHeaders } from './header-rules.js';
import { HealthChecker } from './health-checker.js';
import { Instance, InstanceSet } from './instance-pool.js';
import { type ShadowCounters, ShadowMirror } from './shadow-mirror.js';
import { SubgraphTrafficPolicy } from './subgraph-traffic-policy.js';
import { resolveTrafficSettings } from './traffic-settings.js';

/** One instance as `/ready` and metrics report it (its URL stays in the logs). */
export interface InstanceHealth {
  /** `<version>/<index>` in gateway.yaml order, e.g. `canary/0`. */
  readonly instance: string;
  readonly healthy: boolean;
  readonly breaker: BreakerState | 'none';
  /** Requests in flight to it. */
  readonly outstanding: number;
}

/** Counters of one subgraph since the gateway started (they survive SIGHUP). */
export interface SubgraphTrafficCounters {
  retries: number;
  /** Retries not made because the retry budget was spent. */
  retriesRefused: number;
  /** Fetches failed fast because every instance's breaker was open. */
  failedFast: number;
  /** Times a breaker of this subgraph opened. */
  breakerOpened: number;
  shadow: ShadowCounters;
}

/**
 * Events `TrafficManager.events` emits, for metrics and logs:
 * - `breaker` `{ subgraph, instance, state }` when a breaker changes state;
 * - `health` `{ subgraph, instance, healthy }` when a health check takes an instance out or puts it back;
 * - `retry` `{ subgraph, attempt, code }` for each retry made;
 * - `shadow` `{ subgraph, outcome }` with outcome `mirrored | matched | differed | failed | skipped`.
 */
export type TrafficEventName = 'breaker' | 'health' | 'retry' | 'shadow';

/**
 * Traffic management of all subgraphs: builds each subgraph's {@link SubgraphTrafficPolicy} from
 * gateway.yaml on first use, runs the health checks, keeps counters, and applies a new gateway.yaml live
 * (`reconfigure`, on SIGHUP). Subgraphs with nothing configured get no policy, so their fetches pay one
 * map lookup.
 */
export interface TrafficManager {
  /** The policy for a subgraph's fetches, or `undefined` (the plain path). Hot: a map lookup. */
  policyOf(subgraph: string): SubgraphFetchPolicy | undefined;
  /** `traffic.requestTimeout` in ms (0: none). */
  requestTimeoutMs(): number;
  /** Applies a new gateway.yaml's traffic section; instances keep their breaker state by URL. */
  reconfigure(config: GatewayConfig): void;
  /** Instances of every subgraph that has configured instances or a breaker, for `/ready` details. */
  health(): Record<string, InstanceHealth[]>;
  /** Counters per subgraph (only subgraphs with a policy appear). */
  counters(): Record<string, SubgraphTrafficCounters>;
  readonly events: EventEmitter;
  /** The client headers the current header rules forward to some subgraph (changes with `reconfigure`). */
  forwardedClientHeaders(): ForwardedClientHeaders;
  /** Stops the health checks (their timers and probes in flight). */
  close(): void;
}

/**
 * @example
 * const traffic = createTrafficManager({ config, transport, logger });
 * const client = createSubgraphClient({ transport, timeoutMs, policy: traffic.policyOf, hooks });
 * traffic.events.on('breaker', ({ subgraph, instance, state }) => gauge.set({ subgraph, instance }, state === 'open' ? 1 : 0));
 */
export function createTrafficManager(options: { config: GatewayConfig; transport: SubgraphTransport; logger: Logger }): TrafficManager {
  const { transport, logger } = options;
  const events = new EventEmitter();
  let config = options.config;
  /** Cached per subgraph name; `null` remembers "no policy". */
  let policies = new Map<string, SubgraphTrafficPolicy | null>();
  const instances = new Map<string, Instance>();
  const counters = new Map<string, SubgraphTrafficCounters>();
  let checkers: HealthChecker[] = [];

  const countersOf = (subgraph: string): SubgraphTrafficCounters => {
    let found = counters.get(subgraph);
    if (found === undefined) {
      found = { retries: 0, retriesRefused: 0, failedFast: 0, breakerOpened: 0, shadow: { mirrored: 0, matched: 0, differed: 0, failed: 0, skipped: 0 } };
      counters.set(subgraph, found);
    }
    return found;
  };
  const onBreakerChange = (instance: Instance) => {
    const state = instance.breaker?.state ?? 'closed';
    if (state === 'open') countersOf(instance.subgraph).breakerOpened++;
    logger.warn({ subgraph: instance.subgraph, instance: instance.id, url: instance.url, state }, 'traffic: circuit breaker changed state');
    events.emit('breaker', { subgraph: instance.subgraph, instance: instance.id, state });
  };
  const observer = {
    retried(subgraph: string, attempt: number, code: string) {
      countersOf(subgraph).retries++;
      logger.debug({ subgraph, attempt, code }, 'traffic: retrying a query');
      events.emit('retry', { subgraph, attempt, code });
    },
    retryRefused(subgraph: string) {
      countersOf(subgraph).retriesRefused++;
    },
    failedFast(subgraph: string) {
      countersOf(subgraph).failedFast++;
    },
  };

  function build(subgraph: string): SubgraphTrafficPolicy | null {
    const settings = resolveTrafficSettings(config, subgraph);
    const own = Object.hasOwn(config.traffic.subgraphs, subgraph) ? config.traffic.subgraphs[subgraph] : undefined;
    const headers = compileHeaderRules(config.traffic.all.headers, own?.headers);
    const sets = (settings.versions ?? []).map(
      (version) =>
        new InstanceSet(
          version.name,
          version.weight,
          version.urls.map((url, index) => {
            const key = `${subgraph}\u0000${url}`;
            let instance = instances.get(key);
            if (instance === undefined) {
              instance = new Instance(subgraph, `${version.name}/${index}`, url);
              instances.set(key, instance);
            }
            instance.configureBreaker(settings.breaker, onBreakerChange);
            // Health checks turned off by a reload must not leave an instance out of rotation for good.
            if (settings.healthCheck.intervalMs === 0) instance.healthy = true;
            return instance;
          }),
        ),
    );
    const counts = countersOf(subgraph);
    const shadow =
      settings.shadow.url === undefined || settings.shadow.share === 0
        ? undefined
        : new ShadowMirror(subgraph, settings.shadow, transport, logger, (outcome) => {
            counts.shadow[outcome]++;
            events.emit('shadow', { subgraph, outcome });
          });
    const policy = new SubgraphTrafficPolicy(settings, sets, {
      requestHeaders: headers.request,
      responseHeaders: headers.response,
      shadow,
      observer,
      onBreakerChange,
    });
    if (policy.prepareRequest === undefined && policy.execute === undefined && policy.finishResponse === undefined) return null;
    if (sets.length > 0 && settings.healthCheck.intervalMs > 0) {
      const checker = new HealthChecker({
        subgraph,
        instances: policy.instances,
        settings: settings.healthCheck,
        transport,
        logger,
        onChange: (instance) => events.emit('health', { subgraph, instance: instance.id, healthy: instance.healthy }),
      });
      checkers.push(checker);
      checker.start();
    }
    return policy;
  }

  function policyOf(subgraph: string): SubgraphFetchPolicy | undefined {
    let policy = policies.get(subgraph);
    if (policy === undefined) {
      policy = build(subgraph);
      policies.set(subgraph, policy);
    }
    return policy ?? undefined;
  }

  /** Subgraphs named in gateway.yaml get their policy (and health checks) at once, not at first request. */
  function buildConfigured(): void {
    for (const subgraph of Object.keys(config.traffic.subgraphs)) policyOf(subgraph);
  }

  function stopCheckers(): void {
    for (const checker of checkers) checker.stop();
    checkers = [];
  }

  buildConfigured();
  let forwarded: ForwardedClientHeaders | undefined;
  return {
    policyOf,
    requestTimeoutMs: () => config.traffic.requestTimeout,
    forwardedClientHeaders: () => (forwarded ??= forwardedClientHeaders(config.traffic)),
    reconfigure(next) {
      stopCheckers();
      config = next;
      forwarded = undefined;
      policies = new Map();
      buildConfigured();
      const kept = new Set([...policies.values()].flatMap((policy) => policy?.instances ?? []));
      for (const [key, instance] of instances) if (!kept.has(instance)) instances.delete(key);
    },
    health() {
      const report: Record<string, InstanceHealth[]> = {};
      for (const [subgraph, policy] of policies) {
        const list = policy?.instances ?? [];
        if (list.length === 0) continue;
        report[subgraph] = list.map((instance) => ({
          instance: instance.id,
          healthy: instance.healthy,
          breaker: instance.breaker?.state ?? 'none',
          outstanding: instance.outstanding,
        }));
      }
      return report;
    },
    counters: () => Object.fromEntries(counters),
    events,
    close: stopCheckers,
  };
}
