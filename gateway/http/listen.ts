import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server that is listening: its base URL (`http://127.0.0.1:9464`) and port. */
export interface ListeningAddress {
  readonly url: string;
  readonly port: number;
}

/**
 * Starts `server` listening on `port` (0 picks a free one) and `host`, and resolves with the address it got;
 * rejects with the listen error (for example EADDRINUSE). IPv6 hosts are bracketed in the URL.
 *
 * @example
 * const { url } = await listen(createServer(handler), 0, '127.0.0.1'); // 'http://127.0.0.1:40123'
 */
export function listen(server: Server, port: number, host: string, scheme: 'http' | 'https' = 'http'): Promise<ListeningAddress> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ url: `${scheme}://${hostname}:${address.port}`, port: address.port });
    });
  });
}

/** Closes a side server (metrics, admin) at once: stops accepting and drops its connections. */
export function closeNow(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
