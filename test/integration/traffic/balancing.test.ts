import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoGateway, type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { type FaultSubgraph, startFaultSubgraph } from '../../helpers/fault-subgraph.js';
import { expectEventually } from './load.js';

const ADMIN_TOKEN = 'balancing-admin-token-0123';

// Instances of the products subgraph are fault subgraphs in `ok` mode: real servers forwarding to the real
// products subgraph, each counting what it receives.
const PRODUCTS_ONLY = '{ topProducts(first: 2) { upc name } }';

describe('traffic: several instances per subgraph', () => {
  let demo: DemoSubgraphs;
  let instances: FaultSubgraph[];
  beforeAll(async () => {
    demo = await startDemoSubgraphs({ host: '127.0.0.1' });
    instances = await Promise.all([0, 1, 2].map(() => startFaultSubgraph('ok', { upstream: demo.urls.products })));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await demo.close();
  });

  const countsDuring = async (gateway: DemoGateway, requests: number, headers?: Record<string, string>) => {
    const before = instances.map((instance) => instance.requests);
    for (let i = 0; i < requests; i++) {
      const { body } = await gateway.post(PRODUCTS_ONLY, undefined, headers);
      expect(body.errors).toBeUndefined();
    }
    return instances.map((instance, i) => instance.requests - before[i]!);
  };

  it('round-robin spreads requests evenly over the instances', async () => {
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: { traffic: { subgraphs: { products: { urls: instances.map((i) => i.url) } } } },
    });
    try {
      expect(await countsDuring(gateway, 9)).toEqual([3, 3, 3]);
    } finally {
      await gateway.close();
    }
  });

  it('splits by version weight exactly (90/10), header routing picks a version, and a reload moves the weights', async () => {
    const [stable, canary] = instances;
    const versions = (stableWeight: number, canaryWeight: number) => ({
      traffic: {
        subgraphs: {
          products: {
            versions: { stable: { weight: stableWeight, urls: [stable!.url] }, canary: { weight: canaryWeight, urls: [canary!.url] } },
            routeByHeader: { header: 'x-variant', values: { b: 'canary' } },
          },
        },
      },
    });
    const gateway = await startDemoGateway({ subgraphs: demo, config: versions(90, 10) });
    try {
      expect(await countsDuring(gateway, 50)).toEqual([45, 5, 0]);
      expect(await countsDuring(gateway, 4, { 'x-variant': 'b' })).toEqual([0, 4, 0]);
      expect(await countsDuring(gateway, 10, { 'x-variant': 'unknown' })).toEqual([9, 1, 0]);

      gateway.gateway.reloadConfig(parseConfig(versions(0, 1), 'reloaded gateway.yaml'));
      expect(await countsDuring(gateway, 6)).toEqual([0, 6, 0]);
    } finally {
      await gateway.close();
    }
  });

  it('least-outstanding sends to the instance with the fewest requests in flight', async () => {
    const [slow, fast] = instances;
    slow!.setFault('slow');
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: {
        traffic: { all: { dedupe: false }, subgraphs: { products: { urls: [slow!.url, fast!.url], balance: 'least-outstanding' } } },
      },
    });
    try {
      const before = [slow!.requests, fast!.requests];
      // The first request occupies the slow instance; the next ones, while it is busy, go to the other one.
      const first = gateway.post(PRODUCTS_ONLY);
      await expectEventually(() => slow!.requests > before[0]!);
      for (let i = 0; i < 3; i++) expect((await gateway.post(PRODUCTS_ONLY)).body.errors).toBeUndefined();
      expect((await first).body.errors).toBeUndefined();
      expect([slow!.requests - before[0]!, fast!.requests - before[1]!]).toEqual([1, 3]);
    } finally {
      slow!.setFault('ok');
      await gateway.close();
    }
  });

  it('health checks take a failing instance out of rotation, report it on /ready, and put it back', async () => {
    const [a, b] = instances;
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: {
        traffic: {
          subgraphs: {
            products: { urls: [a!.url, b!.url], healthCheck: { interval: '50ms', unhealthyAfter: 2, healthyAfter: 2 } },
          },
        },
        admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      },
    });
    // Instances are operators' business: the admin listener's /ready lists them, the client port's does not.
    const ready = async () =>
      (await (await fetch(`${gateway.gateway.adminUrl}/ready`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    expect(await (await fetch(gateway.url.replace('/graphql', '/ready'))).json()).not.toHaveProperty('instances');
    try {
      a!.setFault('500-html');
      await expectEventually(async () => (await ready()).instances?.products?.[0]?.healthy === false);
      expect((await ready()).instances.products).toEqual([
        { instance: 'default/0', healthy: false, breaker: 'none', outstanding: 0 },
        { instance: 'default/1', healthy: true, breaker: 'none', outstanding: 0 },
      ]);
      const clientQueries = (instance: FaultSubgraph) => instance.received.filter(isClientQuery).length;
      const before = [clientQueries(a!), clientQueries(b!)];
      for (let i = 0; i < 4; i++) expect((await gateway.post(PRODUCTS_ONLY)).body.errors).toBeUndefined();
      expect([clientQueries(a!) - before[0]!, clientQueries(b!) - before[1]!]).toEqual([0, 4]);

      a!.setFault('ok');
      await expectEventually(async () => (await ready()).instances.products[0].healthy === true);
      for (let i = 0; i < 4; i++) expect((await gateway.post(PRODUCTS_ONLY)).body.errors).toBeUndefined();
      expect([clientQueries(a!) - before[0]!, clientQueries(b!) - before[1]!]).toEqual([2, 6]);

      // Closing the gateway stops the probes: no request reaches an instance afterwards.
      await gateway.close();
      const probesAtClose = a!.requests + b!.requests;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(a!.requests + b!.requests).toBe(probesAtClose);
    } finally {
      a!.setFault('ok');
      await gateway.close();
    }
  });
});

/** A request from a client's operation, not a health probe. */
function isClientQuery(request: { body: { query?: string } }): boolean {
  return request.body.query?.includes('topProducts') ?? false;
}
