import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { type DemoSubgraph, defineDemoSubgraph } from '../shared/demo-subgraph.js';
import type { DemoRequest } from '../shared/demo-subgraph.js';
import { createEntityLoader } from '../shared/entity-loader.js';
import {
  type Address,
  appendOrder,
  type CountryCode,
  findOrder,
  type LineItem,
  type Order,
  type OrderStatus,
  orderableUpcs,
  orders,
  reset,
  type WarehouseKey,
} from './data.js';
import { seesAllOrders, type Viewer, viewerOf, withOrderPermissions } from './permissions.js';

/** Per-request state: fresh loaders, so no request sees another's cache. */
export interface OrdersContext {
  orders: DataLoader<string, Order | null, string>;
  ordersByBuyer: DataLoader<string, Order[] | null, string>;
  unitsOrdered: DataLoader<string, number | null, string>;
  openOrdersByWarehouse: DataLoader<WarehouseKey, Order[] | null, string>;
  /** The caller, from the gateway's identity headers. */
  viewer: Viewer;
}

interface CreateOrderInput {
  buyerId: string;
  items: { upc: string; quantity: number }[];
  shippingAddress?: Address | null;
  warehouseCode: string;
  warehouseCountry: CountryCode;
}

const warehouseId = (key: WarehouseKey) => `${key.code}:${key.country}`;

function createContext(request?: DemoRequest): OrdersContext {
  return {
    viewer: viewerOf(request),
    orders: createEntityLoader({ subgraph: 'orders', entity: 'Order', lookup: (ids: readonly string[]) => ids.map(findOrder) }),
    ordersByBuyer: createEntityLoader({
      subgraph: 'orders',
      entity: 'User',
      lookup: (ids: readonly string[]) => ids.map((id) => orders.filter((order) => order.buyerId === id)),
    }),
    unitsOrdered: createEntityLoader({
      subgraph: 'orders',
      entity: 'Product',
      lookup: (upcs: readonly string[]) => upcs.map(unitsOrdered),
    }),
    openOrdersByWarehouse: createEntityLoader({
      subgraph: 'orders',
      entity: 'Warehouse',
      lookup: (keys: readonly WarehouseKey[]) =>
        keys.map((key) => orders.filter((o) => o.status === 'PENDING' && warehouseId(o.warehouse) === warehouseId(key))),
      keyOf: warehouseId,
    }),
  };
}

/** Units of a product in orders that were not cancelled. */
function unitsOrdered(upc: string): number {
  return orders
    .filter((order) => order.status !== 'CANCELLED')
    .flatMap((order) => order.items)
    .filter((item) => item.upc === upc)
    .reduce((sum, item) => sum + item.quantity, 0);
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

const resolvers = {
  Query: {
    order: (_: unknown, args: { id: string }) => findOrder(args.id),
    // A customer's list holds their own orders only (graphql-shield refuses any other Order they reach).
    orders: (_: unknown, args: { status?: OrderStatus | null; first: number }, ctx: OrdersContext) =>
      orders
        .filter((order) => seesAllOrders(ctx.viewer) || order.buyerId === ctx.viewer.userId)
        .filter((order) => !args.status || order.status === args.status)
        .slice(0, Math.max(0, args.first)),
  },
  Mutation: {
    createOrder: (_: unknown, { input }: { input: CreateOrderInput }) => {
      if (input.items.length === 0) throw badInput('an order needs at least one item');
      for (const item of input.items) {
        if (!orderableUpcs.has(item.upc)) throw badInput(`product ${item.upc} cannot be ordered`);
        if (item.quantity < 1) throw badInput(`quantity of ${item.upc} must be at least 1, got ${item.quantity}`);
      }
      return appendOrder({
        buyerId: input.buyerId,
        items: input.items.map((item) => ({ upc: item.upc, quantity: item.quantity })),
        shippingAddress: input.shippingAddress ?? null,
        warehouse: { code: input.warehouseCode, country: input.warehouseCountry },
      });
    },
    cancelOrder: (_: unknown, args: { id: string }) => {
      const order = findOrder(args.id);
      if (!order) return null;
      if (order.status === 'SHIPPED' || order.status === 'DELIVERED') {
        throw badInput(`order ${order.id} is ${order.status} and can no longer be cancelled`);
      }
      order.status = 'CANCELLED';
      return order;
    },
  },
  Order: {
    __resolveReference: (ref: { id: string }, ctx: OrdersContext) => ctx.orders.load(ref.id),
    buyer: (order: Order) => ({ id: order.buyerId }),
    itemCount: (order: Order) => order.items.reduce((sum, item) => sum + item.quantity, 0),
    fulfilledFrom: (order: Order) => order.warehouse,
  },
  LineItem: {
    product: (item: LineItem) => ({ upc: item.upc }),
  },
  User: {
    __resolveReference: async (ref: { id: string }, ctx: OrdersContext) => {
      await ctx.ordersByBuyer.load(ref.id);
      return { id: ref.id };
    },
    orders: async (user: { id: string }, args: { status?: OrderStatus | null; first: number }, ctx: OrdersContext) =>
      (seesAllOrders(ctx.viewer) || user.id === ctx.viewer.userId ? ((await ctx.ordersByBuyer.load(user.id)) ?? []) : [])
        .filter((order) => !args.status || order.status === args.status)
        .slice(0, Math.max(0, args.first)),
  },
  Product: {
    __resolveReference: async (ref: { upc: string }, ctx: OrdersContext) => ({
      upc: ref.upc,
      timesOrdered: (await ctx.unitsOrdered.load(ref.upc)) ?? 0,
    }),
    timesOrdered: async (product: { upc: string; timesOrdered?: number }, _: unknown, ctx: OrdersContext) =>
      product.timesOrdered ?? (await ctx.unitsOrdered.load(product.upc)) ?? 0,
  },
  Warehouse: {
    __resolveReference: async (ref: WarehouseKey, ctx: OrdersContext) => {
      await ctx.openOrdersByWarehouse.load(ref);
      return { code: ref.code, country: ref.country };
    },
    openOrders: async (warehouse: WarehouseKey, _: unknown, ctx: OrdersContext) =>
      (await ctx.openOrdersByWarehouse.load(warehouse)) ?? [],
  },
};

/**
 * The orders subgraph: `Order` and its mutations, plus the orders of a `User`, the sales of a
 * `Product` and the open orders of a `Warehouse` (compound key).
 *
 * @example const running = await serveDemoSubgraph(createOrdersSubgraph());
 */
export function createOrdersSubgraph(): DemoSubgraph<OrdersContext> {
  return defineDemoSubgraph({ name: 'orders', resolvers, createContext, reset, wrapSchema: withOrderPermissions });
}
