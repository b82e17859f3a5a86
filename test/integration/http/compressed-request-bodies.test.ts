import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoGateway, startDemoGateway } from '../../helpers/demo-gateway.js';

// Request bodies with a content-encoding, through the real server: decoded, bounded by server.bodyLimit
// after decoding (a zip bomb gets 413 without being inflated), and unknown encodings refused with 415.

const QUERY = JSON.stringify({ query: '{ topProducts(first: 1) { name } }' });
const DATA = { data: { topProducts: [{ name: 'Noise-Cancelling Headphones' }] } };
const LIMIT = 64 * 1024;

let gateway: DemoGateway;

beforeAll(async () => {
  gateway = await startDemoGateway({ config: { server: { bodyLimit: '64kb' } } });
});

afterAll(async () => {
  await gateway?.close();
});

async function postEncoded(body: Uint8Array, encoding: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body,
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('content-encoding on request bodies', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('decodes a %s body and runs the operation', async (encoding, compress) => {
    const result = await postEncoded(compress(Buffer.from(QUERY)), encoding);
    expect(result.status).toBe(200);
    expect(result.body).toEqual(DATA);
  });

  it('answers a zip bomb with 413 PAYLOAD_TOO_LARGE, inflating no more than the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, ' '));
    expect(bomb.length).toBeLessThan(LIMIT);
    const result = await postEncoded(bomb, 'gzip');
    expect(result.status).toBe(413);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 'server.bodyLimit', max: LIMIT });
    // Inflating stopped just past the limit, not at 50 MiB.
    expect(result.body.errors[0].extensions.actual).toBeGreaterThan(LIMIT);
    expect(result.body.errors[0].extensions.actual).toBeLessThan(LIMIT + 1024 * 1024);
    expect(result.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await gateway.post('{ topProducts(first: 1) { name } }')).body).toEqual(DATA);
  });

  it('answers an encoding it does not decode with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const result = await postEncoded(Buffer.from(QUERY), 'compress');
    expect(result.status).toBe(415);
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(result.body.errors[0].message).toBe('content-encoding "compress" is not supported; send gzip, deflate, br or none');
    expect((await postEncoded(Buffer.from(QUERY), 'gzip, br')).status).toBe(415);
  });

  it('answers a body that does not decode with 400 BAD_REQUEST', async () => {
    const result = await postEncoded(Buffer.from(QUERY), 'gzip');
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(result.body.errors[0].message).toMatch(/^the request body is not valid gzip/);
  });

  it('still reads an identity body as it is', async () => {
    expect((await postEncoded(Buffer.from(QUERY), 'identity')).body).toEqual(DATA);
  });
});
