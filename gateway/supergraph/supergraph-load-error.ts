/**
 * A supergraph could not be loaded: supergraph.yaml is invalid, a subgraph's SDL could not be read or
 * fetched, or composition failed. `problems` holds one operator-facing line per problem, each naming the
 * file, subgraph or URL it is about; `message` is all of them joined.
 *
 * @example
 * try { await loadSupergraphSdl({ kind: 'config', path: 'supergraph.yaml' }, {}); }
 * catch (error) { if (error instanceof SupergraphLoadError) error.problems.forEach((line) => console.error(line)); }
 */
export class SupergraphLoadError extends Error {
  readonly problems: readonly string[];
  /**
   * Every problem may go away by itself: a subgraph that did not answer introspection (not started yet,
   * restarting, behind a proxy answering 5xx). The gateway retries those at startup instead of exiting.
   */
  readonly retryable: boolean;

  constructor(problems: readonly string[], options: { cause?: unknown; retryable?: boolean } = {}) {
    super(problems.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SupergraphLoadError';
    this.problems = problems;
    this.retryable = options.retryable ?? false;
  }
}
