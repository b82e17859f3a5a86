import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { writeHttpResponse } from '../../../gateway/http/write-response.js';
import type { RequestContext } from '../../../gateway/request-context.js';

// Large answers are encoded into reused buffers (gateway/http/write-response.ts, writeLargeBody). What must
// hold: a buffer is never reused while a response still holds it, and every client gets its own body's
// exact bytes, whatever the characters.

const context = (): RequestContext => ({
  requestId: 'test',
  http: { method: 'POST', url: '/graphql', headers: {}, remoteAddress: '127.0.0.1' },
  principal: undefined,
  responseHeaders: new Map(),
  signal: new AbortController().signal,
});
const answer = (body: string) => ({ status: 200, headers: new Map([['content-type', 'application/json']]), body });

/** A response that keeps what `end` got and finishes only when told: a socket that has not taken the bytes yet. */
function heldResponse() {
  const held = { chunk: undefined as Uint8Array | undefined, copy: undefined as Buffer | undefined, finish: (_error?: Error) => {} };
  const res = {
    statusCode: 0,
    setHeader() {},
    end(chunk: Uint8Array, callback: (error?: Error) => void) {
      held.chunk = chunk;
      held.copy = Buffer.from(chunk);
      held.finish = callback;
    },
  };
  return { res: res as unknown as ServerResponse, held };
}

describe('writeHttpResponse, large bodies', () => {
  it('does not reuse the buffer of a response whose bytes the socket has not taken', async () => {
    const first = heldResponse();
    await writeHttpResponse(first.res, answer('a'.repeat(10_000)), context());
    // The first response is still in flight: the next large answers must not write into its bytes.
    for (const fill of ['b', 'c']) {
      const next = heldResponse();
      await writeHttpResponse(next.res, answer(fill.repeat(10_000)), context());
      expect(Buffer.from(next.held.chunk!).toString()).toBe(fill.repeat(10_000));
      expect(next.held.chunk!.buffer).not.toBe(first.held.chunk!.buffer);
    }
    expect(Buffer.from(first.held.chunk!).equals(first.held.copy!)).toBe(true);
  });

  it('reuses a buffer once its response finished, and never one whose response failed', async () => {
    const failed = heldResponse();
    await writeHttpResponse(failed.res, answer('f'.repeat(9_000)), context());
    failed.held.finish(new Error('socket closed'));
    const finished = heldResponse();
    await writeHttpResponse(finished.res, answer('d'.repeat(9_000)), context());
    expect(finished.held.chunk!.buffer).not.toBe(failed.held.chunk!.buffer);
    finished.held.finish();
    const after = heldResponse();
    await writeHttpResponse(after.res, answer('e'.repeat(8_000)), context());
    expect(after.held.chunk!.buffer).toBe(finished.held.chunk!.buffer);
    expect(Buffer.from(after.held.chunk!).toString()).toBe('e'.repeat(8_000));
    after.held.finish();
  });

  it('sends every client its own body, exact to the byte, over real sockets, multi-byte characters included', async () => {
    const bodies = [
      JSON.stringify({ data: { text: 'x'.repeat(300_000) } }),
      JSON.stringify({ data: { text: 'é€😀'.repeat(50_000) } }), // 2-, 3- and 4-byte characters: more bytes than units
      JSON.stringify({ data: { text: 'y'.repeat(2_000_000) } }), // larger than the buffers first made
      JSON.stringify({ data: { text: 'ü'.repeat(5_000_000) } }), // past the pooled size: bytes of its own
      JSON.stringify({ data: { small: true } }),
    ];
    const server = createServer((req, res) => {
      const body = bodies[Number(new URL(req.url!, 'http://x').searchParams.get('i'))]!;
      void writeHttpResponse(res, answer(body), context());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const order = Array.from({ length: 40 }, (_, n) => n % bodies.length);
      const received = await Promise.all(
        order.map(async (i) => {
          const response = await fetch(`http://127.0.0.1:${port}/?i=${i}`);
          const bytes = Buffer.from(await response.arrayBuffer());
          return { i, bytes, length: response.headers.get('content-length') };
        }),
      );
      for (const { i, bytes, length } of received) {
        expect(bytes.equals(Buffer.from(bodies[i]!, 'utf8'))).toBe(true);
        expect(Number(length)).toBe(bytes.length);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
