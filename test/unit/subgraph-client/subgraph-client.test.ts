import { describe, expect, it } from 'vitest';
import { AtriumError } from '../../../gateway/errors.js';
import type { RequestContext } from '../../../gateway/request-context.js';
import { createInProcessTransport } from '../../../gateway/subgraph-client/in-process-transport.js';
import { createSubgraphClient } from '../../../gateway/subgraph-client/subgraph-client.js';
import type {
  SubgraphFetchDonePayload,
  SubgraphFetchHook,
  SubgraphRequest,
  SubgraphResponse,
} from '../../../gateway/subgraph-client/contracts.js';
import { expectAtriumError } from '../../helpers/expect-atrium-error.js';

const context: RequestContext = {
  requestId: 'req-1',
  http: { method: 'POST', url: '/graphql', headers: {}, remoteAddress: '127.0.0.1' },
  principal: undefined,
  responseHeaders: new Map(),
  signal: new AbortController().signal,
};

function request(subgraph = 'products'): SubgraphRequest {
  return {
    subgraph,
    url: `http://${subgraph}.internal/graphql`,
    operationKind: 'query',
    body: { query: '{ topProducts { id } }' },
    headers: {},
  };
}

const ok: SubgraphResponse = { status: 200, headers: {}, body: { data: { topProducts: [] } } };
const cached: SubgraphResponse = { status: 200, headers: {}, body: { data: { topProducts: [{ id: '1' }] } } };

/** A subgraph that never answers (the in-process transport still honours the abort). */
const never = () => new Promise<SubgraphResponse>(() => {});

