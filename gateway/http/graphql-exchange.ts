/** One GraphQL request as the HTTP layer received it. */
export interface HttpGraphQLRequest {
  method: string;
  /** Lower-case names; repeated headers comma-joined. */
  headers: Map<string, string>;
  /** The query string with its leading `?`, or `''`. */
  search: string;
  /** The parsed JSON object of a POST (an array for a batch); `undefined` for GET. */
  body: unknown;
}

/** What the GraphQL handler answers; a body given as chunks is streamed (incremental delivery). */
export interface HttpResponse {
  status: number;
  headers: Map<string, string>;
  body: string | AsyncIterable<string>;
  /** Codes of the GraphQL errors in the body, when the producer knows them (for access logs and metrics). */
  errorCodes?: readonly string[];
}
