import { ERROR_CODES } from '../errors.js';
import { markdownTable } from './markdown-table.js';

/**
 * docs/errors.md: every code of {@link ERROR_CODES} with its HTTP status and description, in table order.
 * Written by `npm run docs`; test/unit/docs/reference-docs.test.ts fails when the committed file differs.
 */
export function renderErrorReference(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, { status, description }]) => [`\`${code}\``, String(status), description]);
  return `# Error reference

<!-- Generated from ERROR_CODES in gateway/errors.ts by \`npm run docs\`. Do not edit by hand. -->

Every error Atrium returns in a GraphQL response carries its code in \`extensions.code\`, so clients can
\`switch\` on the code rather than parse the message. The HTTP status is the response's status when the
error ends the whole request. An error about part of a result (one field, or one subgraph fetch while the
others succeed) is listed beside \`data\` with its \`path\`, and the response stays 200.

${markdownTable(['Code', 'HTTP status', 'Description'], rows)}
`;
}
