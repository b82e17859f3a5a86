import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { startDemoSubgraphs } from '../../../subgraphs/index.js';
import { type DemoSubgraphs, startDemoGateway } from '../../helpers/demo-gateway.js';
import { type FaultSubgraph, startFaultSubgraph } from '../../helpers/fault-subgraph.js';
import { expectEventually } from './load.js';

const PRODUCTS_AND_ACCOUNTS = '{ me { name } product(upc: "1001") { name } }';

describe('traffic: header rules', () => {
  let demo: DemoSubgraphs;
  let products: FaultSubgraph;
  let accounts: FaultSubgraph;
  beforeAll(async () => {
    demo = await startDemoSubgraphs({ host: '127.0.0.1' });
    products = await startFaultSubgraph('ok', {
      upstream: demo.urls.products,
      responseHeaders: { 'set-cookie': ['a=1', 'b=2'], 'x-served-by': 'products', 'x-internal': 'no' },
    });
    accounts = await startFaultSubgraph('ok', {
      upstream: demo.urls.accounts,
      responseHeaders: { 'set-cookie': 'c=3', 'x-served-by': 'accounts' },
    });
  });
  afterAll(async () => {
    await products.close();
    await accounts.close();
    await demo.close();
  });

  const config = (conflict: string) => ({
    traffic: {
      all: {
        headers: {
          propagate: ['x-tenant', 'x-user-id'],
          propagateMatching: '^x-trace-',
          rename: { 'x-client': 'x-client-name' },
          insert: { 'x-gateway': 'atrium' },
          remove: ['x-trace-secret'],
          response: { propagate: ['set-cookie', 'x-served-by'], conflict },
        },
      },
      subgraphs: {
        products: { url: products.url, headers: { remove: ['x-tenant'] } },
        accounts: { url: accounts.url },
      },
    },
  });

  it('propagates, renames, inserts and removes request headers, per subgraph after all', async () => {
    const gateway = await startDemoGateway({ subgraphs: demo, config: config('append') });
    try {
      const { body } = await gateway.post(PRODUCTS_AND_ACCOUNTS, undefined, {
        'x-tenant': 't1',
        'x-trace-id': 'abc',
        'x-trace-secret': 'hidden',
        'x-client': 'web',
        'x-other': 'not forwarded',
      });
      expect(body.errors).toBeUndefined();
      const sentToAccounts = accounts.received.at(-1)!.headers;
      expect(sentToAccounts).toMatchObject({ 'x-tenant': 't1', 'x-trace-id': 'abc', 'x-client-name': 'web', 'x-gateway': 'atrium' });
      for (const name of ['x-trace-secret', 'x-other', 'x-client']) expect(sentToAccounts[name]).toBeUndefined();
      const sentToProducts = products.received.at(-1)!.headers;
      expect(sentToProducts).toMatchObject({ 'x-trace-id': 'abc', 'x-gateway': 'atrium' });
      expect(sentToProducts['x-tenant']).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it('runs before the plugin hooks, so a plugin can replace a forwarded identity header', async () => {
    const identity: AtriumPlugin = {
      name: 'identity',
      onSubgraphFetch({ request }) {
        request.headers['x-user-id'] = 'verified-42';
      },
    };
    const gateway = await startDemoGateway({ subgraphs: demo, config: config('first'), plugins: [identity] });
    try {
      await gateway.post(PRODUCTS_AND_ACCOUNTS, undefined, { 'x-user-id': 'forged' });
      expect(accounts.received.at(-1)!.headers['x-user-id']).toBe('verified-42');
    } finally {
      await gateway.close();
    }
  });

  it('identical queries in flight with different forwarded headers are not shared (dedupe key)', async () => {
    const gateway = await startDemoGateway({ subgraphs: demo, config: config('first') });
    try {
      const before = accounts.received.length;
      await Promise.all(['t1', 't2', 't1'].map((tenant) => gateway.post('{ me { name } }', undefined, { 'x-tenant': tenant })));
      const tenants = accounts.received.slice(before).map((request) => request.headers['x-tenant']);
      expect(new Set(tenants)).toEqual(new Set(['t1', 't2']));
    } finally {
      await gateway.close();
    }
  });

  it('passes selected response headers back: set-cookie as separate values, conflicts by the rule', async () => {
    for (const [conflict, expected] of [
      ['append', ['accounts', 'products']],
      ['first', 1],
      ['last', 1],
    ] as const) {
      const gateway = await startDemoGateway({ subgraphs: demo, config: config(conflict) });
      try {
        const { headers } = await gateway.post(PRODUCTS_AND_ACCOUNTS);
        expect(headers.getSetCookie().sort()).toEqual(['a=1', 'b=2', 'c=3']);
        expect(headers.get('x-internal')).toBeNull();
        const servedBy = headers.get('x-served-by')!.split(', ').sort();
        if (typeof expected === 'number') expect(servedBy).toHaveLength(expected);
        else expect(servedBy).toEqual(expected);
      } finally {
        await gateway.close();
      }
    }
  });
});

describe('traffic: shadow traffic', () => {
  it('mirrors the configured share, counts matches, differences and failures, and never changes the answer', async () => {
    const demo = await startDemoSubgraphs({ host: '127.0.0.1' });
    const shadow = await startFaultSubgraph('ok', { upstream: demo.urls.products });
    const gateway = await startDemoGateway({
      subgraphs: demo,
      config: { traffic: { subgraphs: { products: { shadow: { url: shadow.url, share: 0.5, timeout: '200ms' } } } } },
    });
    const counters = () => gateway.gateway.traffic.counters().products!.shadow;
    const ask = async () => {
      const { body } = await gateway.post('{ product(upc: "1001") { name } }');
      expect(body).toEqual({ data: { product: { name: 'The Patient Gardener' } } });
    };
    try {
      for (let i = 0; i < 4; i++) await ask();
      await expectEventually(() => counters().matched === 2);
      expect(shadow.requests).toBe(2);

      shadow.setFault('500-json-graphql-error');
      for (let i = 0; i < 2; i++) await ask();
      await expectEventually(() => counters().differed === 1);

      shadow.setFault('hang');
      for (let i = 0; i < 2; i++) await ask();
      await expectEventually(() => counters().failed === 1);

      await gateway.post('mutation { cancelOrder(id: "1") { id } }');
      expect(counters()).toEqual({ mirrored: 4, matched: 2, differed: 1, failed: 1, skipped: 0 });
    } finally {
      await gateway.close();
      await shadow.close();
      await demo.close();
    }
  });
});
