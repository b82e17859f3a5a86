import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { pickHeaders, REDACTED, redactValue } from '../../../gateway/observability/redact.js';

describe('redactValue', () => {
  it('redacts named keys at any depth, case-insensitively, without touching the input', () => {
    const input = { user: { Password: 'p1', list: [{ token: 't1', keep: 1 }] }, secret: 's', fine: 'ok' };
    expect(redactValue(input, new Set(['password', 'token', 'secret']))).toEqual({
      user: { Password: REDACTED, list: [{ token: REDACTED, keep: 1 }] },
      secret: REDACTED,
      fine: 'ok',
    });
    expect(input.user.Password).toBe('p1');
  });

  it('cuts off values nested too deep', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(redactValue(deep, new Set()))).toContain('[too deep]');
  });
});

describe('pickHeaders', () => {
  it('copies only the wanted headers and redacts the named ones', () => {
    const headers = { 'user-agent': 'curl/8', authorization: 'Bearer abc', cookie: 'c=1' };
    expect(pickHeaders(headers, ['user-agent', 'authorization', 'x-missing'], new Set(['authorization']))).toEqual({
      'user-agent': 'curl/8',
      authorization: REDACTED,
    });
  });
});

describe('createLogger', () => {
  it('censors redacted header names in any log line', () => {
    const lines: string[] = [];
    const logger = createLogger({ redact: ['authorization', 'X-Api-Key'], destination: { write: (line: string) => void lines.push(line) } });
    logger.warn({ headers: { authorization: 'Bearer abc', 'x-api-key': 'k-1', accept: '*/*' } }, 'top level');
    logger.warn({ request: { headers: { authorization: 'Bearer def' } } }, 'nested');
    const output = lines.join('');
    expect(output).not.toContain('Bearer');
    expect(output).not.toContain('k-1');
    expect(output).toContain('*/*');
    expect(output.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('writes readable lines with format pretty, JSON otherwise and for auto on a pipe', () => {
    const pretty: string[] = [];
    createLogger({ format: 'pretty', destination: { write: (line: string) => void pretty.push(line) } }).info({ subgraph: 'products' }, 'fetch: done');
    expect(pretty.join('')).toMatch(/INFO.*fetch: done/);
    expect(() => JSON.parse(pretty.join(''))).toThrow();
    const auto: string[] = [];
    createLogger({ format: 'auto', destination: { write: (line: string) => void auto.push(line) } }).info('plain');
    expect(JSON.parse(auto[0]!)).toMatchObject({ msg: 'plain', level: 30 });
  });
});
