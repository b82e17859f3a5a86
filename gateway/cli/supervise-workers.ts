import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { isMainThread, parentPort, Worker as Thread } from 'node:worker_threads';
import { serveBundleAllowed } from '../config/serve-environment.js';
import { type MetricsChannel, metricsSupervisor } from '../observability/supervised-metrics.js';

/**
 * V8 flags the gateway's worker processes start with. A gateway holds tens of kilobytes of parsed subgraph
 * JSON per request in flight, all of it short-lived; V8's default young generation (16 MiB semi-spaces) is
 * scavenged so often that garbage collection takes a large share of the CPU under load; 32 MiB semi-spaces
 * raise throughput markedly (BENCHMARKS.md has the measurement). Flags can only be set when a process starts,
 * which is one reason `atrium serve` runs its server in a worker.
 */
export const WORKER_V8_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/**
 * The same young generation for the server thread of a one-worker `atrium serve`, as a worker thread's
 * resource limit: V8 sizes the young generation at three semi-spaces (two for the scavenger, one for
 * large objects), so 96 MiB is `--max-semi-space-size=32`.
 */
export const SERVE_THREAD_YOUNG_GENERATION_MB = 96;

/**
 * How far V8 lets the old generation grow past what the last full collection kept. By default it picks a
 * factor of up to 4x; a gateway's old generation is mostly request data that was still in flight when it
 * was promoted and is garbage soon after, so with the default the heap balloons to several times its live
 * data under load. A fixed 2x keeps the peak far lower for the same throughput (BENCHMARKS.md, "Heap
 * tuning"). V8 reads this flag at every collection, so it can be set at runtime.
 */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent=100';

/** Applies {@link HEAP_GROWTH_FLAG} unless the process was started with its own value of that flag. */
export function tuneHeapGrowth(nodeOptions: string | undefined): void {
  if (!isGiven(HEAP_GROWTH_FLAG, nodeOptions)) setFlagsFromString(HEAP_GROWTH_FLAG);
}

function isGiven(flag: string, nodeOptions: string | undefined): boolean {
  const name = flag.split('=')[0];
  return [...process.execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => arg.split('=')[0] === name);
}

/** Messages a worker sends to its supervisor (the primary over cluster IPC, or the main thread). */
export type WorkerMessage = { readonly type: 'atrium:ready'; readonly url: string };

function isReadyMessage(message: unknown): message is WorkerMessage {
  return (message as WorkerMessage | null)?.type === 'atrium:ready';
}

/** Tells the supervisor (if any) that this worker serves. */
export function reportWorkerReady(url: string): void {
  const ready: WorkerMessage = { type: 'atrium:ready', url };
  if (cluster.isWorker) process.send?.(ready);
  else if (!isMainThread) parentPort?.postMessage(ready);
}

/**
 * This worker's channel to its supervisor: cluster IPC in a `--workers N` worker, the thread's port in the
 * server thread; `undefined` in a process nobody supervises.
 */
export function supervisorChannel(): MetricsChannel | undefined {
  if (cluster.isWorker) {
    return {
      post: (message) => {
        if (process.connected) process.send?.(message);
      },
      listen: (listener) => {
        process.on('message', listener);
        return () => process.off('message', listener);
      },
    };
  }
  if (!isMainThread && parentPort) {
    const port = parentPort;
    return {
      post: (message) => port.postMessage(message),
      listen: (listener) => {
        port.on('message', listener);
        return () => port.off('message', listener);
      },
    };
  }
  return undefined;
}

/** The supervisor's channel to one worker process (answers only: messages arrive through `cluster`). */
function channelToProcess(worker: Worker): MetricsChannel {
  return {
    post: (message) => {
      if (worker.isConnected()) worker.send(message);
    },
    listen: () => () => undefined,
  };
}

/** True when this process is a worker forked by {@link superviseWorkers}. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** True in the server thread {@link serveInThread} starts. */
export function isServeThread(): boolean {
  return !isMainThread;
}

/** Whether the current process already runs with the tuned flags (from the command line or NODE_OPTIONS). */
export function hasWorkerFlags(nodeOptions: string | undefined): boolean {
  return WORKER_V8_FLAGS.every((flag) => isGiven(flag, nodeOptions));
}

/** What a supervisor logs with: a line is a fields object and a message. */
export interface SupervisorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
}

