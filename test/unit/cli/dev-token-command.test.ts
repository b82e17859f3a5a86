import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../gateway/cli/main.js';
import { findRepoRoot } from '../../../subgraphs/index.js';
import { demoPublicJwk } from '../../../subgraphs/identity/serve-jwks.js';
import { capturedIo } from '../../helpers/captured-io.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

let dir: TempDir;

beforeAll(async () => {
  dir = await tempDir('atrium-cli-auth-');
  return dir.remove;
});

describe('atrium dev-token', () => {
  it('signs a token the demo JWKS verifies, with issuer, audience, subject and scopes from the flags', async () => {
    const io = capturedIo();
    const code = await main(['dev-token', '--sub', '42', '--scopes', 'orders:read,profile', '--claim', 'role=admin', '--config', join(findRepoRoot(), 'gateway.yaml')], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const token = io.out().trim();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: 'atrium-demo-1' });
    const { payload } = await jwtVerify(token, await importJWK(demoPublicJwk(), 'RS256'));
    expect(payload).toMatchObject({ sub: '42', scope: 'orders:read profile', role: 'admin', iss: 'http://localhost:4010', aud: 'atrium-demo' });
    expect(decodeJwt(token).exp! - decodeJwt(token).iat!).toBe(3600);
  });

  it('refuses when gateway.yaml configures no demo key', async () => {
    const config = join(dir.path, 'gateway.yaml');
    await writeFile(config, 'auth:\n  jwt:\n    issuers:\n      idp: { jwksUrl: "https://idp.test/jwks.json" }\n');
    const io = capturedIo();
    expect(await main(['dev-token', '--sub', '1', '--config', config], io)).toBe(1);
    expect(io.err()).toMatch(/configures no demo signing key \(auth\.devToken\)/);
    expect(io.out()).toBe('');
  });

  it('needs --sub', async () => {
    const io = capturedIo();
    expect(await main(['dev-token'], io)).toBe(2);
    expect(io.err()).toMatch(/--sub is required/);
  });
});
