import { defaultFieldResolver, GraphQLError, type GraphQLSchema, isObjectType } from 'graphql';
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

/**
 * The orders schema with its field rule applied: every field of an Order resolves only for a viewer who may
 * read that order — staff, a caller that is not a customer (a machine client), or the customer who bought
 * it; anyone else gets a FORBIDDEN error at that field. The fine-grained rule lives in the service (the
 * gateway's @requiresScopes only asks for orders:read); the gateway never lets an anonymous caller reach
 * Order.
 *
 * This used to be a graphql-shield rule. graphql-shield 7.6.5 (the latest) imports `isUndefined` from
 * `util`, which Node 23 removed, so the demo crashed on Node 24 and 26; the rule is small enough to state
 * directly as a resolver wrapper.
 *
 * @example const schema = withOrderPermissions(buildSubgraphSchema(...));
 */
export function withOrderPermissions(schema: GraphQLSchema): GraphQLSchema {
  const order = schema.getType('Order');
  if (!isObjectType(order)) throw new Error('the orders schema has no Order type');
  for (const field of Object.values(order.getFields())) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source: Order, args, context: { viewer: Viewer }, info) => {
      if (!mayRead(context.viewer, source)) {
        throw new GraphQLError('you may only see your own orders', { extensions: { code: 'FORBIDDEN' } });
      }
      return resolve(source, args, context, info);
    };
  }
  return schema;
}

function mayRead(viewer: Viewer, order: Order): boolean {
  return seesAllOrders(viewer) || order.buyerId === viewer.userId;
}
