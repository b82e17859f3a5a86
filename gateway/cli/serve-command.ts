import { existsSync } from 'node:fs';
import { resourceLimits as threadResourceLimits } from 'node:worker_threads';
import { availableParallelism, constants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { nodeOptions } from '../config/node-options.js';
import { type EnvironmentFlag, type ServeEnvironmentFlag, serveFlagsFromEnvironment } from '../config/serve-environment.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { RunningGateway, StartGatewayOptions } from '../start-gateway.js';
import { RestRouteError } from '../rest/rest-route-error.js';
import { SupergraphLoadError } from '../supergraph/supergraph-load-error.js';
import { type CliIo, type Command, parseCommandArgs, UsageError } from './command.js';
import { chooseSupergraph, DEFAULT_SUPERGRAPH_CONFIG } from './choose-supergraph.js';
import { compileCacheState, flushCompileCache } from './compile-cache.js';
import { endOfLifeWarning } from './node-end-of-life.js';
import { printProblems } from './print-problems.js';
import { readCommandConfig } from './read-command-config.js';
import { workerMetricsLink } from '../observability/supervised-metrics.js';
import {
  hasWorkerFlags,
  isClusterWorker,
  isServeThread,
  reportWorkerReady,
  runsFromServeBundle,
  superviseWorkers,
  type SupervisorLogger,
  supervisorChannel,
  tuneHeapGrowth,
} from './supervise-workers.js';

/**
 * `server.port` and `server.host`'s defaults, for the help text alone: the schema that holds them (and zod)
 * is not loaded by a process that only hands the server to a thread (test/unit/cli/serve-command.test.ts
 * checks that they are the schema's).
 */
export const SERVE_USAGE_DEFAULTS = { port: 4000, host: '0.0.0.0' } as const;
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];
/** SIGHUP re-reads gateway.yaml and applies its traffic section live. */
type ServeSignal = ShutdownSignal | 'SIGHUP';

const SERVE_USAGE = `Usage: atrium serve [flags]

Runs the gateway: reads gateway.yaml, loads the supergraph (composing it from a supergraph.yaml when
given one) and serves GraphQL until SIGTERM or SIGINT, then drains in-flight requests for up to
server.shutdownGrace. A second signal exits at once. SIGHUP re-reads the --config file and applies its
traffic section (instances, weights, timeouts, retries, breakers, header rules) without a restart; an
invalid file is logged and the running settings are kept.

Flags:
  --supergraph-config <file>  rover supergraph.yaml to compose at startup
                              (default: ./${DEFAULT_SUPERGRAPH_CONFIG} when neither supergraph flag is given)
  --supergraph <file>         an already composed supergraph SDL file, e.g. from \`atrium compose -o\`
  -c, --config <file>         gateway.yaml with the gateway's settings (default: none, built-in defaults)
  -p, --port <port>           port to listen on, overriding server.port (default ${SERVE_USAGE_DEFAULTS.port}; 0 = any free port)
  --host <address>            address to listen on, overriding server.host (default ${SERVE_USAGE_DEFAULTS.host})
  -w, --workers <n|auto>      serve from n worker processes sharing the port (default 1; auto = one per CPU)
  -h, --help                  show this help

Environment (used when the flag is absent; flags win, and both win over gateway.yaml):
  ATRIUM_SUPERGRAPH_CONFIG, ATRIUM_SUPERGRAPH, ATRIUM_CONFIG, ATRIUM_WORKERS
  ATRIUM_PORT, then PORT            ATRIUM_HOST, then HOST

The server runs with a heap tuned for a gateway: a larger young generation, and the old generation let
grow to 2x its live data between full collections (V8's --heap-growing-percent=100; give your own value
as a node flag to change it). With --workers 1 it runs in a worker thread of this process that has that
young generation; with more, in worker processes started with the V8 flag --max-semi-space-size=32, which
a primary process supervises: it replaces a worker that dies and forwards SIGTERM/SIGINT/SIGHUP. With
--workers 1 and node already started with that flag (in NODE_OPTIONS or as a node argument), the server
runs on this process's main thread.

Examples:
  atrium serve
  atrium serve --supergraph-config supergraph.yaml --config gateway.yaml
  atrium serve --supergraph supergraph.graphql --port 8080 --host 127.0.0.1
  atrium serve --supergraph supergraph.graphql --workers auto

Exit codes: 0 after a clean shutdown, 1 when the supergraph cannot be loaded or the server cannot start,
2 for bad flags, a missing file or an invalid gateway.yaml.
`;

