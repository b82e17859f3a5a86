import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { accessLineWriter } from '../../../gateway/observability/access-line.js';

/** A logger as `atrium serve` makes one, writing into `lines`. */
function capture(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(...chunk.toString().split(/(?<=\n)/)), done()) });
  return { logger: createLogger({ level, destination, redact: ['authorization'] }), lines };
}

const withoutTime = (line: string) => line.replace(/,"time":"[^"]+"/, '');

const FIELDS: Record<string, unknown>[] = [
  {},
  { requestId: 'r1', method: 'POST', path: '/graphql', status: 200, durationMs: 4.25 },
  {
    requestId: 'a "quoted"\\ id\n\u0007 ünï 😀',
    status: 500,
    durationMs: Number.NaN,
    clientId: undefined,
    operationName: null,
    errorCodes: ['SUBGRAPH_TIMEOUT'],
    cost: { estimated: 12, actual: Number.POSITIVE_INFINITY },
    subgraphs: [{ name: 'products', durationMs: 1.5 }, { name: 'reviews', durationMs: 2, error: 'GRAPHQL_ERRORS' }],
    variables: { nested: { list: [1, 'two', null, { deep: true }] } },
    headers: { 'user-agent': 'curl/8', authorization: '[redacted]' },
    skipped: () => 1,
  },
];

describe('accessLineWriter', () => {
  it("writes the bytes logger.info(fields, 'access') writes, but for the time", () => {
    const ours = capture();
    const pinos = capture();
    const write = accessLineWriter(ours.logger);
    for (const fields of FIELDS) {
      write(fields);
      pinos.logger.info(fields, 'access');
    }
    expect(ours.lines).toHaveLength(FIELDS.length);
    expect(ours.lines.map(withoutTime)).toEqual(pinos.lines.map(withoutTime));
    for (const line of ours.lines) expect(JSON.parse(line)).toMatchObject({ level: 30, name: 'atrium', msg: 'access', time: expect.stringMatching(/Z$/) });
  });

  it('writes nothing when info is off, and falls back to the logger for what JSON.stringify throws on', () => {
    const quiet = capture('warn');
    accessLineWriter(quiet.logger)({ status: 200 });
    expect(quiet.lines).toEqual([]);
    const { logger, lines } = capture();
    const circular: Record<string, unknown> = { status: 200 };
    circular.self = circular;
    accessLineWriter(logger)(circular);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, status: 200, msg: 'access' });
  });
});
