/**
 * A `/ready` document: `status` first (`pass`/`fail`), then the details; no detail may overwrite `status`.
 * The client port and the admin listener answer with it, each with the details it may show.
 *
 * @example readinessBody({ ready: true, details: { subgraphs: {} } }); // { status: 'pass', subgraphs: {} }
 */
export function readinessBody(readiness: { ready: boolean; details: Record<string, unknown> }): Record<string, unknown> {
  const body: Record<string, unknown> = { status: undefined, ...readiness.details };
  body.status = readiness.ready ? 'pass' : 'fail';
  return body;
}
