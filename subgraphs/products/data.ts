/** The catalog, seeded in memory. Products has no mutation, so the seed never changes. */

export type Category = 'BOOKS' | 'FURNITURE' | 'KITCHEN' | 'ELECTRONICS';

export interface Product {
  upc: string;
  sku: string;
  name: string;
  /** US cents. */
  price: number;
  /** Grams. */
  weight: number;
  category: Category;
  /** Null while the product is sold. */
  discontinuedReason: string | null;
  /** The reason may not be disclosed: resolving it fails on purpose (see products.graphql). */
  reasonUnderLegalReview?: true;
}

export interface Bundle {
  upc: string;
  name: string;
  discountPercent: number;
  productUpcs: readonly string[];
}

export const products: readonly Product[] = [
  { upc: '1001', sku: 'BOOK-100', name: 'The Patient Gardener', price: 2499, weight: 450, category: 'BOOKS', discontinuedReason: null },
  { upc: '1002', sku: 'BOOK-101', name: 'Federated Systems in Practice', price: 4599, weight: 900, category: 'BOOKS', discontinuedReason: null },
  { upc: '1003', sku: 'FUR-200', name: 'Oak Writing Desk', price: 34900, weight: 32000, category: 'FURNITURE', discontinuedReason: null },
  {
    upc: '1004',
    sku: 'FUR-201',
    name: 'Walnut Bookshelf',
    price: 21900,
    weight: 27000,
    category: 'FURNITURE',
    discontinuedReason: 'Supplier recall',
    reasonUnderLegalReview: true,
  },
  { upc: '1005', sku: 'KIT-300', name: 'Cast Iron Skillet', price: 3999, weight: 2300, category: 'KITCHEN', discontinuedReason: null },
  { upc: '1006', sku: 'KIT-301', name: 'Pour-Over Coffee Kettle', price: 5499, weight: 800, category: 'KITCHEN', discontinuedReason: null },
  { upc: '1007', sku: 'ELE-400', name: 'Noise-Cancelling Headphones', price: 19999, weight: 250, category: 'ELECTRONICS', discontinuedReason: null },
  { upc: '1008', sku: 'ELE-401', name: 'Mechanical Keyboard', price: 12900, weight: 1100, category: 'ELECTRONICS', discontinuedReason: null },
  {
    upc: '1009',
    sku: 'KIT-302',
    name: "Chef's Knife",
    price: 8900,
    weight: 300,
    category: 'KITCHEN',
    discontinuedReason: 'Replaced by KIT-303',
  },
  { upc: '1010', sku: 'BOOK-102', name: 'A Field Guide to Mushrooms', price: 1899, weight: 600, category: 'BOOKS', discontinuedReason: null },
];

export const bundles: readonly Bundle[] = [
  { upc: '2001', name: 'Home Office Starter', discountPercent: 10, productUpcs: ['1003', '1008'] },
  { upc: '2002', name: "Coffee Lover's Kit", discountPercent: 15, productUpcs: ['1005', '1006'] },
  { upc: '2003', name: 'Reading Nook', discountPercent: 5, productUpcs: ['1001', '1010', '1004'] },
];

/** Best sellers first; `topProducts(first: 5)` includes both deliberately failing products (1003, 1004). */
export const ranking: readonly string[] = ['1007', '1002', '1003', '1004', '1005', '1001', '1008', '1006', '1009', '1010'];

export function findProduct(upc: string): Product | null {
  return products.find((product) => product.upc === upc) ?? null;
}

export function findProductBySku(sku: string): Product | null {
  return products.find((product) => product.sku === sku) ?? null;
}

export function findBundle(upc: string): Bundle | null {
  return bundles.find((bundle) => bundle.upc === upc) ?? null;
}

/** Price after the bundle discount, rounded to the cent. */
export function bundlePrice(bundle: Bundle): number {
  const total = bundle.productUpcs.reduce((sum, upc) => sum + (findProduct(upc)?.price ?? 0), 0);
  return Math.round((total * (100 - bundle.discountPercent)) / 100);
}

/** Nothing to undo: products' data is read-only. Present so every subgraph resets the same way. */
export function reset(): void {}
