import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../../gateway/errors.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { type FaultSubgraph, startFaultSubgraph } from '../../helpers/fault-subgraph.js';
import { hashApiKey } from '../../../gateway/plugins/auth/api-keys.js';
import { type HostileRequest, hostileCorpus } from './hostile-corpus.js';

const SEED = 20_261_123;
const API_KEY = 'fuzz-api-key-0123456789';
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

/** Credentials are checked only when some are configured: one API key and one JWT issuer. */
const AUTH = {
  jwt: { issuers: { internal: { issuer: 'internal', secret: 'a-shared-secret-of-at-least-32-characters!' } } },
  apiKeys: { keys: { fuzz: { hash: hashApiKey(API_KEY) } } },
};

describe('fuzz: a generated corpus of hostile requests against the live gateway', () => {
  let gateway: DemoGateway;
  let firehose: FaultSubgraph;

  beforeAll(async () => {
    firehose = await startFaultSubgraph('endless-body');
    gateway = await startDemoGateway({
      config: {
        limits: { maxBatchSize: 5 },
        auth: AUTH,
        traffic: { subgraphs: { inventory: { url: firehose.url, maxResponseSize: '256kb' } } },
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await firehose?.close();
  });

  const send = async (request: HostileRequest) => {
    const response = await fetch(request.method === 'GET' ? `${gateway.url}${request.search ?? ''}` : gateway.url, {
      method: request.method,
      headers: { 'content-type': request.contentType ?? 'application/json', 'apollo-require-preflight': 'true', ...request.headers },
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
    expect(kinds.size).toBeGreaterThanOrEqual(24);
    expect(kinds.get('guessed credential')).toBeGreaterThan(0);
    expect(kinds.get('oversized subgraph answer')).toBeGreaterThan(0);
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

describe('fuzz: the throttles and the subgraph size cap, case by case (issue 16, items 5 and 6)', () => {
  let gateway: DemoGateway;
  let firehose: FaultSubgraph;
  const QUERY = JSON.stringify({ query: '{ topProducts(first: 1) { upc } }' });
  const batch = (n: number) => JSON.stringify(Array.from({ length: n }, () => JSON.parse(QUERY)));

  beforeAll(async () => {
    firehose = await startFaultSubgraph('endless-body');
    gateway = await startDemoGateway({
      config: {
        limits: { maxBatchSize: 10 },
        auth: AUTH,
        rateLimit: { anonymous: { max: 6, window: '1m' }, failedAuth: { max: 2, window: '1m' } },
        // Each case is its own client address, through the trusted loopback proxy.
        clients: { trustedProxies: ['127.0.0.1'] },
        traffic: { subgraphs: { inventory: { url: firehose.url, maxResponseSize: '256kb' } } },
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await firehose?.close();
  });

  interface Step {
    readonly body: string;
    readonly contentType?: string;
    readonly headers?: Record<string, string>;
    readonly status: number;
    /** The codes of the answer's errors, in order; [] for none. */
    readonly codes: readonly string[];
  }
  const malformed = (body: string, contentType = 'application/json'): Step => ({ body, contentType, status: 400, codes: ['BAD_REQUEST'] });
  const cases: Record<string, Step[]> = {
    'a batch counts its operations': [
      { body: batch(4), status: 200, codes: [] },
      { body: batch(3), status: 429, codes: ['RATE_LIMITED'] },
      { body: batch(2), status: 200, codes: [] },
    ],
    'a batch larger than the whole allowance': [{ body: batch(7), status: 429, codes: ['RATE_LIMITED'] }],
    'malformed bodies spend the anonymous allowance': [
      malformed('{"query": '),
      malformed('"a string"'),
      malformed('{"query":"{ __typename }"}', 'text/plain'),
      malformed(''),
      malformed('\u0000\u0001'),
      malformed('[1,'),
      { body: '{ broken', status: 429, codes: ['RATE_LIMITED'] },
      { body: QUERY, status: 429, codes: ['RATE_LIMITED'] },
    ],
    'guessed credentials lock the address out, the right one included': [
      { body: QUERY, headers: { 'x-api-key': 'guess-1' }, status: 401, codes: ['UNAUTHENTICATED'] },
      { body: QUERY, headers: { authorization: 'Bearer a.b.c' }, status: 401, codes: ['UNAUTHENTICATED'] },
      { body: QUERY, headers: { 'x-api-key': 'guess-3' }, status: 429, codes: ['AUTH_RATE_LIMITED'] },
      { body: QUERY, headers: { 'x-api-key': API_KEY }, status: 429, codes: ['AUTH_RATE_LIMITED'] },
      { body: QUERY, status: 200, codes: [] },
    ],
    'an endless subgraph answer is cut at maxResponseSize, the rest answered': [
      { body: JSON.stringify({ query: '{ product(upc: "1001") { name inStock } }' }), status: 200, codes: ['SUBGRAPH_RESPONSE_TOO_LARGE'] },
      { body: JSON.stringify({ query: '{ warehouse(code: "w1", country: US) { code } topProducts(first: 1) { upc } }' }), status: 200, codes: ['SUBGRAPH_RESPONSE_TOO_LARGE'] },
    ],
  };

  it.each(Object.entries(cases).map(([name, steps], index) => [name, steps, `192.0.2.${index + 1}`] as const))(
    '%s: every answer has its status and codes, and the gateway keeps serving',
    async (name, steps, address) => {
      for (const [index, step] of steps.entries()) {
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': step.contentType ?? 'application/json', 'x-forwarded-for': address, ...step.headers },
          body: step.body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        const where = `${name}, step ${index + 1} -> ${response.status} ${text.slice(0, 300)}`;
        const body = JSON.parse(text) as { errors?: { extensions: { code: string } }[] } | { errors?: { extensions: { code: string } }[] }[];
        expect(response.status, where).toBe(step.status);
        expect(isWellFormed(body), where).toBe(true);
        expectCodesAsTabled(body, response.status, where);
        const codes = (Array.isArray(body) ? body : [body]).flatMap((item) => (item.errors ?? []).map((error) => error.extensions.code));
        expect(codes, where).toEqual(step.codes);
        if (response.status === 429) expect(Number(response.headers.get('retry-after')), where).toBeGreaterThan(0);
      }
      expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
      const after = await gateway.post('{ topProducts(first: 1) { name } }');
      expect(after.body.data.topProducts).toHaveLength(1);
    },
  );

  it('keeps its heap bounded while many endless subgraph answers are cut at once', { timeout: 60_000 }, async () => {
    // Distinct variables, so no two fetches share one request (traffic.*.dedupe); distinct addresses, so
    // the anonymous allowance is not what answers.
    const query = { query: 'query ($code: String!) { warehouse(code: $code, country: US) { code } }' };
    const round = (n: number) =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          gateway.send({ ...query, variables: { code: `w${n}-${i}` } }, { 'x-forwarded-for': `198.18.${n}.${i}` }).then((result) => result.body.errors[0].extensions.code),
        ),
      );
    expect(await round(0)).toEqual(Array(8).fill('SUBGRAPH_RESPONSE_TOO_LARGE'));
    const baseline = heapAfterGc(gateway);
    for (let n = 1; n <= 5; n += 1) expect(await round(n)).toEqual(Array(8).fill('SUBGRAPH_RESPONSE_TOO_LARGE'));
    expect(firehose.requests).toBeGreaterThanOrEqual(48);
    // 40 answers of which each was cut at 256 KiB: a gateway that kept any of them would grow by ~10 MB.
    expect(heapAfterGc(gateway) - baseline).toBeLessThan(8 * 1024 * 1024);
    expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
  });
});
