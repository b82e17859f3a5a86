import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { type DemoSubgraph, defineDemoSubgraph } from '../shared/demo-subgraph.js';
import { createEntityLoader } from '../shared/entity-loader.js';
import {
  type CountryCode,
  findStock,
  findWarehouse,
  reset,
  type StockItem,
  shippingEstimate,
  type Warehouse,
  type WarehouseKey,
  warehouseKey,
  warehouses,
} from './data.js';

/** Per-request state: fresh loaders, so no request sees another's cache. */
export interface InventoryContext {
  stock: DataLoader<string, StockItem | null, string>;
  warehouses: DataLoader<WarehouseKey, Warehouse | null, string>;
}

/** Inventory's view of a Product: its key plus whatever @requires fields the gateway sent. */
interface ProductRef {
  sku: string;
  price?: number;
  weight?: number;
}

function createContext(): InventoryContext {
  return {
    stock: createEntityLoader({ subgraph: 'inventory', entity: 'Product', lookup: (skus: readonly string[]) => skus.map(findStock) }),
    warehouses: createEntityLoader({
      subgraph: 'inventory',
      entity: 'Warehouse',
      lookup: (keys: readonly WarehouseKey[]) => keys.map(findWarehouse),
      keyOf: warehouseKey,
    }),
  };
}

async function stockOf(product: ProductRef, ctx: InventoryContext): Promise<StockItem> {
  const item = await ctx.stock.load(product.sku);
  if (!item) throw new GraphQLError(`no stock record for sku ${product.sku}`, { extensions: { code: 'NOT_FOUND' } });
  return item;
}

const resolvers = {
  Query: {
    warehouses: (_: unknown, args: { country?: CountryCode | null }) =>
      warehouses.filter((w) => !args.country || w.country === args.country),
    warehouse: (_: unknown, args: WarehouseKey) => findWarehouse(args),
  },
  Product: {
    // Keep the representation: it carries price and weight when the gateway honours @requires.
    __resolveReference: async (ref: ProductRef, ctx: InventoryContext) => ((await ctx.stock.load(ref.sku)) ? ref : null),
    inStock: async (product: ProductRef, _: unknown, ctx: InventoryContext) => (await stockOf(product, ctx)).quantity > 0,
    quantity: async (product: ProductRef, _: unknown, ctx: InventoryContext) => (await stockOf(product, ctx)).quantity,
    shippingEstimate: (product: ProductRef, args: { to: CountryCode }) => {
      if (typeof product.price !== 'number' || typeof product.weight !== 'number') {
        throw new GraphQLError('shippingEstimate needs price and weight: the gateway did not send the @requires fields', {
          extensions: { code: 'REQUIRES_FIELDS_MISSING' },
        });
      }
      return shippingEstimate({ price: product.price, weight: product.weight, to: args.to });
    },
    restockDate: async (product: ProductRef, _: unknown, ctx: InventoryContext) => {
      const { restockDate } = await stockOf(product, ctx);
      if (restockDate === null) {
        throw new GraphQLError(`The supplier feed for ${product.sku} is unavailable`, {
          extensions: { code: 'SUPPLIER_FEED_UNAVAILABLE' },
        });
      }
      return restockDate;
    },
    stockedAt: async (product: ProductRef, _: unknown, ctx: InventoryContext) =>
      (await stockOf(product, ctx)).stockedAt.map(findWarehouse),
  },
  Warehouse: {
    __resolveReference: (ref: WarehouseKey, ctx: InventoryContext) => ctx.warehouses.load(ref),
  },
};

/**
 * The inventory subgraph: stock and shipping for `Product` (joined by sku) and the `Warehouse`
 * entity (compound key code + country).
 *
 * @example const running = await serveDemoSubgraph(createInventorySubgraph());
 */
export function createInventorySubgraph(): DemoSubgraph<InventoryContext> {
  return defineDemoSubgraph({ name: 'inventory', resolvers, createContext, reset });
}
