import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../request-context.js';

/**
 * One extra HTTP endpoint beside the GraphQL endpoint (metrics, REST routes, cache purge). The route owns
 * the response entirely (status, headers, body).
 */
export interface HttpRoute {
  /** True when this route serves `path` (the URL path without the query string), whatever the method. */
  matches(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void>;
}
