import type { GraphQLError } from 'graphql';

// Multipart HTTP as Apollo Client, Apollo Router and the incremental-delivery RFC frame it
// (https://github.com/graphql/graphql-over-http/blob/main/rfcs/IncrementalDelivery.md, and Apollo's
// "Multipart HTTP protocol for GraphQL Subscriptions"): each part is its own `content-type` header, a blank
// line and one JSON document between delimiters; the body ends with the close delimiter. Every chunk
// written ends with the delimiter after its part: a client parses a part when it sees the delimiter that
// ends it (Apollo Client does), so a part that waited for the next one would arrive one event late.

const PART_HEADERS = 'content-type: application/json; charset=utf-8';

/** The framing of one multipart body, for its boundary. */
export interface MultipartFraming {
  /** The response's `content-type`. */
  readonly contentType: string;
  /** The opening delimiter: the first bytes of the body. */
  readonly start: string;
  /** One part carrying a JSON text, with the delimiter that ends it. */
  part(json: string): string;
  /** What turns the last delimiter into the close delimiter. */
  readonly end: string;
}

/**
 * Framing for a boundary: `@defer` answers use `-` (Apollo Router's), subscriptions `graphql` (Apollo's
 * subscription protocol names it); clients read the boundary from `content-type` either way.
 *
 * @example
 * const framing = multipartFraming('-', 'deferSpec=20220824');
 * res.setHeader('content-type', framing.contentType); // multipart/mixed;boundary="-";deferSpec=20220824
 * res.write(framing.start + framing.part('{"data":{},"hasNext":true}'));
 */
export function multipartFraming(boundary: string, spec: string): MultipartFraming {
  const delimiter = `\r\n--${boundary}`;
  return {
    contentType: `multipart/mixed;boundary="${boundary}";${spec}`,
    start: delimiter,
    part: (json) => `\r\n${PART_HEADERS}\r\n\r\n${json}${delimiter}`,
    end: '--\r\n',
  };
}

/** The parameters of the multipart member of an Accept header, lower-cased; undefined without one. */
export function acceptedMultipart(accept: string | undefined): { deferSpec?: string; subscriptionSpec?: string } | undefined {
  if (!accept) return undefined;
  for (const member of accept.split(',')) {
    const [type, ...parameters] = member.split(';').map((piece) => piece.trim().toLowerCase());
    if (type !== 'multipart/mixed') continue;
    const found: { deferSpec?: string; subscriptionSpec?: string } = {};
    for (const parameter of parameters) {
      const [name, raw = ''] = parameter.split('=').map((piece) => piece.trim());
      const value = raw.replace(/^"|"$/g, '');
      if (name === 'deferspec') found.deferSpec = value;
      else if (name === 'subscriptionspec') found.subscriptionSpec = value;
    }
    return found;
  }
  return undefined;
}

/** An error as it goes into a part: its JSON form without the status hint the gateway keeps internally. */
export function partError(error: GraphQLError): Record<string, unknown> {
  const json = error.toJSON() as { extensions?: Record<string, unknown> };
  if (json.extensions && 'http' in json.extensions) {
    const { http: _http, ...extensions } = json.extensions;
    return { ...json, extensions };
  }
  return json;
}
