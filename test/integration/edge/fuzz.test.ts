import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../../gateway/errors.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { type HostileRequest, hostileCorpus } from './hostile-corpus.js';

const SEED = 20_261_123;
const COUNT = 200;
/**
 * The first pass fills the gateway's bounded caches (documents, plans) with the corpus's valid documents,
 * some of them near 1 MB; the second pass sends the same corpus again, so a heap that keeps growing past
 * the first pass's level is a leak. Both bounds are generous.
 */
const FIRST_PASS_GROWTH_LIMIT = 96 * 1024 * 1024;
const SECOND_PASS_GROWTH_LIMIT = 16 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(gateway: DemoGateway): number {
  // The demo subgraphs run in this process and log their requests (near-1 MB strings included): that log
  // is the test's, not the gateway's memory.
  for (const subgraph of Object.values(gateway.subgraphs)) subgraph.requests.length = 0;
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** A well-formed GraphQL response: data and/or errors, every error with a message and a string code. */
function isWellFormed(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isWellFormed);
  if (typeof value !== 'object' || value === null) return false;
  const { data, errors } = value as { data?: unknown; errors?: unknown };
  if (data === undefined && errors === undefined) return false;
  if (errors === undefined) return typeof data === 'object';
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => typeof e?.message === 'string' && typeof e?.extensions?.code === 'string')
  );
}

/**
 * Every error code is one of gateway/errors.ts, and a refusal (no data) carries the status the table gives
 * its code (issue 16, item 11: codes that lie). A batch's items share one status, so only their codes are checked.
 */
function expectCodesAsTabled(body: unknown, status: number, where: string): void {
  const responses = Array.isArray(body) ? body : [body];
  for (const response of responses as { data?: unknown; errors?: { extensions: { code: string } }[] }[]) {
    for (const error of response.errors ?? []) {
      const code = error.extensions.code;
      expect(Object.hasOwn(ERROR_CODES, code), `${where}: unknown code ${code}`).toBe(true);
      if (!Array.isArray(body) && response.data == null) {
        expect(status, `${where}: ${code} is documented with ${ERROR_CODES[code as ErrorCode].status}`).toBe(ERROR_CODES[code as ErrorCode].status);
      }
    }
  }
}

describe('fuzz: a generated corpus of hostile requests against the live gateway', () => {
  let gateway: DemoGateway;

  beforeAll(async () => {
    gateway = await startDemoGateway({ config: { limits: { maxBatchSize: 5 } } });
  });
  afterAll(async () => gateway?.close());

  const send = async (request: HostileRequest) => {
    const response = await fetch(request.method === 'GET' ? `${gateway.url}${request.search ?? ''}` : gateway.url, {
      method: request.method,
      headers: { 'content-type': request.contentType ?? 'application/json', 'apollo-require-preflight': 'true' },
      ...(request.body && { body: request.body }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, text: await response.text() };
  };

  const sendCorpus = async () => {
    const kinds = new Map<string, number>();
    for (const request of hostileCorpus(SEED, COUNT)) {
      const { status, text } = await send(request);
      const where = `${request.kind} -> ${status} ${text.slice(0, 200)}`;
      expect(status, where).toBeLessThan(500);
      let body: unknown;
      expect(() => (body = JSON.parse(text)), where).not.toThrow();
      expect(isWellFormed(body), where).toBe(true);
      expectCodesAsTabled(body, status, where);
      kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1);
    }
    return kinds;
  };

  it(`answers every one of ${COUNT} hostile requests well-formed, keeps serving, and its heap returns near baseline`, { timeout: 240_000 }, async () => {
    for (let i = 0; i < 20; i++) await gateway.post('{ topProducts(first: 2) { name reviews { rating } } }');
    const baseline = heapAfterGc(gateway);

    const kinds = await sendCorpus();
    expect(kinds.size).toBeGreaterThanOrEqual(22);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
    const afterFirst = heapAfterGc(gateway);

    await sendCorpus();
    const afterSecond = heapAfterGc(gateway);

    const health = await fetch(gateway.url.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
    const after = await gateway.post('{ topProducts(first: 2) { name } }');
    expect(after.body.data.topProducts).toHaveLength(2);

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(`fuzz: ${COUNT} requests x 2, ${kinds.size} kinds; heap after GC +${mb(afterFirst - baseline)} MB after pass 1, ${mb(afterSecond - afterFirst)} MB more after pass 2`);
    expect(afterFirst - baseline).toBeLessThan(FIRST_PASS_GROWTH_LIMIT);
    expect(afterSecond - afterFirst).toBeLessThan(SECOND_PASS_GROWTH_LIMIT);
  });
});
