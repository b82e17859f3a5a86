import type { GatewayConfig } from '../config/schema.js';
import { createRouteTable } from '../rest/route-table.js';
import type { SchemaCheck } from './schema-checks.js';

/**
 * The publish check of REST routes: every route of gateway.yaml's `rest` section must still validate against
 * the candidate API schema, or the route would answer 503 once the schema goes live. Route files are read
 * once per check, so what is on disk now is what is checked.
 *
 * @example
 * const check = restRoutesCheck({ rest: config.rest, configDir: '.' });
 * await check.check({ apiSchema, supergraphSdl }); // ['rest route GET /api/v1/products/:upc: Cannot query field …']
 */
export function restRoutesCheck(options: { rest: GatewayConfig['rest']; configDir: string }): SchemaCheck {
  return {
    name: 'rest routes',
    check({ apiSchema }) {
      return createRouteTable(options.rest, { configDir: options.configDir }).useSchema(apiSchema);
    },
  };
}
