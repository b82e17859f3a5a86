import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../gateway/logger.js';
import { RemoteKeySet } from '../../../../gateway/plugins/auth/remote-key-set.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A JSON logger whose lines are kept. */
function capturedLogger() {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => text };
}

// Issue 20, item 6e: a JWKS URL that cannot be reached logged the error object, so pino printed its stack.
describe('RemoteKeySet, when the JWKS URL cannot be fetched', () => {
  it('logs one warn line with the url, the issuer and the reason, and no stack', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json`;
    const { logger, text } = capturedLogger();
    const keys = new RemoteKeySet({ url, issuer: 'https://login.example.com/', refreshMs: 600_000, cooldownMs: 30_000, timeoutMs: 2_000, logger });
    await keys.start();
    keys.close();
    logger.flush();

    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 40,
      msg: 'auth: could not fetch the key set; keeping the last one',
      url,
      issuer: 'https://login.example.com/',
      reason: 'startup',
      error: expect.stringMatching(/^fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/),
    });
    expect(line.err).toBeUndefined();
    expect(lines[0]).not.toMatch(/stack|\\n\s+at /);
  });

  it('still refuses tokens until a fetch succeeds', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/jwks.json`;
    const { logger } = capturedLogger();
    const keys = new RemoteKeySet({ url, refreshMs: 600_000, cooldownMs: 60_000, timeoutMs: 2_000, logger });
    await keys.start();
    await expect(keys.getKey({ alg: 'RS256', kid: 'k1' }, { payload: '', signature: '' } as never)).rejects.toThrow(/not available/);
    keys.close();
  });
});
