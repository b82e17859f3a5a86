import { PROBLEM_JSON } from '../problem-json.js';

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** Error responses every route may give, by status: name in `components.responses` and description. */
const COMMON_RESPONSES = {
  '400': ['BadRequest', 'A parameter or the body is missing, malformed or of the wrong type; `parameter` and `in` name it.'],
  '404': ['NotFound', 'The resource does not exist (the operation answered null), or no route serves this path.'],
  '413': ['PayloadTooLarge', 'The request body exceeds the configured limit.'],
  '429': ['TooManyRequests', 'The client has spent its budget; retry after `Retry-After` seconds.'],
  '502': ['BadGateway', 'A subgraph failed and no usable data is left.'],
  '503': ['ServiceUnavailable', 'The gateway is loading, or this route does not validate against the current schema.'],
  '504': ['GatewayTimeout', 'A subgraph did not answer within its timeout.'],
} as const;

const SECURED_RESPONSES = {
  '401': ['Unauthorized', 'Credentials are missing or invalid; `WWW-Authenticate` says which are expected.'],
  '403': ['Forbidden', 'The caller may not run this route (a missing scope, or a policy).'],
} as const;

const RESPONSE_HEADERS: Readonly<Record<string, Record<string, unknown>>> = {
  TooManyRequests: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
  Unauthorized: { 'WWW-Authenticate': { description: 'The authentication scheme expected.', schema: { type: 'string' } } },
};

/**
 * The `Problem` schema (RFC 9457 plus Atrium's members) and the shared error responses that refer to it.
 *
 * @example
 * const { schemas, responses } = problemComponents();
 */
export function problemComponents(): { schemas: Record<string, unknown>; responses: Record<string, unknown> } {
  const responses: Record<string, unknown> = {};
  for (const [name, description] of [...Object.values(COMMON_RESPONSES), ...Object.values(SECURED_RESPONSES)]) {
    responses[name] = {
      description,
      ...(RESPONSE_HEADERS[name] && { headers: RESPONSE_HEADERS[name] }),
      content: { [PROBLEM_JSON]: { schema: PROBLEM_REF } },
    };
  }
  return { schemas: { Problem: problemSchema() }, responses };
}

/**
 * The error entries of one operation's `responses`, referring to the shared components; 401 and 403
 * only for a route that needs credentials.
 *
 * @example
 * problemResponsesFor({ secured: true })['401']; // { $ref: '#/components/responses/Unauthorized' }
 */
export function problemResponsesFor(options: { secured: boolean }): Record<string, unknown> {
  const entries = Object.entries({ ...COMMON_RESPONSES, ...(options.secured ? SECURED_RESPONSES : {}) });
  entries.sort(([a], [b]) => Number(a) - Number(b));
  return Object.fromEntries(entries.map(([status, [name]]) => [status, { $ref: `#/components/responses/${name}` }]));
}

function problemSchema(): Record<string, unknown> {
  const path = { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } };
  return {
    type: 'object',
    description: 'An RFC 9457 problem detail; `code` is a code of Atrium\'s error table (docs/errors.md) or a subgraph\'s own.',
    properties: {
      type: { type: 'string', format: 'uri-reference', description: '`urn:atrium:error:<code>`.' },
      title: { type: 'string', description: 'The reason phrase of the status.' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string', description: 'The request path.' },
      code: { type: 'string' },
      parameter: { type: 'string', description: 'For a 400 about one parameter: its name.' },
      in: { type: 'string', enum: ['path', 'query', 'body'], description: 'Where that parameter was expected.' },
      errors: {
        type: 'array',
        description: 'The GraphQL errors behind the problem.',
        items: {
          type: 'object',
          properties: { message: { type: 'string' }, code: { type: 'string' }, path, serviceName: { type: 'string' } },
          required: ['message'],
        },
      },
    },
    required: ['type', 'title', 'status', 'detail'],
  };
}