/** What `atrium serve` needs from outside; tests replace them to run the command in process. */
export interface ServeDependencies {
  startGateway(options: StartGatewayOptions): Promise<RunningGateway>;
  /** Source of SIGTERM/SIGINT/SIGHUP (`process`). */
  readonly signals: {
    on(event: ServeSignal, listener: (signal: ServeSignal) => void): unknown;
    off(event: ServeSignal, listener: (signal: ServeSignal) => void): unknown;
  };
  /** Ends the process at once; used when a second signal arrives during shutdown. */
  exit(code: number): void;
  /**
   * Whether this process should hand the server to a worker thread (one worker) or to worker processes
   * (`--workers N`) rather than serve on its main thread (see supervise-workers.ts). Tests return false
   * to run the server in process.
   */
  shouldSupervise(workers: number): boolean;
  superviseWorkers: typeof superviseWorkers;
  /** The running Node's version (`process.version`) and today's date, for the end-of-life warning. */
  readonly runtime: { readonly nodeVersion: string; now(): Date };
  /** The flags the environment sets (`PORT`, `ATRIUM_CONFIG`, ...; gateway/config/serve-environment.ts). */
  environment(): Partial<Record<ServeEnvironmentFlag, EnvironmentFlag>>;
}

const OPTIONS = {
  'supergraph-config': { type: 'string' },
  supergraph: { type: 'string' },
  config: { type: 'string', short: 'c' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  workers: { type: 'string', short: 'w' },
} as const;

/**
 * Builds `atrium serve`. The binary uses {@link serveCommand}; tests pass fake dependencies.
 *
 * @example
 * const command = createServeCommand({ startGateway: fakeStart, signals: new EventEmitter(), exit: () => {} });
 * await command.run(['--supergraph', 'supergraph.graphql'], io);
 */
export function createServeCommand(overrides: Partial<ServeDependencies> = {}): Command {
  const deps: ServeDependencies = {
    // Loaded on demand so `atrium --help` and `atrium compose` do not load the server stack.
    startGateway: async (options) => (await import('../start-gateway.js')).startGateway(options),
    signals: process,
    exit: (code) => process.exit(code),
    shouldSupervise: (workers) => !isClusterWorker() && !isServeThread() && (workers > 1 || !hasWorkerFlags(nodeOptions())),
    superviseWorkers,
    runtime: { nodeVersion: process.version, now: () => new Date() },
    environment: () => serveFlagsFromEnvironment(),
    ...overrides,
  };
  return {
    name: 'serve',
    summary: 'Run the gateway',
    usage: SERVE_USAGE,
    run: (args, io) => serve(args, io, deps),
  };
}

/** `atrium serve`: load config and supergraph, serve until SIGTERM/SIGINT, drain, exit 0. */
export const serveCommand: Command = createServeCommand();

async function serve(args: readonly string[], io: CliIo, deps: ServeDependencies): Promise<number> {
  const { values, names } = withEnvironment(parseCommandArgs(args, OPTIONS).values, deps.environment());
  if (values.config !== undefined && !existsSync(values.config)) throw new UsageError(`config file not found: ${values.config}`);
  const server = serverOverrides(values, names);
  const workers = parseWorkers(values.workers, names.workers);
  if (workers === 1 && deps.shouldSupervise(workers)) {
    // The flags' own mistakes are reported here (registry: true defers "no supergraph at all" to the thread,
    // which knows whether gateway.yaml configures a registry). The server thread reads gateway.yaml and the supergraph flags itself, and reports what is wrong (its
    // exit code is this process's): this thread loads neither the config schema nor the logger unless it
    // has something to log, which halves the work of a start on one core (docs/performance.md, "Start-up").
    chooseSupergraph(values, { registry: true });
    return deps.superviseWorkers({ workers, logger: lazyLogger(() => serveLogger(values.config, io)), signals: deps.signals as NodeJS.EventEmitter, args });
  }

  const configLoader = await import('../config/load-config.js');
  const loaded = await readCommandConfig(io, values.config);
  if (!loaded) return 2;
  const config: GatewayConfig = Object.freeze({ ...loaded, server: Object.freeze({ ...loaded.server, ...server }) });
  const supergraph = chooseSupergraph(values, { registry: config.registry !== undefined });
  const logger = await loggerFor(config, io);
  // Once per process tree: in the process the operator started or its server thread, not in --workers workers.
  const endOfLife = isClusterWorker() ? undefined : endOfLifeWarning(deps.runtime.nodeVersion, deps.runtime.now());
  if (endOfLife) logger.warn({ node: deps.runtime.nodeVersion }, `serve: ${endOfLife}`);
  if (deps.shouldSupervise(workers)) {
    // The workers re-run this command with the same arguments (node:cluster forks process.argv).
    return deps.superviseWorkers({ workers, logger, signals: deps.signals as NodeJS.EventEmitter, args });
  }

  tuneHeapGrowth(nodeOptions());
  const entry = runsFromServeBundle() ? 'bundle' : 'modules';
  if (isServeThread()) logger.info({ resourceLimits: threadResourceLimits, entry }, 'serve: the server runs in a worker thread');
  else if (isClusterWorker()) logger.info({ pid: process.pid, entry }, 'serve: the server runs in a worker process');
  const compileCache = compileCacheState();
  if (compileCache.enabled) logger.info({ directory: compileCache.directory }, 'serve: module compile cache on');
  else logger.info({ reason: compileCache.reason }, 'serve: module compile cache off');
  // Listen before starting, so a signal during a slow supergraph load still shuts down cleanly.
  const shutdown = listenForShutdown(deps);
  // Under a supervisor (a --workers process, or the server thread), /metrics answers for every worker.
  const channel = supervisorChannel();
  const metricsLink = channel && workerMetricsLink(channel);
  let gateway: RunningGateway | undefined;
  const onReload = () => {
    if (gateway === undefined) logger.warn('serve: SIGHUP while starting, ignored');
    else reloadConfig({ path: values.config, server, gateway, logger, configLoader });
  };
  deps.signals.on('SIGHUP', onReload);
  // A signal while the supergraph loads (retrying subgraphs that do not answer yet) ends the start.
  const starting = new AbortController();
  void shutdown.requested.then(() => starting.abort());
  try {
    gateway = await deps.startGateway({
      signal: starting.signal,
      config,
      supergraph,
      logger,
      listenWhenReady: isClusterWorker(),
      ...(metricsLink && { metricsLink }),
      configDir: values.config === undefined ? process.cwd() : dirname(resolve(values.config)),
    });
  } catch (error) {
    shutdown.dispose();
    metricsLink?.close();
    deps.signals.off('SIGHUP', onReload);
    if (starting.signal.aborted) {
      logger.info('serve: stopped before the supergraph was loaded');
      return 0;
    }
    if (error instanceof SupergraphLoadError) {
      printProblems(io, error.problems, 'could not load the supergraph');
    } else if (error instanceof RestRouteError) {
      printProblems(io, error.problems, 'could not start the gateway: invalid REST routes');
    } else {
      io.stderr.write(`atrium: could not start the gateway: ${(error as Error).message}\n`);
    }
    return 1;
  }
  reportWorkerReady(gateway.url);
  // Now, not at exit: the modules of a start are loaded by now, and a process may end without exiting.
  flushCompileCache();
  const signal = await shutdown.requested;
  logger.info({ signal }, 'serve: shutting down, a second signal exits at once');
  try {
    await gateway.close();
  } finally {
    shutdown.dispose();
    metricsLink?.close();
    deps.signals.off('SIGHUP', onReload);
  }
  logger.info('serve: stopped');
  return 0;
}

/**
 * SIGHUP: re-reads gateway.yaml (with the same --port/--host overrides) and hands it to the running
 * gateway, which applies the traffic section. An unreadable or invalid file changes nothing.
 */
function reloadConfig(options: {
  path: string | undefined;
  server: { port?: number; host?: string };
  gateway: RunningGateway;
  logger: Logger;
  configLoader: typeof import('../config/load-config.js');
}): void {
  const { path, server, gateway, logger } = options;
  const { ConfigError, loadConfig } = options.configLoader;
  if (path === undefined) {
    logger.warn('serve: SIGHUP, but the gateway was started without --config: nothing to reload');
    return;
  }
  let next: GatewayConfig;
  try {
    next = loadConfig(path);
  } catch (error) {
    const issues = error instanceof ConfigError ? error.issues : [(error as Error).message];
    logger.error({ issues }, 'serve: SIGHUP: gateway.yaml is invalid, keeping the running settings');
    return;
  }
  const needRestart = gateway.reloadConfig(Object.freeze({ ...next, server: Object.freeze({ ...next.server, ...server }) }));
  logger.info({ config: path, needRestart }, 'serve: SIGHUP: gateway.yaml reloaded, traffic settings applied');
}

/**
 * The logger gateway.yaml's `log` section asks for, writing to `io.stdout`; when that is this process's
 * stdout (a `--workers N` process, or the server on the main thread), to fd 1 a few lines at a time, as the
 * server thread does (buffered-stdout.ts).
 */
async function loggerFor(config: GatewayConfig, io: CliIo): Promise<Logger> {
  const { createLogger } = await import('../logger.js');
  const destination = io.stdout === process.stdout ? (await import('./buffered-stdout.js')).bufferedStdout(process.stdout.isTTY === true) : io.stdout;
  return createLogger({ level: config.log.level, format: config.log.format, redact: config.log.redact, destination });
}

/**
 * The supervising thread's logger, made when it first logs: from gateway.yaml as it is then, or with the
 * defaults when it cannot be read (the server thread has reported why).
 */
async function serveLogger(path: string | undefined, io: CliIo): Promise<Logger> {
  const { gatewayConfigSchema } = await import('../config/schema.js');
  const { loadConfig } = await import('../config/load-config.js');
  let config: GatewayConfig;
  try {
    config = loadConfig(path);
  } catch {
    config = gatewayConfigSchema.parse({});
  }
  return loggerFor(config, io);
}

/** The log methods a supervisor uses, each loading the logger on its first call (the lines keep their order). */
function lazyLogger(load: () => Promise<Logger>): SupervisorLogger {
  let logger: Promise<Logger> | undefined;
  const method =
    (level: keyof SupervisorLogger) =>
    (fields: object, message: string): void => {
      logger ??= load();
      void logger.then((loaded) => loaded[level](fields, message));
    };
  return { info: method('info'), warn: method('warn'), error: method('error'), fatal: method('fatal') };
}

type ServeFlags = Partial<Record<ServeEnvironmentFlag, string>>;

/**
 * The flags, with the environment's values for those absent, and for each flag the name to put in an error
 * (`--port`, or `PORT` when the value came from there). The two supergraph flags go together: either one on
 * the command line hides both variables, so a flag never collides with a variable.
 */
function withEnvironment(
  flags: ServeFlags,
  environment: Partial<Record<ServeEnvironmentFlag, EnvironmentFlag>>,
): { values: ServeFlags; names: Record<ServeEnvironmentFlag, string> } {
  const values: ServeFlags = { ...flags };
  const names = { 'supergraph-config': '--supergraph-config', supergraph: '--supergraph', config: '--config', port: '--port', host: '--host', workers: '--workers' };
  const supergraphFlagGiven = flags['supergraph-config'] !== undefined || flags.supergraph !== undefined;
  for (const [flag, fromEnvironment] of Object.entries(environment) as [ServeEnvironmentFlag, EnvironmentFlag][]) {
    if (flags[flag] !== undefined || (supergraphFlagGiven && (flag === 'supergraph' || flag === 'supergraph-config'))) continue;
    values[flag] = fromEnvironment.value;
    names[flag] = fromEnvironment.variable;
  }
  if (!supergraphFlagGiven && values['supergraph-config'] !== undefined && values.supergraph !== undefined) {
    throw new UsageError(`set either ${names['supergraph-config']} or ${names.supergraph}, not both`);
  }
  return { values, names };
}

function parseWorkers(value: string | undefined, name: string): number {
  if (value === undefined) return 1;
  if (value === 'auto') return availableParallelism();
  const workers = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(workers >= 1 && workers <= 256)) {
    throw new UsageError(`${name} expects a number from 1 to 256 or "auto", got "${value}"`, { hint: true });
  }
  return workers;
}

