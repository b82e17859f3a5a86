import type { Logger } from '../logger.js';
import type { SubgraphTransport } from '../subgraph-client/contracts.js';
import type { Instance } from './instance-pool.js';
import type { HealthCheckSettings } from './traffic-settings.js';

/**
 * Active health checks of one subgraph's instances: every `intervalMs` each instance gets a probe (a POST
 * of `query`); `unhealthyAfter` failed probes in a row take it out of the rotation, `healthyAfter` passed
 * ones put it back. Probes go through the gateway's own transport and pools. The timer is unref'd and
 * `stop()` aborts the probes in flight, so a closing gateway is never held open by health checks.
 *
 * @example
 * const checker = new HealthChecker({ subgraph: 'products', instances, settings, transport, logger, onChange });
 * checker.start();
 * checker.stop();
 */
export class HealthChecker {
  readonly #passes = new Map<Instance, number>();
  readonly #failures = new Map<Instance, number>();
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #probing = false;

  constructor(
    private readonly options: {
      readonly subgraph: string;
      readonly instances: readonly Instance[];
      readonly settings: HealthCheckSettings;
      readonly transport: SubgraphTransport;
      readonly logger: Logger;
      readonly onChange: (instance: Instance) => void;
    },
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.probeAll(), this.options.settings.intervalMs);
    this.#timer.unref();
    void this.probeAll();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#controller.abort(new Error('health checks stopped'));
  }

  /** Probes every instance once (a round still running is not overlapped). */
  async probeAll(): Promise<void> {
    if (this.#probing || this.#controller.signal.aborted) return;
    this.#probing = true;
    try {
      await Promise.all(this.options.instances.map((instance) => this.#probe(instance)));
    } finally {
      this.#probing = false;
    }
  }

  async #probe(instance: Instance): Promise<void> {
    const { subgraph, settings, transport } = this.options;
    let passed: boolean;
    try {
      const response = await transport.send(
        { subgraph, url: instance.url, operationKind: 'query', body: { query: settings.query }, headers: {} },
        AbortSignal.any([this.#controller.signal, AbortSignal.timeout(settings.timeoutMs)]),
      );
      passed = response.status === 200 && response.body.errors === undefined && response.body.data != null;
    } catch {
      passed = false;
    }
    if (this.#controller.signal.aborted) return;
    const passes = passed ? (this.#passes.get(instance) ?? 0) + 1 : 0;
    const failures = passed ? 0 : (this.#failures.get(instance) ?? 0) + 1;
    this.#passes.set(instance, passes);
    this.#failures.set(instance, failures);
    if (instance.healthy && failures >= settings.unhealthyAfter) this.#set(instance, false);
    else if (!instance.healthy && passes >= settings.healthyAfter) this.#set(instance, true);
  }

  #set(instance: Instance, healthy: boolean): void {
    instance.healthy = healthy;
    this.options.logger.warn({ subgraph: this.options.subgraph, instance: instance.id, url: instance.url, healthy }, healthy
      ? 'traffic: instance passed its health checks, back in rotation'
      : 'traffic: instance failed its health checks, out of rotation');
    this.options.onChange(instance);
  }
}
