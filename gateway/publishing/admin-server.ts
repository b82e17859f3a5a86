import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AtriumError, type ErrorCode, statusOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { jsonBodyRefusal, jsonText, readBody } from '../http/read-body.js';
import type { SubgraphCheckReport } from './check-subgraph.js';
import type { PublishOutcome, SchemaRegistry } from './schema-registry.js';
import { closeNow, listen } from '../http/listen.js';
import { nodeHttp } from '../http/node-http.js';
import { readinessBody } from '../http/readiness-body.js';

const BODY_LIMIT_BYTES = 5 * 1024 * 1024;
const SUBGRAPH_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;

export interface AdminServer {
  /** e.g. `http://127.0.0.1:4100` */
  readonly url: string;
  close(): Promise<void>;
}

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly registry: SchemaRegistry;
  /** Called after a version went live in the registry; resolves once this gateway serves it. */
  onPublished(): Promise<{ served: boolean; version?: string; problems?: readonly string[] }>;
  /**
   * The gateway's readiness with every detail (supergraph state, reload counters and last error, subgraph
   * health with failure codes, instances): the client port's `/ready` says only pass/fail and up/down.
   */
  readiness(): { ready: boolean; details: Record<string, unknown> };
  readonly logger: Logger;
}

/**
 * The admin API of schema publishing, on its own listener (so it can stay on a private interface) and
 * behind its own bearer token (compared in constant time; never a client credential of the GraphQL API):
 *
 * | method + path | does |
 * |---|---|
 * | `GET /ready` | `{ status: "pass" \| "fail", supergraph, subgraphs, schema, instances? }`, 200 or 503 |
 * | `GET /subgraphs` | live subgraphs: name, URL, published version or `supergraph.yaml` |
 * | `GET /subgraphs/<name>/versions` | every published version of one subgraph, oldest first |
 * | `POST /subgraphs/<name>/check` | `{ sdl, url, sourceName?, allowBreaking? }` → the check report, nothing stored |
 * | `POST /subgraphs/<name>/versions` | same body → 201 published (and served), or 422 with the report |
 * | `POST /subgraphs/<name>/rollback` | `{ version, allowBreaking? }` → 201 / 422 like a publish |
 *
 * Errors are `application/problem+json` with a `code` from the error table.
 *
 * @example
 * const admin = await startAdminServer({ host: '127.0.0.1', port: 4100, token, registry, onPublished, logger });
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { registry, logger } = options;
  const expected = digest(options.token);

  const server = nodeHttp.createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      if (error instanceof AtriumError) return writeProblem(res, error.code, error.message);
      logger.error({ err: error }, 'admin: request failed');
      writeProblem(res, 'INTERNAL_SERVER_ERROR', 'internal server error');
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer realm="atrium-admin"');
      req.resume();
      return writeProblem(res, 'UNAUTHENTICATED', 'the admin API needs `authorization: Bearer <admin token>`');
    }
    const path = (req.url ?? '/').split('?')[0]!;
    let parts: string[];
    try {
      parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      // A malformed percent-encoding (`%zz`, a lone `%`) is the client's mistake, not a 500.
      return writeProblem(res, 'BAD_REQUEST', 'the path has a malformed percent-encoding');
    }
    const method = req.method ?? 'GET';
    if (parts.length === 1 && parts[0] === 'ready') {
      if (method !== 'GET') return notAllowed(res, 'GET');
      const readiness = options.readiness();
      return writeJson(res, readiness.ready ? 200 : 503, readinessBody(readiness));
    }
    if (parts[0] !== 'subgraphs' || parts.length > 3) return writeProblem(res, 'NOT_FOUND', `no admin route at ${path}`);
    if (parts.length === 1) {
      if (method !== 'GET') return notAllowed(res, 'GET');
      return writeJson(res, 200, await registry.list());
    }
    const name = parts[1]!;
    if (!SUBGRAPH_NAME.test(name)) return writeProblem(res, 'BAD_REQUEST', `"${name}" is not a subgraph name`);
    const action = parts[2];
    if (action === 'versions' && method === 'GET') return writeJson(res, 200, { name, versions: await registry.history(name) });
    if (action !== 'versions' && action !== 'check' && action !== 'rollback') return writeProblem(res, 'NOT_FOUND', `no admin route at ${path}`);
    if (method !== 'POST') return notAllowed(res, action === 'versions' ? 'GET, POST' : 'POST');
    const body = await readJson(req);
    const allowBreaking = body.allowBreaking === true;
    if (action === 'rollback') {
      if (!Number.isInteger(body.version) || (body.version as number) < 1) throw new AtriumError('BAD_REQUEST', '`version` must be a positive integer');
      return answerPublish(res, await registry.rollback({ name, version: body.version as number, allowBreaking }));
    }
    const candidate = { name, ...candidateFields(body), allowBreaking };
    if (action === 'check') {
      const report = await registry.check(candidate);
      return writeJson(res, 200, { ok: report.ok, report: withoutSdl(report) });
    }
    return answerPublish(res, await registry.publish(candidate));
  }

  async function answerPublish(res: ServerResponse, outcome: PublishOutcome): Promise<void> {
    if (outcome.kind === 'refused') {
      return writeJson(res, 422, { status: 'refused', code: 'SCHEMA_CHECK_FAILED', report: withoutSdl(outcome.report) }, 'application/problem+json');
    }
    const served = await options.onPublished();
    const { sdl: _sdl, ...version } = outcome.version;
    writeJson(res, 201, { status: 'published', version, served, report: withoutSdl(outcome.report) });
  }

  function authorized(header: string | undefined): boolean {
    const match = /^Bearer (.+)$/i.exec(header ?? '');
    // Equal-length digests, so the comparison time says nothing about the token.
    return match !== null && timingSafeEqual(digest(match[1]!.trim()), expected);
  }

  const address = await listen(server, options.port, options.host);
  const url = address.url;
  logger.info({ url }, 'admin: listening');
  return { url, close: () => closeNow(server) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const refusal = jsonBodyRefusal(req.headers['content-type']);
  if (refusal) {
    req.resume();
    throw refusal;
  }
  const raw = await readBody(req, BODY_LIMIT_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(jsonText(raw));
  } catch (error) {
    throw new AtriumError('BAD_REQUEST', `malformed JSON body: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AtriumError('BAD_REQUEST', 'the JSON body must be an object');
  return body as Record<string, unknown>;
}

function candidateFields(body: Record<string, unknown>): { sdl: string; url: string; sourceName: string } {
  const { sdl, url, sourceName } = body;
  if (typeof sdl !== 'string' || sdl.trim() === '') throw new AtriumError('BAD_REQUEST', '`sdl` must be the subgraph schema as a non-empty string');
  if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) throw new AtriumError('BAD_REQUEST', '`url` must be the subgraph routing URL (http:// or https://)');
  if (sourceName !== undefined && typeof sourceName !== 'string') throw new AtriumError('BAD_REQUEST', '`sourceName` must be a string');
  return { sdl, url, sourceName: sourceName || 'published.graphql' };
}

function withoutSdl(report: SubgraphCheckReport): Omit<SubgraphCheckReport, 'supergraphSdl'> {
  const { supergraphSdl: _sdl, ...rest } = report;
  return rest;
}

function notAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  writeProblem(res, 'METHOD_NOT_ALLOWED', `use ${allow}`);
}

function writeProblem(res: ServerResponse, code: ErrorCode, detail: string): void {
  const status = statusOf(code);
  writeJson(res, status, { type: 'about:blank', title: code, status, code, detail }, 'application/problem+json');
}

function writeJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType });
  res.end(JSON.stringify(body));
}
