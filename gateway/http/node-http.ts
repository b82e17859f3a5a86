import { createRequire } from 'node:module';

/**
 * `node:http`, loaded with `require`. Node builds the ESM view of a built-in module (what `import { createServer }
 * from 'node:http'` links to) by reading every export, and on Node 22 and later node:http's `WebSocket`,
 * `CloseEvent` and `MessageEvent` exports are getters that load Node's bundled undici: about 140 ms of every
 * `atrium serve` start (docs/performance.md, "Start-up"), for classes the gateway never uses. Types still
 * come from `import type { … } from 'node:http'`; an ESLint rule keeps value imports out of gateway/.
 *
 * @example
 * import { nodeHttp } from '../http/node-http.js';
 * const server = nodeHttp.createServer(onRequest);
 */
export const nodeHttp = createRequire(import.meta.url)('node:http') as typeof import('node:http');
