import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { type DemoSubgraph, defineDemoSubgraph } from '../shared/demo-subgraph.js';
import { createEntityLoader } from '../shared/entity-loader.js';
import {
  type Bundle,
  bundlePrice,
  bundles,
  findBundle,
  findProduct,
  findProductBySku,
  type Product,
  products,
  ranking,
  reset,
} from './data.js';

type Item = Product | Bundle;

/** Per-request state: fresh loaders, so no request sees another's cache. */
export interface ProductsContext {
  productsByUpc: DataLoader<string, Product | null, string>;
  productsBySku: DataLoader<string, Product | null, string>;
  itemsByUpc: DataLoader<string, Item | null, string>;
}

function createContext(): ProductsContext {
  return {
    productsByUpc: createEntityLoader({ subgraph: 'products', entity: 'Product', lookup: (upcs: readonly string[]) => upcs.map(findProduct) }),
    productsBySku: createEntityLoader({
      subgraph: 'products',
      entity: 'Product',
      lookup: (skus: readonly string[]) => skus.map(findProductBySku),
    }),
    itemsByUpc: createEntityLoader({
      subgraph: 'products',
      entity: 'ProductItem',
      lookup: (upcs: readonly string[]) => upcs.map((upc) => findProduct(upc) ?? findBundle(upc)),
    }),
  };
}

function itemType(item: Item): 'Product' | 'Bundle' {
  return 'sku' in item ? 'Product' : 'Bundle';
}

function matches(name: string, term: string): boolean {
  return name.toLowerCase().includes(term.toLowerCase());
}

const resolvers = {
  Query: {
    product: (_: unknown, args: { upc: string }) => findProduct(args.upc),
    productBySku: (_: unknown, args: { sku: string }) => findProductBySku(args.sku),
    topProducts: (_: unknown, args: { first: number }) =>
      ranking.slice(0, Math.max(0, args.first)).map((upc) => findProduct(upc)!),
    bundles: () => bundles,
    catalog: (_: unknown, args: { first: number }) => [...products, ...bundles].slice(0, Math.max(0, args.first)),
    search: (_: unknown, args: { term: string; first: number }) =>
      [...products, ...bundles].filter((item) => matches(item.name, args.term)).slice(0, Math.max(0, args.first)),
  },
  ProductItem: {
    __resolveReference: (ref: { upc: string }, ctx: ProductsContext) => ctx.itemsByUpc.load(ref.upc),
    __resolveType: itemType,
  },
  SearchResult: {
    __resolveType: itemType,
  },
  Product: {
    // Two keys: reviews and orders send { upc }, inventory's requests arrive with { sku }.
    __resolveReference: (ref: { upc?: string; sku?: string }, ctx: ProductsContext) =>
      ref.upc !== undefined ? ctx.productsByUpc.load(ref.upc) : ctx.productsBySku.load(ref.sku!),
    // Stale since inventory took the field over with @override; a gateway must never route here.
    inStock: () => true,
    discontinuedReason: (product: Product) => {
      if (product.reasonUnderLegalReview) {
        throw new GraphQLError(`The discontinuation reason of product ${product.upc} is under legal review`, {
          extensions: { code: 'REASON_UNDER_LEGAL_REVIEW' },
        });
      }
      return product.discontinuedReason;
    },
  },
  Bundle: {
    __resolveReference: async (ref: { upc: string }, ctx: ProductsContext) => {
      const item = await ctx.itemsByUpc.load(ref.upc);
      return item && itemType(item) === 'Bundle' ? item : null;
    },
    price: bundlePrice,
    products: (bundle: Bundle) => bundle.productUpcs.map((upc) => findProduct(upc)!),
  },
};

/**
 * The products subgraph: the catalog (`Product` with keys upc and sku, `Bundle`), the `ProductItem`
 * entity interface and the `SearchResult` union.
 *
 * @example const running = await serveDemoSubgraph(createProductsSubgraph());
 */
export function createProductsSubgraph(): DemoSubgraph<ProductsContext> {
  return defineDemoSubgraph({ name: 'products', resolvers, createContext, reset });
}
