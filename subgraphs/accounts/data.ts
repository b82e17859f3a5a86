/** Shoppers, seeded in memory. Accounts has no mutation, so the seed never changes. */

export type MembershipTier = 'STANDARD' | 'GOLD' | 'PLATINUM';
export type CountryCode = 'US' | 'DE' | 'FR' | 'GB' | 'JP';

export interface Address {
  street: string;
  city: string;
  postalCode: string;
  country: CountryCode;
}

export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
  tier: MembershipTier;
  address: Address | null;
  memberSince: string;
}

export const users: readonly User[] = [
  {
    id: '1',
    username: 'ada',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    tier: 'PLATINUM',
    address: { street: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
    memberSince: '2019-03-14',
  },
  {
    id: '2',
    username: 'alan',
    name: 'Alan Turing',
    email: 'alan@example.com',
    tier: 'GOLD',
    address: { street: '78 High Street', city: 'Wilmslow', postalCode: 'SK9 1AA', country: 'GB' },
    memberSince: '2020-06-23',
  },
  {
    id: '3',
    username: 'grace',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    tier: 'PLATINUM',
    address: { street: '500 Navy Way', city: 'Arlington', postalCode: '22202', country: 'US' },
    memberSince: '2018-12-09',
  },
  {
    id: '4',
    username: 'katherine',
    name: 'Katherine Johnson',
    email: 'katherine@example.com',
    tier: 'STANDARD',
    address: { street: '1 Langley Blvd', city: 'Hampton', postalCode: '23681', country: 'US' },
    memberSince: '2021-08-26',
  },
  {
    id: '5',
    username: 'konrad',
    name: 'Konrad Zuse',
    email: 'konrad@example.com',
    tier: 'GOLD',
    address: { street: 'Methfesselstrasse 7', city: 'Berlin', postalCode: '10965', country: 'DE' },
    memberSince: '2022-06-22',
  },
  {
    id: '6',
    username: 'tim',
    name: 'Tim Berners-Lee',
    email: 'tim@example.com',
    tier: 'STANDARD',
    // Nullable on purpose: a shopper without an address on file.
    address: null,
    memberSince: '2023-03-12',
  },
  {
    id: '7',
    username: 'marie',
    name: 'Marie Curie',
    email: 'marie@example.com',
    tier: 'STANDARD',
    address: { street: '11 Rue Pierre et Marie Curie', city: 'Paris', postalCode: '75005', country: 'FR' },
    memberSince: '2023-11-07',
  },
  {
    id: '8',
    username: 'hideo',
    name: 'Hideo Shima',
    email: 'hideo@example.com',
    tier: 'GOLD',
    address: { street: '2-1 Marunouchi', city: 'Tokyo', postalCode: '100-0005', country: 'JP' },
    memberSince: '2024-01-20',
  },
];

export function findUser(id: string): User | null {
  return users.find((user) => user.id === id) ?? null;
}

/** Nothing to undo: accounts' data is read-only. Present so every subgraph resets the same way. */
export function reset(): void {}
