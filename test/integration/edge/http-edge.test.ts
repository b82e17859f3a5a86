import { createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

const ALLOWED = 'https://app.example.com';

describe('CORS, security headers, introspection by scope', () => {
  let gateway: DemoGateway;
  const hash = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

  beforeAll(async () => {
    gateway = await startDemoGateway({
      config: {
        // Principals from the auth plugin: an API key with the scope `read`, one with `read admin`.
        auth: {
          apiKeys: {
            keys: {
              reader: { hash: hash('reader-key-0123456789'), scopes: ['read'] },
              operator: { hash: hash('admin-key-0123456789'), scopes: ['read', 'admin'] },
            },
          },
        },
        cors: { origins: [ALLOWED, 'https://*.partner.example'], credentials: true },
        security: { headers: { 'x-frame-options': false, 'permissions-policy': 'camera=()' }, introspectionScope: 'admin' },
      },
    });
  });
  afterAll(async () => gateway?.close());

  const preflight = (origin: string) =>
    fetch(gateway.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('answers a preflight from a listed origin and from a wildcard subdomain', async () => {
    for (const origin of [ALLOWED, 'https://eu.api.partner.example']) {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
      expect(response.headers.get('access-control-allow-headers')).toContain('content-type');
      expect(response.headers.get('access-control-max-age')).toBe('600');
      expect(response.headers.get('vary')).toContain('origin');
    }
  });

  it('refuses a preflight from an unlisted origin with 403 CORS_ORIGIN_NOT_ALLOWED', async () => {
    for (const origin of ['https://evil.example', 'https://partner.example', 'https://evilpartner.example']) {
      const response = await preflight(origin);
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(((await response.json()) as any).errors[0].extensions.code).toBe('CORS_ORIGIN_NOT_ALLOWED');
    }
  });

  it('exposes the request id, cache and rate-limit headers to an allowed origin; nothing to others', async () => {
    const allowed = await gateway.post('{ __typename }', {}, { origin: ALLOWED });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const exposed = allowed.headers.get('access-control-expose-headers')!.split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-ratelimit-remaining', 'ratelimit', 'ratelimit-policy', 'retry-after', 'etag', 'x-graphql-errors']));
    const other = await gateway.post('{ __typename }', {}, { origin: 'https://evil.example' });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps CSRF prevention on: a simple cross-site GET without a preflight header is refused', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: ALLOWED } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].message).toMatch(/Cross-Site Request Forgery/);
  });

  it('sends the security headers on every response, with the configured changes', async () => {
    for (const response of [await fetch(gateway.url.replace('/graphql', '/health')), await fetch(gateway.url.replace('/graphql', '/nope'))]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('permissions-policy')).toBe('camera=()');
      expect(response.headers.get('x-frame-options')).toBeNull();
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('allows introspection only to principals holding security.introspectionScope', async () => {
    const query = '{ __schema { queryType { name } } }';
    const anonymous = await gateway.post(query);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.errors[0]).toMatchObject({
      message: 'introspection needs the scope "admin" (security.introspectionScope)',
      extensions: { code: 'INTROSPECTION_NOT_ALLOWED' },
    });
    const reader = await gateway.post('{ __type(name: "Product") { name } }', {}, { 'x-api-key': 'reader-key-0123456789' });
    expect(reader.status).toBe(403);
    const admin = await gateway.post(query, {}, { 'x-api-key': 'admin-key-0123456789' });
    expect(admin.status).toBe(200);
    expect(admin.body.data.__schema.queryType.name).toBe('Query');
    expect((await gateway.post('{ __typename }')).status).toBe(200);
  });

  it('strips "Did you mean" suggestions from validation errors for callers without the scope', async () => {
    const typo = '{ topProduct(first: 1) { upc } }';
    const anonymous = await gateway.post(typo);
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.errors[0]).toMatchObject({
      message: 'Cannot query field "topProduct" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const reader = await gateway.post(typo, {}, { 'x-api-key': 'reader-key-0123456789' });
    expect(reader.body.errors[0].message).toBe('Cannot query field "topProduct" on type "Query".');
    const admin = await gateway.post(typo, {}, { 'x-api-key': 'admin-key-0123456789' });
    expect(admin.body.errors[0].message).toMatch(/Did you mean "topProducts"/);
  });
});

describe('TLS termination (server.tls)', () => {
  let dir: TempDir;
  let gateway: DemoGateway | undefined;
  let cert: string;

  beforeAll(async () => {
    dir = await tempDir('atrium-tls-');
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
    });
    cert = pems.cert;
    await writeFile(join(dir.path, 'cert.pem'), pems.cert);
    await writeFile(join(dir.path, 'key.pem'), pems.private);
  });
  afterAll(async () => {
    await gateway?.close();
    await dir.remove();
  });

  it('serves GraphQL over HTTPS with the configured pair (paths relative to the config dir.path) and sends HSTS', async () => {
    gateway = await startDemoGateway({ config: { server: { tls: { cert: 'cert.pem', key: 'key.pem' } } }, configDir: dir.path });
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpsRequest(gateway!.url, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ topProducts(first: 1) { name } }' }));
    });
    expect(status).toBe(200);
    expect(JSON.parse(body).data.topProducts).toHaveLength(1);
    expect(headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('refuses to start when a TLS file cannot be read, naming the key and the path', async () => {
    await expect(startDemoGateway({ config: { server: { tls: { cert: 'missing.pem', key: 'key.pem' } } }, configDir: dir.path })).rejects.toThrow(
      /^server\.tls\.cert: cannot read .*missing\.pem: ENOENT$/,
    );
  });
});
