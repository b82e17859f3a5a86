import { AtriumError } from '../errors.js';
import type { SubgraphRequest, SubgraphResponse, SubgraphTransport } from './contracts.js';

/** Answers the requests of one subgraph, in process. */
export type InProcessHandler = (request: SubgraphRequest) => Promise<SubgraphResponse> | SubgraphResponse;

/**
 * A transport that calls functions instead of sending HTTP, for unit tests of the engine and plugins.
 * Handlers are keyed by subgraph name; an unknown name fails like an unreachable subgraph. The signal is
 * honoured: an abort rejects with the signal's reason even if the handler never settles, as undici does.
 *
 * @example
 * const transport = createInProcessTransport({
 *   products: () => ({ status: 200, headers: {}, body: { data: { topProducts: [] } } }),
 * });
 */
export function createInProcessTransport(handlers: Readonly<Record<string, InProcessHandler>>): SubgraphTransport {
  return {
    send(request, signal) {
      const handler = Object.hasOwn(handlers, request.subgraph) ? handlers[request.subgraph] : undefined;
      if (handler === undefined) {
        return Promise.reject(
          new AtriumError('SUBGRAPH_UNAVAILABLE', `subgraph "${request.subgraph}" is unavailable: no in-process handler`, {
            extensions: { serviceName: request.subgraph },
          }),
        );
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<SubgraphResponse>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        Promise.resolve()
          .then(() => handler(request))
          .then(resolve, reject)
          .finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    close() {
      return Promise.resolve();
    },
  };
}
