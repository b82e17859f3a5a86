import { describe, expect, it } from 'vitest';
import { matchRouteTemplate, openApiPath, parseRouteTemplate, specificity } from '../../../gateway/rest/route-template.js';

describe('route templates', () => {
  const template = parseRouteTemplate('/v1/products/:upc/reviews');

  it('matches literal segments exactly and decodes parameters', () => {
    expect(template.params).toEqual(['upc']);
    expect(matchRouteTemplate(template, '/v1/products/10%2F01/reviews')).toEqual({ upc: '10/01' });
    expect(matchRouteTemplate(template, '/v1/products/1001/reviews/')).toEqual({ upc: '1001' });
    expect(matchRouteTemplate(template, '/v1/products/1001')).toBeUndefined();
    expect(matchRouteTemplate(template, '/v1/products//reviews')).toBeUndefined();
    expect(matchRouteTemplate(template, '/v1/Products/1001/reviews')).toBeUndefined();
  });

  it('throws 400 naming a parameter that is not valid percent-encoding when the rest of the path matches', () => {
    expect(() => matchRouteTemplate(template, '/v1/products/%E0%A4%A/reviews')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', extensions: { parameter: 'upc', in: 'path' } }));
    // Another path of as many segments is no match, whatever its parameter holds.
    expect(matchRouteTemplate(template, '/v1/products/%E0%A4%A/other')).toBeUndefined();
  });

  it('ranks a literal segment above a parameter at the same position', () => {
    expect(specificity(parseRouteTemplate('/products/top'))).toBeGreaterThan(specificity(parseRouteTemplate('/products/:upc')));
  });

  it('writes OpenAPI paths with {name}', () => {
    expect(openApiPath(template)).toBe('/v1/products/{upc}/reviews');
    expect(openApiPath(parseRouteTemplate('/'))).toBe('/');
  });
});
