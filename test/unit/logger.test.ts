import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, isoTime } from '../../gateway/logger.js';

describe('isoTime', () => {
  it('is what pino.stdTimeFunctions.isoTime writes, for every millisecond across second boundaries', () => {
    const start = Date.UTC(2026, 11, 31, 23, 59, 58, 990);
    // Forward, backward (a clock stepped back) and the same millisecond twice.
    const times = [...Array.from({ length: 2100 }, (_, i) => start + i), start + 5, start + 5, Date.UTC(1969, 11, 31, 23, 59, 59, 7), 0, 8.64e15];
    for (const ms of times) expect(isoTime(ms)).toBe(`,"time":"${new Date(ms).toISOString()}"`);
  });

  it('stamps the logger\'s lines', () => {
    let out = '';
    const destination = new Writable({ write: (chunk, _encoding, done) => ((out += chunk), done()) });
    const before = Date.now();
    createLogger({ destination }).info('hello');
    const { time } = JSON.parse(out) as { time: string };
    expect(Date.parse(time)).toBeGreaterThanOrEqual(before);
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