export interface SuperviseOptions {
  readonly workers: number;
  readonly logger: SupervisorLogger;
  /** Source of SIGTERM/SIGINT (`process`). */
  readonly signals: NodeJS.EventEmitter;
  /** The `atrium serve` arguments, for a server thread (worker processes re-run process.argv). */
  readonly args: readonly string[];
}

/**
 * The server thread's entry: the bundle `npm run build` writes into dist/gateway/serve-bundle/
 * (gateway/docs/bundle-serve-thread.ts), a few dozen files that start faster than the ~850 modules they
 * hold (docs/performance.md, "Start-up"); those modules when there is no bundle (a build without it) or
 * `ATRIUM_SERVE_BUNDLE=0` asks for them, e.g. to debug with the modules' own file names.
 */
export function serveThreadEntry(bundleAllowed = serveBundleAllowed()): URL {
  return fromBundle('serve-thread.js', bundleAllowed) ?? new URL('./serve-thread.js', import.meta.url);
}

/**
 * What a `--workers N` process runs: the bundle's copy of the `atrium` CLI, as {@link serveThreadEntry};
 * without it, node:cluster's default, the script this process was started with.
 */
export function workerProcessEntry(bundleAllowed = serveBundleAllowed()): string | undefined {
  const bundle = fromBundle('cli.js', bundleAllowed);
  return bundle && fileURLToPath(bundle);
}

/** The bundle's folder beside dist/gateway/cli/ (gateway/docs/bundle-serve-thread.ts writes it). */
const SERVE_BUNDLE_DIR = 'serve-bundle';

function fromBundle(file: string, bundleAllowed: boolean): URL | undefined {
  const bundle = new URL(`../${SERVE_BUNDLE_DIR}/${file}`, import.meta.url);
  return bundleAllowed && existsSync(bundle) ? bundle : undefined;
}

/** Whether this code was loaded from the bundle ({@link serveThreadEntry}, {@link workerProcessEntry}), for the start-up log. */
export function runsFromServeBundle(): boolean {
  return import.meta.url.includes(`/${SERVE_BUNDLE_DIR}/`);
}

/** What the main thread hands the server thread. */
export interface ServeThreadData {
  readonly args: readonly string[];
  readonly stdoutIsTerminal: boolean;
}

/** A signal the main thread forwards to the server thread. */
export interface ServeThreadMessage {
  readonly type: 'atrium:signal';
  readonly signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP';
}

export function isServeThreadMessage(message: unknown): message is ServeThreadMessage {
  return (message as ServeThreadMessage | null)?.type === 'atrium:signal';
}

/**
 * Runs the server of a one-worker `atrium serve` (without the V8 flags on the command line) in a worker
 * thread of this process whose young generation is sized like a worker process's: the tuned heap without
 * a second process (a Node process costs ~40 MB before it loads anything, and a supervisor that loaded the
 * command line ~80 MB). SIGTERM, SIGINT and SIGHUP are forwarded to the thread, which handles them as a
 * process would; resolves with the thread's exit code. A thread that dies after it served (an uncaught
 * exception in a policy module, running out of heap) is started again in this process, counted in
 * `atrium_worker_restarts_total`, instead of taking the process down; one that fails before it serves
 * ends the process with its code. The thread's `/metrics` goes through this thread (supervised-metrics.ts),
 * which adds the restart count.
 */
export function serveInThread(options: SuperviseOptions): Promise<number> {
  const { args, logger, signals } = options;
  const data: ServeThreadData = { args, stdoutIsTerminal: process.stdout.isTTY === true };
  let thread: Thread;
  let stopping = false;
  const metrics = metricsSupervisor(() => [threadChannel(thread)]);
  const forward = (signal: ServeThreadMessage['signal']) => {
    if (signal !== 'SIGHUP') stopping = true;
    thread.postMessage({ type: 'atrium:signal', signal } satisfies ServeThreadMessage);
  };
  const relayed = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  for (const signal of relayed) signals.on(signal, forward);
  return new Promise<number>((resolve) => {
    const start = () => {
      let served = false;
      thread = new Thread(serveThreadEntry(), {
        workerData: data,
        resourceLimits: { maxYoungGenerationSizeMb: SERVE_THREAD_YOUNG_GENERATION_MB },
      });
      const channel = threadChannel(thread);
      thread.on('message', (message: unknown) => {
        if (isReadyMessage(message)) served = true;
        else metrics.receive(channel, message);
      });
      thread.on('error', (error) => logger.fatal({ err: error }, 'serve: the server thread failed'));
      thread.on('exit', (code) => {
        if (code !== 0 && served && !stopping) {
          metrics.countRestart();
          logger.error({ code }, 'serve: the server thread died, starting a new one');
          start();
          return;
        }
        for (const signal of relayed) signals.off(signal, forward);
        resolve(code);
      });
    };
    start();
  });
}

