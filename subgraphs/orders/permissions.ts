import { GraphQLError, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, not, or, rule, shield } from 'graphql-shield';
import type { DemoRequest } from '../shared/demo-subgraph.js';
import type { Order } from './data.js';

/**
 * Who is asking, from the identity headers the gateway sets (it deletes any client-sent copies first).
 * `userId` is set for a customer (a token with a subject); a machine client (an API key) has none.
 */
export interface Viewer {
  readonly userId: string | undefined;
  readonly scopes: readonly string[];
  /** From `x-user-role`, which the demo gateway.yaml maps from the `role` claim. */
  readonly role: string | undefined;
}

/** Staff (this scope, or role admin) may read every order; customers only their own. */
export const STAFF_SCOPE = 'orders:admin';

/**
 * The viewer of one request.
 *
 * @example viewerOf({ headers: { 'x-user-id': '1', 'x-user-scopes': 'orders:read' } }); // { userId: '1', scopes: ['orders:read'] }
 */
export function viewerOf(request: DemoRequest | undefined): Viewer {
  const headers = request?.headers ?? {};
  return {
    userId: headers['x-user-id'] || undefined,
    scopes: (headers['x-user-scopes'] ?? '').split(' ').filter(Boolean),
    role: headers['x-user-role'] || undefined,
  };
}

/** Whether the viewer may see every order, not just their own (staff, or a caller that is not a customer). */
export function seesAllOrders(viewer: Viewer): boolean {
  return viewer.userId === undefined || isStaffViewer(viewer);
}

function isStaffViewer(viewer: Viewer): boolean {
  return viewer.scopes.includes(STAFF_SCOPE) || viewer.role === 'admin';
}

// The fine-grained rule lives in the service (the gateway's @requiresScopes only asks for orders:read):
// a customer sees only orders they bought. The gateway never lets an anonymous caller reach Order.
const isCustomer = rule({ cache: 'contextual' })((_parent, _args, ctx: { viewer: Viewer }) => ctx.viewer.userId !== undefined);
const isStaff = rule({ cache: 'contextual' })((_parent, _args, ctx: { viewer: Viewer }) => isStaffViewer(ctx.viewer));
const boughtIt = rule({ cache: 'no_cache' })((order: Order, _args, ctx: { viewer: Viewer }) => order.buyerId === ctx.viewer.userId);

const permissions = shield(
  { Order: or(not(isCustomer), isStaff, boughtIt) },
  {
    fallbackRule: allow,
    allowExternalErrors: true,
    fallbackError: new GraphQLError('you may only see your own orders', { extensions: { code: 'FORBIDDEN' } }),
  },
);

/**
 * The orders schema with its graphql-shield permissions applied.
 *
 * @example const schema = withOrderPermissions(buildSubgraphSchema(...));
 */
export function withOrderPermissions(schema: GraphQLSchema): GraphQLSchema {
  return applyMiddleware(schema, permissions);
}
