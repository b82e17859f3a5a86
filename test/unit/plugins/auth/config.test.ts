import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../gateway/config/load-config.js';
import { configIssues } from '../../../helpers/config-issues.js';

const issuesOf = (auth: unknown) => configIssues({ auth });

const SECRET = 'x'.repeat(32);

describe('auth config', () => {
  it('refuses alg "none" in any spelling when the config is read, saying why', () => {
    for (const alg of ['none', 'NONE', 'None']) {
      const issues = issuesOf({ jwt: { issuers: { idp: { jwksUrl: 'https://idp.test/jwks.json', algorithms: ['RS256', alg] } } } });
      expect(issues.join('\n')).toMatch(/auth\.jwt\.issuers\.idp\.algorithms\[1\]: alg "none" can never be allowed/);
    }
  });

  it('refuses unknown algorithms, and mixing HMAC with key sets', () => {
    expect(issuesOf({ jwt: { issuers: { a: { jwksUrl: 'https://idp.test/j', algorithms: ['RS1'] } } } }).join('\n'))
      .toMatch(/unknown algorithm "RS1"/);
    expect(issuesOf({ jwt: { issuers: { a: { jwksUrl: 'https://idp.test/j', algorithms: ['HS256'] } } } }).join('\n'))
      .toMatch(/HS\* algorithms need a shared secret/);
    expect(issuesOf({ jwt: { issuers: { a: { secret: SECRET, algorithms: ['RS256'] } } } }).join('\n'))
      .toMatch(/a shared secret only verifies HS256/);
  });

  it('needs exactly one key source per issuer, and a long enough secret', () => {
    expect(issuesOf({ jwt: { issuers: { a: { issuer: 'x' } } } }).join('\n')).toMatch(/auth\.jwt\.issuers\.a: set exactly one key source/);
    expect(issuesOf({ jwt: { issuers: { a: { secret: SECRET, jwksFile: 'k.json' } } } }).join('\n')).toMatch(/exactly one key source/);
    expect(issuesOf({ jwt: { issuers: { a: { secret: 'short' } } } }).join('\n')).toMatch(/at least 32 characters/);
  });

  it('stores API keys only as sha256 hashes', () => {
    expect(issuesOf({ apiKeys: { keys: { ci: { hash: 'plain-text-key' } } } }).join('\n'))
      .toMatch(/auth\.apiKeys\.keys\.ci\.hash: expected "sha256:<64 hex digits>"/);
    expect(issuesOf({ apiKeys: { keys: { ci: { hash: `sha256:${'a'.repeat(64)}` } } } })).toEqual([]);
  });

  it('auth.required needs a credential method; devToken must name an issuer', () => {
    expect(issuesOf({ required: true }).join('\n')).toMatch(/auth\.required: .*needs at least one/);
    expect(issuesOf({ devToken: { privateKeyFile: 'k.json', issuer: 'nope' } }).join('\n'))
      .toMatch(/auth\.devToken\.issuer: no auth\.jwt\.issuers entry named "nope"/);
  });

  it('defaults: anonymous allowed, Bearer in Authorization, identity headers x-user-id / x-user-scopes / x-client-id', () => {
    const { auth } = parseConfig({}, 'gateway.yaml');
    expect(auth.required).toBe(false);
    expect(auth.jwt).toMatchObject({ header: 'authorization', scheme: 'Bearer', clockTolerance: 30_000, scopesClaim: 'scope' });
    expect(auth.identityHeaders).toEqual({ subject: 'x-user-id', scopes: 'x-user-scopes', clientId: 'x-client-id', claims: {} });
  });
});