function threadChannel(thread: Thread): MetricsChannel {
  return {
    post: (message) => thread.postMessage(message),
    listen: (listener) => {
      thread.on('message', listener);
      return () => thread.off('message', listener);
    },
  };
}

/**
 * Runs the primary of `atrium serve --workers N`: forks N workers that each run the whole gateway on the
 * same port (node:cluster shares the listening socket), forwards SIGTERM/SIGINT to them as SIGTERM so each
 * drains its requests (and SIGHUP as SIGHUP, so each reloads gateway.yaml), and resolves with the exit
 * code. A worker that fails before it is ready (bad supergraph, port in use) ends the primary with that
 * worker's code; one that dies later is replaced. A second signal kills the workers at once.
 * With one worker, the server runs in a thread of this process instead ({@link serveInThread}).
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const { workers, logger, signals } = options;
  if (workers === 1) return serveInThread(options);
  const exec = workerProcessEntry();
  cluster.setupPrimary({ ...(exec !== undefined && { exec }), execArgv: [...process.execArgv, ...WORKER_V8_FLAGS] });
  const ready = new WeakSet<Worker>();
  const metrics = metricsSupervisor(() => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && ready.has(w)).map(channelToProcess));
  let stopping = false;
  let readyCount = 0;

  return new Promise<number>((resolve) => {
    let exitCode = 0;
    const finishWhenAllGone = () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        for (const signal of ['SIGTERM', 'SIGINT'] as const) signals.off(signal, onSignal);
        signals.off('SIGHUP', onReload);
        resolve(exitCode);
      }
    };
    const stopAll = (signal: NodeJS.Signals) => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'serve: second signal, killing workers');
        stopAll('SIGKILL');
        return;
      }
      stopping = true;
      logger.info({ signal, workers }, 'serve: shutting down workers');
      stopAll('SIGTERM');
    };
    // Each worker re-reads gateway.yaml itself. Only ready ones: a worker still starting may not listen for
    // SIGHUP yet, and the signal's default action would kill it (and it reads the new file anyway).
    const onReload = () => {
      if (stopping) return;
      logger.info({ workers }, 'serve: SIGHUP, workers reload gateway.yaml');
      for (const worker of Object.values(cluster.workers ?? {})) if (worker && ready.has(worker)) worker.process.kill('SIGHUP');
    };
    const fork = () => {
      const worker = cluster.fork();
      worker.on('message', (message: unknown) => {
        if (!isReadyMessage(message)) {
          metrics.receive(channelToProcess(worker), message);
          return;
        }
        if (ready.has(worker)) return;
        ready.add(worker);
        readyCount++;
        if (readyCount === workers) logger.info({ url: message.url, workers }, 'serve: all workers ready');
      });
    };
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (code !== 0) exitCode = code ?? 1;
        finishWhenAllGone();
        return;
      }
      if (!ready.has(worker)) {
        // It never served: restarting would fail the same way. Stop the others and report its code.
        logger.error({ pid: worker.process.pid, code, signal }, 'serve: a worker failed to start');
        stopping = true;
        exitCode = code ?? 1;
        stopAll('SIGTERM');
        finishWhenAllGone();
        return;
      }
      readyCount--;
      metrics.countRestart();
      logger.error({ pid: worker.process.pid, code, signal }, 'serve: a worker died, starting a new one');
      fork();
    });
    signals.on('SIGTERM', onSignal);
    signals.on('SIGINT', onSignal);
    signals.on('SIGHUP', onReload);
    for (let i = 0; i < workers; i++) fork();
  });
}

/** Closes a worker's IPC channel once its command has finished, so the worker process can exit. */
export function releaseWorkerChannel(): void {
  if (cluster.isWorker && process.connected) process.disconnect();
}
