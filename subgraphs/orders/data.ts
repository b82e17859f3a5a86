/** Orders, seeded in memory; createOrder and cancelOrder change them, `reset()` restores the seed. */

export type OrderStatus = 'PENDING' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
export type CountryCode = 'US' | 'DE' | 'FR' | 'GB' | 'JP';

export interface Address {
  street: string;
  city: string;
  postalCode: string;
  country: CountryCode;
}

export interface LineItem {
  upc: string;
  quantity: number;
}

export interface WarehouseKey {
  code: string;
  country: CountryCode;
}

export interface Order {
  id: string;
  buyerId: string;
  status: OrderStatus;
  placedAt: string;
  items: LineItem[];
  shippingAddress: Address | null;
  warehouse: WarehouseKey;
}

/**
 * Upcs of single products as last synchronised from products: only these can be ordered (bundles are
 * sold as their products). Unknown upcs are refused rather than stored, since LineItem.product is non-null.
 */
export const orderableUpcs: ReadonlySet<string> = new Set([
  '1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '1010',
]);

const LONDON: Address = { street: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const ARLINGTON: Address = { street: '500 Navy Way', city: 'Arlington', postalCode: '22202', country: 'US' };
const BERLIN: Address = { street: 'Methfesselstrasse 7', city: 'Berlin', postalCode: '10965', country: 'DE' };

function seed(): Order[] {
  return [
    {
      id: '1',
      buyerId: '1',
      status: 'DELIVERED',
      placedAt: '2025-05-02T09:15:00.000Z',
      items: [{ upc: '1007', quantity: 1 }, { upc: '1005', quantity: 1 }],
      shippingAddress: LONDON,
      warehouse: { code: 'HUB', country: 'GB' },
    },
    {
      id: '2',
      buyerId: '1',
      status: 'PENDING',
      placedAt: '2025-06-01T18:40:00.000Z',
      items: [{ upc: '1002', quantity: 2 }],
      shippingAddress: LONDON,
      warehouse: { code: 'HUB', country: 'GB' },
    },
    {
      id: '3',
      buyerId: '3',
      status: 'SHIPPED',
      placedAt: '2025-05-20T14:05:00.000Z',
      items: [{ upc: '1003', quantity: 1 }, { upc: '1008', quantity: 1 }, { upc: '1001', quantity: 3 }],
      shippingAddress: ARLINGTON,
      warehouse: { code: 'SEA-1', country: 'US' },
    },
    {
      id: '4',
      buyerId: '5',
      status: 'PENDING',
      placedAt: '2025-06-03T07:30:00.000Z',
      items: [{ upc: '1005', quantity: 2 }],
      shippingAddress: BERLIN,
      warehouse: { code: 'HUB', country: 'DE' },
    },
    {
      id: '5',
      buyerId: '2',
      status: 'CANCELLED',
      placedAt: '2025-04-11T11:00:00.000Z',
      items: [{ upc: '1004', quantity: 1 }],
      shippingAddress: null,
      warehouse: { code: 'NJ-2', country: 'US' },
    },
    {
      id: '6',
      buyerId: '8',
      status: 'SHIPPED',
      placedAt: '2025-05-28T23:10:00.000Z',
      items: [{ upc: '1006', quantity: 1 }, { upc: '1007', quantity: 1 }],
      shippingAddress: { street: '2-1 Marunouchi', city: 'Tokyo', postalCode: '100-0005', country: 'JP' },
      warehouse: { code: 'OSA-1', country: 'JP' },
    },
    {
      id: '7',
      buyerId: '3',
      status: 'PENDING',
      placedAt: '2025-06-04T16:20:00.000Z',
      items: [{ upc: '1010', quantity: 1 }],
      shippingAddress: ARLINGTON,
      warehouse: { code: 'SEA-1', country: 'US' },
    },
  ];
}

/** All orders, oldest id first. Mutated in place by createOrder and cancelOrder. */
export const orders: Order[] = seed();

/** Restores the seed orders. */
export function reset(): void {
  orders.splice(0, orders.length, ...seed());
}

export function findOrder(id: string): Order | null {
  return orders.find((order) => order.id === id) ?? null;
}

/**
 * Appends a PENDING order with the next numeric id. `placedAt` counts minutes from a fixed instant
 * instead of reading the clock, so responses stay identical from run to run.
 */
export function appendOrder(input: Pick<Order, 'buyerId' | 'items' | 'shippingAddress' | 'warehouse'>): Order {
  const nextId = orders.reduce((max, order) => Math.max(max, Number(order.id)), 0) + 1;
  const placedAt = new Date(Date.UTC(2025, 5, 10, 12, 0) + nextId * 60_000).toISOString();
  const order: Order = { id: String(nextId), status: 'PENDING', placedAt, ...input };
  orders.push(order);
  return order;
}