describe('createSubgraphClient', () => {
  it('returns the transport answer', async () => {
    const client = createSubgraphClient({ transport: createInProcessTransport({ products: () => ok }), timeoutMs: () => 1000 });
    await expect(client.fetch(request(), { context, signal: context.signal })).resolves.toBe(ok);
  });

  it('maps the timeout to SUBGRAPH_TIMEOUT', async () => {
    const client = createSubgraphClient({ transport: createInProcessTransport({ products: never }), timeoutMs: () => 20 });
    const error = await expectAtriumError(client.fetch(request(), { context, signal: new AbortController().signal }));
    expect(error.code).toBe('SUBGRAPH_TIMEOUT');
    expect(error.message).toBe('subgraph "products" did not answer within 20 ms');
    expect(error.extensions).toEqual({ serviceName: 'products' });
  });

  it('maps an abort by the caller to SUBGRAPH_UNAVAILABLE', async () => {
    const client = createSubgraphClient({ transport: createInProcessTransport({ products: never }), timeoutMs: () => 60_000 });
    const controller = new AbortController();
    const fetching = client.fetch(request(), { context, signal: controller.signal });
    controller.abort();
    const error = await expectAtriumError(fetching);
    expect(error.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.message).toContain('"products"');
  });

  it('does not send when the caller has already aborted', async () => {
    let sent = false;
    const transport = createInProcessTransport({
      products: () => {
        sent = true;
        return ok;
      },
    });
    const client = createSubgraphClient({ transport, timeoutMs: () => 1000 });
    const error = await expectAtriumError(client.fetch(request(), { context, signal: AbortSignal.abort() }));
    expect(error.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(sent).toBe(false);
  });

  it('wraps an unexpected transport error as SUBGRAPH_UNAVAILABLE with its cause', async () => {
    const bug = new TypeError('boom');
    const transport = createInProcessTransport({
      products: () => {
        throw bug;
      },
    });
    const client = createSubgraphClient({ transport, timeoutMs: () => 1000 });
    const error = await expectAtriumError(client.fetch(request(), { context, signal: context.signal }));
    expect(error.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.cause).toBe(bug);
    expect(error.message).not.toContain('boom');
  });

  it('passes an AtriumError from the transport through', async () => {
    const bad = new AtriumError('SUBGRAPH_BAD_RESPONSE', 'subgraph "products" answered HTTP 500 with a body that is not JSON');
    const transport = createInProcessTransport({
      products: () => {
        throw bad;
      },
    });
    const client = createSubgraphClient({ transport, timeoutMs: () => 0 });
    await expect(client.fetch(request(), { context, signal: context.signal })).rejects.toBe(bad);
  });

  it('lets a hook add a header and rewrite the URL before sending', async () => {
    let seen: SubgraphRequest | undefined;
    const transport = createInProcessTransport({
      products: (sent) => {
        seen = sent;
        return ok;
      },
    });
    const hook: SubgraphFetchHook = ({ request: outgoing, context: ctx }) => {
      outgoing.headers['x-request-id'] = ctx.requestId;
      outgoing.url = 'http://products.canary/graphql';
    };
    const client = createSubgraphClient({ transport, timeoutMs: () => 1000, hooks: [hook] });
    await client.fetch(request(), { context, signal: context.signal });
    expect(seen?.headers['x-request-id']).toBe('req-1');
    expect(seen?.url).toBe('http://products.canary/graphql');
  });

  it('runs hooks in order and done-hooks in reverse order', async () => {
    const calls: string[] = [];
    const hook =
      (name: string): SubgraphFetchHook =>
      async () => {
        calls.push(`before ${name}`);
        return () => {
          calls.push(`after ${name}`);
        };
      };
    const transport = createInProcessTransport({
      products: () => {
        calls.push('send');
        return ok;
      },
    });
    const client = createSubgraphClient({ transport, timeoutMs: () => 1000, hooks: [hook('a'), hook('b')] });
    await client.fetch(request(), { context, signal: context.signal });
    expect(calls).toEqual(['before a', 'before b', 'send', 'after b', 'after a']);
  });

  it('answers from a hook that sets the response, skipping later hooks and the transport', async () => {
    const calls: string[] = [];
    const transport = createInProcessTransport({
      products: () => {
        calls.push('send');
        return ok;
      },
    });
    const cache: SubgraphFetchHook = ({ setResponse }) => {
      calls.push('cache');
      setResponse(cached);
      return ({ response }) => {
        calls.push(`cache done ${response === cached}`);
      };
    };
    const later: SubgraphFetchHook = () => {
      calls.push('later');
    };
    const client = createSubgraphClient({ transport, timeoutMs: () => 1000, hooks: [cache, later] });
    await expect(client.fetch(request(), { context, signal: context.signal })).resolves.toBe(cached);
    expect(calls).toEqual(['cache', 'cache done true']);
  });

  it('gives done-hooks the outcome and duration, and lets them replace it', async () => {
    const payloads: Omit<SubgraphFetchDonePayload, 'setResponse'>[] = [];
    const observe: SubgraphFetchHook = () => (payload) => {
      payloads.push({ ...payload });
    };
    const fallback: SubgraphFetchHook = () => (payload) => {
      payloads.push({ ...payload });
      if (payload.error) payload.setResponse(cached);
    };
    const client = createSubgraphClient({
      transport: createInProcessTransport({ products: never }),
      timeoutMs: () => 20,
      hooks: [observe, fallback],
    });
    await expect(client.fetch(request(), { context, signal: context.signal })).resolves.toBe(cached);
    const [seenByFallback, seenByObserve] = payloads;
    expect(seenByFallback?.error?.code).toBe('SUBGRAPH_TIMEOUT');
    expect(seenByFallback?.response).toBeUndefined();
    expect(seenByFallback?.durationMs).toBeGreaterThan(0);
    expect(seenByFallback?.context).toBe(context);
    // The replaced outcome is what the next done-hook sees.
    expect(seenByObserve?.response).toBe(cached);
    expect(seenByObserve?.error).toBeUndefined();
  });

  it('makes a hook error the outcome, seen by the done-hooks already registered', async () => {
    const open = new AtriumError('SUBGRAPH_UNAVAILABLE', 'subgraph "products" is unavailable: circuit open');
    let seen: AtriumError | undefined;
    const observe: SubgraphFetchHook = () => (payload) => {
      seen = payload.error;
    };
    const breaker: SubgraphFetchHook = () => {
      throw open;
    };
    const client = createSubgraphClient({
      transport: createInProcessTransport({ products: () => ok }),
      timeoutMs: () => 1000,
      hooks: [observe, breaker],
    });
    await expect(client.fetch(request(), { context, signal: context.signal })).rejects.toBe(open);
    expect(seen).toBe(open);
  });
});

describe('createInProcessTransport', () => {
  it('fails like an unreachable subgraph for an unknown name', async () => {
    const transport = createInProcessTransport({});
    const error = await expectAtriumError(transport.send(request('reviews'), new AbortController().signal));
    expect(error.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.extensions).toEqual({ serviceName: 'reviews' });
  });
});
