import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { closedPortUrl, type Fault, type FaultSubgraph, startFaultSubgraph } from '../../helpers/fault-subgraph.js';
import { expectEventually, runBoundedLoad } from './load.js';

const PRODUCTS_ONLY = '{ topProducts(first: 2) { upc name } }';
const PRODUCTS_AND_ACCOUNTS = '{ me { name } product(upc: "1001") { name } }';
const CREATE_ORDER = `mutation { createOrder(input: { buyerId: "4", items: [{ upc: "1008", quantity: 1 }],
  shippingAddress: { street: "1 Main St", city: "Hampton", postalCode: "23681", country: US }, warehouseCode: "NJ-2" }) { id } }`;

describe('traffic: retries, breaker, deadline and faults, against real servers', () => {
  let demo: DemoSubgraphs;
  let a: FaultSubgraph;
  let b: FaultSubgraph;
  beforeAll(async () => {
    demo = await startDemoSubgraphs({ host: '127.0.0.1' });
    a = await startFaultSubgraph('ok', { upstream: demo.urls.products });
    b = await startFaultSubgraph('ok', { upstream: demo.urls.products });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await demo.close();
  });

  const productsOn = (urls: string[], extra: Record<string, unknown> = {}, all: Record<string, unknown> = {}) => ({
    traffic: { all, subgraphs: { products: { urls, ...extra } } },
  });

  it.each<Fault>(['500-html', 'html-200', 'truncated-json', 'reset', '503-json', 'hang'])(
    'a retry on the other instance hides one instance answering %s',
    async (fault) => {
      a.setFault(fault);
      const gateway = await startDemoGateway({
        subgraphs: demo,
        config: productsOn([a.url, b.url], { timeout: '300ms', retry: { attempts: 1, backoff: '1ms' } }, { dedupe: false }),
      });
      const queriesAtA = () => a.received.filter((request) => request.body.query?.includes('topProducts')).length;
      const before = queriesAtA();
      try {
        for (let i = 0; i < 4; i++) {
          const { status, body } = await gateway.post(PRODUCTS_ONLY);
          expect(status).toBe(200);
          expect(body.errors).toBeUndefined();
          expect(body.data.topProducts).toHaveLength(2);
        }
        // Every query that reached the faulty instance was retried on the other one.
        expect(queriesAtA() - before).toBeGreaterThan(0);
        expect(gateway.gateway.traffic.counters().products!.retries).toBe(queriesAtA() - before);
      } finally {
        a.setFault('ok');
        await gateway.close();
      }
    },
  );

  it('retries a flapping instance until it answers; a slow one within its timeout is just slow', async () => {
    a.setFault('flap');
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: productsOn([a.url], { timeout: '2s', retry: { attempts: 2, backoff: '1ms', minPerSecond: 100 } }),
    });
    try {
      for (let i = 0; i < 6; i++) expect((await gateway.post(PRODUCTS_ONLY)).body.errors).toBeUndefined();
      a.setFault('slow');
      expect((await gateway.post(PRODUCTS_ONLY)).body.errors).toBeUndefined();
    } finally {
      a.setFault('ok');
      await gateway.close();
    }
  });

  it('never repeats a mutation, while the same subgraph\'s queries are retried', async () => {
    const orders = await startFaultSubgraph('503-json');
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: { traffic: { subgraphs: { orders: { url: orders.url, retry: { attempts: 3, backoff: '1ms', minPerSecond: 100 } } } } },
    });
    try {
      const mutation = await gateway.post(CREATE_ORDER);
      expect(mutation.body.data).toEqual({ createOrder: null });
      expect(mutation.body.errors[0].extensions.serviceName).toBe('orders');
      const received = () => orders.received.map((request) => (request.body.query?.includes('createOrder') ? 'mutation' : 'query'));
      expect(received()).toEqual(['mutation']);

      await gateway.post('{ orders(first: 1) { id } }');
      expect(received()).toEqual(['mutation', 'query', 'query', 'query', 'query']);
    } finally {
      await gateway.close();
      await orders.close();
    }
  });

  it('the retry budget stops retries when it is spent', async () => {
    a.setFault('reset');
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: productsOn([a.url], { retry: { attempts: 3, backoff: '1ms', budget: 0, minPerSecond: 0 } }),
    });
    try {
      const before = a.requests;
      for (let i = 0; i < 3; i++) {
        expect((await gateway.post(PRODUCTS_ONLY)).body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
      }
      expect(a.requests - before).toBe(3);
      expect(gateway.gateway.traffic.counters().products).toMatchObject({ retries: 0, retriesRefused: 3 });
    } finally {
      a.setFault('ok');
      await gateway.close();
    }
  });

  it('opens the breaker after consecutive failures, fails fast with the rest of the data, and recovers through half-open', async () => {
    a.setFault('reset');
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: { traffic: { subgraphs: { products: { url: a.url, breaker: { enabled: true, failures: 3, openFor: '200ms' } } } } },
    });
    const states: string[] = [];
    gateway.gateway.traffic.events.on('breaker', (event: { state: string }) => states.push(event.state));
    const breaker = () => gateway.gateway.traffic.health().products![0]!.breaker;
    try {
      for (let i = 0; i < 3; i++) await gateway.post(PRODUCTS_AND_ACCOUNTS);
      expect(breaker()).toBe('open');
      const before = a.requests;
      const fast = await gateway.post(PRODUCTS_AND_ACCOUNTS);
      expect(fast.status).toBe(200);
      expect(fast.body.data.me).toEqual({ name: expect.any(String) });
      expect(fast.body.errors).toEqual([
        expect.objectContaining({
          message: 'subgraph "products" is unavailable: circuit breaker open',
          extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'products' }),
        }),
      ]);
      expect(a.requests).toBe(before);

      // Half-open: one trial; it fails, so the breaker opens again.
      await expectEventually(() => breaker() === 'half-open');
      await gateway.post(PRODUCTS_ONLY);
      expect(a.requests).toBe(before + 1);
      expect(breaker()).toBe('open');

      a.setFault('ok');
      await expectEventually(() => breaker() === 'half-open');
      expect((await gateway.post(PRODUCTS_ONLY)).body.errors).toBeUndefined();
      expect(breaker()).toBe('closed');
      expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
      expect(gateway.gateway.traffic.counters().products).toMatchObject({ breakerOpened: 2, failedFast: 1 });
    } finally {
      a.setFault('ok');
      await gateway.close();
    }
  });

  it('the request deadline ends hanging fetches with GATEWAY_TIMEOUT and returns the rest', async () => {
    const hanging = await startFaultSubgraph('hang');
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: { traffic: { requestTimeout: '300ms', subgraphs: { accounts: { url: hanging.url, timeout: '30s' } } } },
    });
    try {
      const { status, body } = await gateway.post(PRODUCTS_AND_ACCOUNTS);
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: null, product: { name: 'The Patient Gardener' } });
      expect(body.errors).toEqual([
        expect.objectContaining({
          message: 'the request did not complete within 300 ms (traffic.requestTimeout)',
          extensions: expect.objectContaining({ code: 'GATEWAY_TIMEOUT', serviceName: 'accounts' }),
        }),
      ]);
    } finally {
      await gateway.close();
      await hanging.close();
    }
  });

  it('an instance killed and restarted under a bounded load: zero failed requests', async () => {
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: productsOn([a.url, b.url], {
        healthCheck: { interval: '50ms', unhealthyAfter: 1, healthyAfter: 1 },
        retry: { attempts: 2, backoff: '5ms', budget: 0.5 },
      }),
    });
    try {
      let killed: Promise<void> | undefined;
      let restarted: Promise<void> | undefined;
      const { completed, failures } = await runBoundedLoad(gateway, {
        query: PRODUCTS_ONLY,
        total: 300,
        concurrency: 8,
        onProgress(done) {
          if (done === 60) killed = a.kill();
          if (done === 180) restarted = killed!.then(() => a.restart());
        },
      });
      await restarted;
      expect(completed).toBe(300);
      expect(failures).toEqual([]);
      await expectEventually(() => gateway.gateway.traffic.health().products![0]!.healthy);
    } finally {
      await gateway.close();
    }
  });

  it('a canary weight change under a bounded load: zero failed requests, the new weights apply', async () => {
    const versions = (stable: number, canary: number) =>
      parseConfig(
        { traffic: { subgraphs: { products: { versions: { stable: { weight: stable, urls: [a.url] }, canary: { weight: canary, urls: [b.url] } } } } } },
        'gateway.yaml',
      );
    const gateway = await startDemoGateway({ subgraphs: demo, config: { traffic: { subgraphs: { products: { url: a.url } } } } });
    try {
      gateway.gateway.reloadConfig(versions(95, 5));
      let canaryAtSwitch = 0;
      const { completed, failures } = await runBoundedLoad(gateway, {
        query: PRODUCTS_ONLY,
        total: 300,
        concurrency: 8,
        onProgress(done) {
          if (done === 100) gateway.gateway.reloadConfig(versions(50, 50));
          if (done === 200) {
            gateway.gateway.reloadConfig(versions(0, 100));
            canaryAtSwitch = b.requests;
          }
        },
      });
      expect(completed).toBe(300);
      expect(failures).toEqual([]);
      const stableBefore = a.requests;
      for (let i = 0; i < 5; i++) await gateway.post(PRODUCTS_ONLY);
      expect(a.requests).toBe(stableBefore);
      expect(b.requests).toBeGreaterThan(canaryAtSwitch);
    } finally {
      await gateway.close();
    }
  });

  it('a reload that removes a subgraph url routes its fetches by the supergraph again; one that sets it, to the new url', async () => {
    const nowhere = await closedPortUrl();
    const gateway = await startDemoGateway({ subgraphs: demo, config: { traffic: { subgraphs: { products: { url: nowhere.url } } } } });
    const codes = async () => ((await gateway.post(PRODUCTS_ONLY)).body.errors ?? []).map((error: { extensions?: { code?: string } }) => error.extensions?.code);
    try {
      expect(await codes()).toEqual(['SUBGRAPH_UNAVAILABLE']);
      const swapped = gateway.gateway.supergraph.status().reloads.succeeded;
      gateway.gateway.reloadConfig(parseConfig({ traffic: { subgraphs: { products: { timeout: '5s' } } } }, 'gateway.yaml'));
      // The routing URL is the engine's: the new one is swapped in like a hot reload.
      await expectEventually(() => gateway.gateway.supergraph.status().reloads.succeeded === swapped + 1);
      const { status, body } = await gateway.post(PRODUCTS_ONLY);
      expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });

      const before = a.requests;
      gateway.gateway.reloadConfig(parseConfig({ traffic: { subgraphs: { products: { url: a.url } } } }, 'gateway.yaml'));
      await expectEventually(() => gateway.gateway.supergraph.status().reloads.succeeded === swapped + 2);
      expect(await codes()).toEqual([]);
      expect(a.requests).toBeGreaterThan(before);
    } finally {
      await gateway.close();
    }
  });
});