function serverOverrides(values: ServeFlags, names: Record<ServeEnvironmentFlag, string>): { port?: number; host?: string } {
  const overrides: { port?: number; host?: string } = {};
  if (values.port !== undefined) {
    const port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN;
    if (!(port <= 65_535)) throw new UsageError(`${names.port} expects a number from 0 to 65535, got "${values.port}"`, { hint: true });
    overrides.port = port;
  }
  if (values.host !== undefined) {
    if (values.host.trim() === '') throw new UsageError(`${names.host} expects a host name or address`, { hint: true });
    overrides.host = values.host;
  }
  return overrides;
}

/** Resolves on the first SIGTERM/SIGINT; a second one exits at once with 128 + the signal number. */
function listenForShutdown(deps: ServeDependencies): { requested: Promise<ShutdownSignal>; dispose(): void } {
  let first: ShutdownSignal | undefined;
  let resolve!: (signal: ShutdownSignal) => void;
  const requested = new Promise<ShutdownSignal>((done) => {
    resolve = done;
  });
  const listener = (received: ServeSignal) => {
    const signal = received as ShutdownSignal;
    if (first === undefined) {
      first = signal;
      resolve(signal);
    } else {
      deps.exit(128 + constants.signals[signal]);
    }
  };
  // A worker ignores SIGINT: Ctrl-C reaches the whole process group, and the primary forwards it as
  // SIGTERM; counting both would turn one Ctrl-C into an immediate exit instead of a drain.
  const signals = isClusterWorker() ? SHUTDOWN_SIGNALS.filter((s) => s !== 'SIGINT') : SHUTDOWN_SIGNALS;
  const ignoreInterrupt = () => {};
  if (isClusterWorker()) deps.signals.on('SIGINT', ignoreInterrupt);
  for (const signal of signals) deps.signals.on(signal, listener);
  return {
    requested,
    dispose: () => {
      for (const signal of signals) deps.signals.off(signal, listener);
      deps.signals.off('SIGINT', ignoreInterrupt);
    },
  };
}
