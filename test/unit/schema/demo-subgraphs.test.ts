import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEMO_PORTS, DEMO_SUBGRAPHS, findRepoRoot, readSubgraphSdl } from '../../../subgraphs/index.js';

function compose() {
  return composeServices(
    DEMO_SUBGRAPHS.map((name) => ({
      name,
      url: `http://localhost:${DEMO_PORTS[name]}/graphql`,
      typeDefs: parse(readSubgraphSdl(name)),
    })),
  );
}

describe('demo subgraph schemas', () => {
  it('compose without errors, the only hint being the deliberately kept overridden field', () => {
    const result = compose();
    expect(result.errors).toBeUndefined();
    expect((result.hints ?? []).map((hint) => hint.definition.code)).toEqual(['OVERRIDDEN_FIELD_CAN_BE_REMOVED']);
  });

  it('carry every federation feature the demo promises into the supergraph', () => {
    const { supergraphSdl } = compose();
    // Product has two keys; inventory joins on the second one.
    expect(supergraphSdl).toContain('@join__type(graph: PRODUCTS, key: "upc")');
    expect(supergraphSdl).toContain('@join__type(graph: PRODUCTS, key: "sku")');
    expect(supergraphSdl).toContain('@join__type(graph: INVENTORY, key: "sku")');
    // Compound key, resolvable in two subgraphs.
    expect(supergraphSdl).toContain('@join__type(graph: INVENTORY, key: "code country")');
    expect(supergraphSdl).toContain('@join__type(graph: ORDERS, key: "code country")');
    expect(supergraphSdl).toContain('@join__field(graph: INVENTORY, requires: "price weight")');
    expect(supergraphSdl).toContain('@join__field(graph: REVIEWS, provides: "username")');
    expect(supergraphSdl).toContain('@join__field(graph: INVENTORY, override: "products")');
    expect(supergraphSdl).toContain('@join__type(graph: REVIEWS, key: "upc", isInterfaceObject: true)');
    expect(supergraphSdl).toContain('@join__unionMember(graph: PRODUCTS, member: "Bundle")');
    // Address is a value type shared by accounts and orders.
    expect(supergraphSdl).toMatch(/type Address\s+@join__type\(graph: ACCOUNTS\)\s+@join__type\(graph: ORDERS\)/);
    expect(supergraphSdl).toMatch(/createOrder\(input: CreateOrderInput!\): Order/);
    expect(supergraphSdl).toMatch(/addReview\(input: AddReviewInput!\): Review!/);
  });

  it('carry the security directives on meaningful elements into the supergraph', () => {
    const { supergraphSdl } = compose();
    expect(supergraphSdl).toMatch(/email: String! @join__field\(graph: ACCOUNTS\) @authenticated/);
    expect(supergraphSdl).toMatch(/type Order[^{]*@requiresScopes\(scopes: \[\["orders:read"\]\]\)/);
    expect(supergraphSdl).toMatch(/openOrders: \[Order!\]! @join__field\(graph: ORDERS\) @policy\(policies: \[\["admin"\]\]\)/);
  });

  it('carry @cost, @listSize and the composed @rateLimit into the supergraph', () => {
    const { supergraphSdl } = compose();
    expect(supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])');
    expect(supergraphSdl).toContain('@link(url: "https://atrium.dev/rateLimit/v0.1", import: ["@rateLimit"])');
    expect(supergraphSdl).toMatch(/topProducts\(first: Int = 5\): \[Product!\]![^\n]*@listSize\(slicingArguments: \["first"\]\)/);
    expect(supergraphSdl).toMatch(/createOrder\(input: CreateOrderInput!\): Order[^\n]*@cost\(weight: 20\)[^\n]*@rateLimit\(max: 5, window: "1m"\)/);
  });

  it('are listed in supergraph.yaml with their fixed demo ports', () => {
    const root = findRepoRoot();
    const config = parseYaml(readFileSync(join(root, 'supergraph.yaml'), 'utf8'));
    expect(config.federation_version).toBe(2);
    expect(Object.keys(config.subgraphs)).toEqual([...DEMO_SUBGRAPHS]);
    for (const name of DEMO_SUBGRAPHS) {
      expect(config.subgraphs[name]).toEqual({
        routing_url: `http://localhost:${DEMO_PORTS[name]}/graphql`,
        schema: { file: `./schema/${name}.graphql` },
      });
    }
  });
});
