import type DataLoader from 'dataloader';
import { type DemoSubgraph, defineDemoSubgraph } from '../shared/demo-subgraph.js';
import { createEntityLoader } from '../shared/entity-loader.js';
import { findUser, type MembershipTier, reset, type User, users } from './data.js';

/** Per-request state: fresh loaders, so no request sees another's cache. */
export interface AccountsContext {
  users: DataLoader<string, User | null, string>;
}

function createContext(): AccountsContext {
  return {
    users: createEntityLoader({ subgraph: 'accounts', entity: 'User', lookup: (ids: readonly string[]) => ids.map(findUser) }),
  };
}

const resolvers = {
  Query: {
    me: () => findUser('1'),
    user: (_: unknown, args: { id: string }) => findUser(args.id),
    users: (_: unknown, args: { first: number; tier?: MembershipTier | null }) =>
      users.filter((user) => !args.tier || user.tier === args.tier).slice(0, Math.max(0, args.first)),
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: AccountsContext) => ctx.users.load(ref.id),
  },
};

/**
 * The accounts subgraph: shoppers (`User`) and the shared `Address` value type.
 *
 * @example const running = await serveDemoSubgraph(createAccountsSubgraph());
 */
export function createAccountsSubgraph(): DemoSubgraph<AccountsContext> {
  return defineDemoSubgraph({ name: 'accounts', resolvers, createContext, reset });
}
