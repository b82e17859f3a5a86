import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { type DemoGateway, startDemoGateway } from '../../helpers/demo-gateway.js';

// The server's clientError path (gateway/server/client-error.ts) through the real gateway over raw
// sockets: requests node:http cannot parse, and requests that arrive too slowly. Each answer is a JSON
// error with a code and the connection is closed; the gateway keeps serving.

const QUERY = '{ topProducts(first: 1) { name } }';
/** Upper bound on any wait here; the timeouts under test are far shorter. Not a timing assertion. */
const SAFETY_MS = 15_000;
const lines: string[] = [];
let gateway: DemoGateway;
let port: number;

beforeAll(async () => {
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  gateway = await startDemoGateway({
    config: { server: { headersTimeout: '300ms', receiveTimeout: '600ms' }, log: { accessLog: { enabled: true } } },
    logger,
  });
  port = Number(new URL(gateway.url).port);
});

afterAll(async () => {
  await gateway?.close();
});

/** Opens a socket, writes `chunks` (then leaves it open), and resolves with everything read until the server closes it. */
function exchange(chunks: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    const safety = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${SAFETY_MS} ms; read so far: ${received}`));
    }, SAFETY_MS);
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      received += data;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(safety);
      resolve(received);
    });
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

function parse(raw: string): { statusLine: string; headers: Map<string, string>; body: any } {
  const end = raw.indexOf('\r\n\r\n');
  expect(end, raw).toBeGreaterThan(0);
  const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n');
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusLine: statusLine!, headers, body: JSON.parse(raw.slice(end + 4)) };
}

async function stillServing(): Promise<void> {
  const result = await gateway.post(QUERY);
  expect(result.status).toBe(200);
  expect(result.body.data.topProducts).toHaveLength(1);
}

describe('requests node:http cannot parse', () => {
  it.each([
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
    ['a space inside the request target', 'GET /graphql?query={ __typename } HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header line without a colon', 'POST /graphql HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n'],
    ['an invalid content-length', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n'],
  ])('answers %s with 400 BAD_REQUEST, closes the connection, and keeps serving', async (_name, request) => {
    const answer = parse(await exchange([request]));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.body).toEqual({ errors: [{ message: 'the HTTP request is malformed', extensions: { code: 'BAD_REQUEST' } }] });
    await stillServing();
  });
});

describe('requests that arrive too slowly', () => {
  it('answers headers that never finish with 408 REQUEST_TIMEOUT after server.headersTimeout', async () => {
    const answer = parse(await exchange(['POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n']));
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.body.errors[0]).toEqual({
      message: 'the request did not arrive in time (server.headersTimeout, server.receiveTimeout)',
      extensions: { code: 'REQUEST_TIMEOUT' },
    });
    const requestId = answer.headers.get('x-request-id');
    const access = () => lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'access' && line.requestId === requestId);
    await expect.poll(access, { timeout: 5_000 }).toBeDefined();
    // The parser keeps no request line of a timed-out request: the log line says so with '-'.
    expect(access()).toMatchObject({ method: '-', path: '-', status: 408, errorCodes: ['REQUEST_TIMEOUT'] });
    await stillServing();
  });

  it('answers a body that stops half-way with 408 after server.receiveTimeout', async () => {
    const body = JSON.stringify({ query: QUERY });
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const raw = await exchange([head, body.slice(0, 10)]);
    const answer = parse(raw);
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.body.errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
    await stillServing();
  });
});
