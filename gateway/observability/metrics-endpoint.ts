import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { HttpRoute } from '../http/http-route.js';
import { closeNow, listen } from '../http/listen.js';
import { nodeHttp } from '../http/node-http.js';
import type { WorkerMetricsLink } from './supervised-metrics.js';

/**
 * `GET /metrics` as a plugin route on the gateway's port: the Prometheus text format of `registry`.
 *
 * @example
 * const plugin = { name: 'observability', routes: [metricsRoute('/metrics', registry)] };
 */
export function metricsRoute(path: string, registry: Registry, link?: WorkerMetricsLink): HttpRoute {
  return {
    matches: (candidate) => candidate === path,
    handle: (req, res) => answerMetrics(req, res, registry, link),
  };
}

/** A listening metrics server on a port of its own. */
export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the metrics on their own port (`metrics.port`), so that clients of the gateway's port cannot
 * read them. Any other path answers 404.
 *
 * @example
 * const server = await startMetricsServer({ host: '127.0.0.1', port: 9464, path: '/metrics', registry, logger });
 * await server.close();
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  path: string;
  registry: Registry;
  logger: Logger;
  /** Set in a worker of `atrium serve`: a scrape answers for every worker (see supervised-metrics.ts). */
  link?: WorkerMetricsLink;
}): Promise<MetricsServer> {
  const { path, registry, logger, link } = options;
  const server = nodeHttp.createServer((req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    if ((queryAt === -1 ? url : url.slice(0, queryAt)) !== path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: metrics are served at ${path}`);
      return;
    }
    answerMetrics(req, res, registry, link).catch((error: unknown) => {
      logger.error({ err: error }, 'metrics: could not answer a scrape');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const address = await listen(server, options.port, options.host);
  const url = `${address.url}${path}`;
  logger.info({ url }, 'metrics: listening');
  return { url, close: () => closeNow(server) };
}

async function answerMetrics(req: IncomingMessage, res: ServerResponse, registry: Registry, link: WorkerMetricsLink | undefined): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('use GET');
    return;
  }
  const text = link ? await link.scrape(registry) : await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}
