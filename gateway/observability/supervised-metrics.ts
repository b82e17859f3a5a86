import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

/**
 * `/metrics` across the workers of one `atrium serve`. Every worker (a process of `--workers N`, or the
 * server thread of a one-worker serve) keeps its own registry, and a scrape reaches whichever worker the
 * connection landed on. So the worker that gets the scrape asks its supervisor (the primary process, or
 * the main thread), which collects every worker's metrics as JSON, adds its own (worker restarts), sums
 * them with prom-client's aggregation, and hands the text back: every scrape sees the whole server.
 *
 *   worker A ──scrape──▶ supervisor ──collect──▶ workers A, B, …
 *   worker A ◀──text─── supervisor ◀──part──── workers A, B, …
 */

/** One end of a message channel: process IPC (`process.send`, `worker.send`) or a worker thread's port. */
export interface MetricsChannel {
  post(message: SupervisedMetricsMessage): void;
  /** Adds a listener; returns its removal. */
  listen(listener: (message: unknown) => void): () => void;
}

export type SupervisedMetricsMessage =
  | { readonly type: 'atrium:metrics-scrape'; readonly id: number }
  | { readonly type: 'atrium:metrics-collect'; readonly id: number }
  | { readonly type: 'atrium:metrics-part'; readonly id: number; readonly metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { readonly type: 'atrium:metrics-text'; readonly id: number; readonly text: string };

const PREFIX = 'atrium:metrics-';
/** How long the supervisor waits for each worker's part; a worker that is stuck is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 3000;
/** How long a worker waits for the supervisor's answer before it answers with its own metrics alone. */
const SCRAPE_TIMEOUT_MS = 5000;

function isMetricsMessage(message: unknown): message is SupervisedMetricsMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith(PREFIX);
}

/** The worker's side: answers the supervisor's collects and asks it for the aggregate on a scrape. */
export interface WorkerMetricsLink {
  /** The registry this worker reports (the running gateway's; set when its observability starts). */
  provide(registry: Registry): void;
  /** The Prometheus text of every worker, or of `registry` alone when the supervisor does not answer in time. */
  scrape(registry: Registry): Promise<string>;
  /** Stops listening (the gateway closed). */
  close(): void;
}

/**
 * The link of a serving worker to its supervisor over `channel`.
 *
 * @example
 * const link = workerMetricsLink(processChannel());
 * await startGateway({ ...options, metricsLink: link });
 */
export function workerMetricsLink(channel: MetricsChannel): WorkerMetricsLink {
  let provided: Registry | undefined;
  let nextId = 0;
  const waiting = new Map<number, (text: string) => void>();
  const stop = channel.listen((message) => {
    if (!isMetricsMessage(message)) return;
    if (message.type === 'atrium:metrics-collect') {
      const { id } = message;
      void (provided?.getMetricsAsJSON() ?? Promise.resolve([])).then((metrics) =>
        channel.post({ type: 'atrium:metrics-part', id, metrics: metrics as MetricObjectWithValues<MetricValue<string>>[] }),
      );
    } else if (message.type === 'atrium:metrics-text') {
      waiting.get(message.id)?.(message.text);
    }
  });
  return {
    provide(registry) {
      provided = registry;
    },
    async scrape(registry) {
      const id = nextId++;
      const text = await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        channel.post({ type: 'atrium:metrics-scrape', id });
      });
      waiting.delete(id);
      return text ?? registry.metrics();
    },
    close: stop,
  };
}

/** The supervisor's side: aggregates on every worker's scrape; counts worker restarts. */
export interface MetricsSupervisor {
  /** Handles a message from a worker; `from` is where the answer goes. */
  receive(from: MetricsChannel, message: unknown): void;
  /** Counts one restart of a worker that died (`atrium_worker_restarts_total`). */
  countRestart(): void;
}

/**
 * The supervisor of `members()` (the live workers' channels).
 *
 * @example
 * const supervisor = metricsSupervisor(() => workers.map(channelOf));
 * cluster.on('message', (worker, message) => supervisor.receive(channelOf(worker), message));
 */
export function metricsSupervisor(members: () => readonly MetricsChannel[]): MetricsSupervisor {
  let restarts = 0;
  let nextId = 0;
  const collecting = new Map<number, (metrics: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  const collect = async (): Promise<MetricObjectWithValues<MetricValue<string>>[][]> => {
    const workers = members();
    const parts: MetricObjectWithValues<MetricValue<string>>[][] = [];
    const id = nextId++;
    await new Promise<void>((resolve) => {
      if (workers.length === 0) return resolve();
      const timer = setTimeout(resolve, COLLECT_TIMEOUT_MS);
      collecting.set(id, (metrics) => {
        parts.push(metrics);
        if (parts.length === workers.length) {
          clearTimeout(timer);
          resolve();
        }
      });
      for (const worker of workers) worker.post({ type: 'atrium:metrics-collect', id });
    });
    collecting.delete(id);
    return parts;
  };
  return {
    receive(from, message) {
      if (!isMetricsMessage(message)) return;
      if (message.type === 'atrium:metrics-part') {
        collecting.get(message.id)?.(message.metrics);
      } else if (message.type === 'atrium:metrics-scrape') {
        const { id } = message;
        void (async () => {
          const parts = await collect();
          parts.push(await ownMetrics(restarts));
          const { AggregatorRegistry } = await import('prom-client');
          const text = await AggregatorRegistry.aggregate(parts).metrics();
          from.post({ type: 'atrium:metrics-text', id, text });
        })();
      }
    },
    countRestart() {
      restarts++;
    },
  };
}

/**
 * The supervisor's own metrics, built when scraped: prom-client is loaded by the first scrape, not by the
 * supervisor's start, which it would slow down (the supervisor loads nothing else of the gateway).
 */
async function ownMetrics(restarts: number): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
  const { Counter, Registry } = await import('prom-client');
  const own = new Registry();
  new Counter({
    name: 'atrium_worker_restarts_total',
    help: 'Workers (processes of --workers N, or the server thread) that died while serving and were started again.',
    registers: [own],
  }).inc(restarts);
  return (await own.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
}
