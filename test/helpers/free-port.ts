import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: for a process that must be told its port up front
 * (redis-server, `atrium serve --port`). Whatever can listen on port 0 itself should do that instead.
 *
 * @example const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
