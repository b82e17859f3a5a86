/** Stock levels and warehouses, seeded in memory; orders never change stock in this demo. */

export type CountryCode = 'US' | 'DE' | 'FR' | 'GB' | 'JP';

export interface Warehouse {
  code: string;
  country: CountryCode;
  name: string;
  city: string;
}

/** A warehouse's compound key. */
export interface WarehouseKey {
  code: string;
  country: CountryCode;
}

export interface StockItem {
  sku: string;
  quantity: number;
  /** ISO date; null when the supplier feed has none, which makes restockDate fail on purpose. */
  restockDate: string | null;
  stockedAt: readonly WarehouseKey[];
}

// Two warehouses share the code HUB: only code + country identifies one (the compound key).
export const warehouses: readonly Warehouse[] = [
  { code: 'SEA-1', country: 'US', name: 'Seattle Fulfillment Center', city: 'Seattle' },
  { code: 'NJ-2', country: 'US', name: 'East Coast Hub', city: 'Edison' },
  { code: 'HUB', country: 'DE', name: 'Central Europe Hub', city: 'Kassel' },
  { code: 'HUB', country: 'GB', name: 'United Kingdom Hub', city: 'Birmingham' },
  { code: 'OSA-1', country: 'JP', name: 'Osaka Depot', city: 'Osaka' },
];

export const stock: readonly StockItem[] = [
  { sku: 'BOOK-100', quantity: 42, restockDate: '2025-07-01', stockedAt: [{ code: 'SEA-1', country: 'US' }, { code: 'HUB', country: 'GB' }] },
  { sku: 'BOOK-101', quantity: 7, restockDate: '2025-07-15', stockedAt: [{ code: 'NJ-2', country: 'US' }] },
  { sku: 'FUR-200', quantity: 3, restockDate: null, stockedAt: [{ code: 'SEA-1', country: 'US' }, { code: 'HUB', country: 'DE' }] },
  { sku: 'FUR-201', quantity: 0, restockDate: '2025-12-01', stockedAt: [] },
  { sku: 'KIT-300', quantity: 120, restockDate: '2025-06-20', stockedAt: [{ code: 'HUB', country: 'DE' }, { code: 'HUB', country: 'GB' }] },
  { sku: 'KIT-301', quantity: 0, restockDate: '2025-08-05', stockedAt: [{ code: 'OSA-1', country: 'JP' }] },
  { sku: 'ELE-400', quantity: 15, restockDate: '2025-06-28', stockedAt: [{ code: 'SEA-1', country: 'US' }, { code: 'OSA-1', country: 'JP' }] },
  { sku: 'ELE-401', quantity: 64, restockDate: '2025-07-10', stockedAt: [{ code: 'NJ-2', country: 'US' }] },
  { sku: 'KIT-302', quantity: 0, restockDate: '2026-01-15', stockedAt: [] },
  { sku: 'BOOK-102', quantity: 11, restockDate: '2025-09-01', stockedAt: [{ code: 'HUB', country: 'GB' }] },
];

export function warehouseKey(key: WarehouseKey): string {
  return `${key.code}:${key.country}`;
}

export function findWarehouse(key: WarehouseKey): Warehouse | null {
  return warehouses.find((w) => w.code === key.code && w.country === key.country) ?? null;
}

export function findStock(sku: string): StockItem | null {
  return stock.find((item) => item.sku === sku) ?? null;
}

/**
 * Shipping cost in US cents: free within the US above 100 USD, otherwise a base fee plus a fee per
 * started 500 g (higher abroad). Needs both required fields, which only products knows.
 */
export function shippingEstimate(input: { price: number; weight: number; to: CountryCode }): number {
  const parcels = Math.ceil(input.weight / 500);
  if (input.to === 'US') return input.price >= 10000 ? 0 : 499 + parcels * 100;
  return 1999 + parcels * 250;
}

/** Nothing to undo: inventory's data is read-only. Present so every subgraph resets the same way. */
export function reset(): void {}
