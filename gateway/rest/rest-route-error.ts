/**
 * REST routes in gateway.yaml that do not validate against the supergraph at startup. `problems` holds one
 * line per problem, each naming its route (`rest route GET /api/v1/products/:upc: ...`); the gateway does
 * not start.
 */
export class RestRouteError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid REST routes (${count}): ${problems.join('; ')}`);
    this.name = 'RestRouteError';
    this.problems = problems;
  }
}
