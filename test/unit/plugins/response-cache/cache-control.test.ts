import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../../../gateway/plugins/response-cache/cache-control.js';

describe('parseCacheControl', () => {
  it.each([
    [undefined, { maxAge: undefined, private: false, public: false, noStore: false }],
    ['max-age=60', { maxAge: 60, private: false, public: false, noStore: false }],
    ['public, max-age=60, s-maxage=30', { maxAge: 30, private: false, public: true, noStore: false }],
    ['max-age=60, private', { maxAge: 60, private: true, public: false, noStore: false }],
    ['no-store', { maxAge: undefined, private: false, public: false, noStore: true }],
    ['no-cache, max-age=5', { maxAge: 5, private: false, public: false, noStore: true }],
    ['max-age="20"', { maxAge: 20, private: false, public: false, noStore: false }],
    ['max-age=-1, max-age=x', { maxAge: undefined, private: false, public: false, noStore: false }],
    [['max-age=10', 'PRIVATE'], { maxAge: 10, private: true, public: false, noStore: false }],
  ])('%j', (header, expected) => {
    expect(parseCacheControl(header)).toEqual(expected);
  });
});
