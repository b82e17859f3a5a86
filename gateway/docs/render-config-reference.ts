// Imports read-config-schema.ts, so `typescript` (a devDependency): only the docs script and its test may
// import this module, never the gateway runtime.
import { readFileSync } from 'node:fs';
import { markdownTable } from './markdown-table.js';
import { type ConfigField, readConfigSchema } from './read-config-schema.js';

// A short gateway.yaml showing each section once. test/unit/docs/reference-docs.test.ts parses it with the
// real schema, so an example that stops being valid fails the build like an out-of-date table does.
const EXAMPLE_YAML = `server:
  port: 8080
  bodyLimit: 2mb
graphql:
  introspection: false
traffic:
  all:
    timeout: 10s
  subgraphs:
    products:
      timeout: 2s
      url: \${env.PRODUCTS_URL}
engine:
  executor: atrium
log:
  level: warn
`;

/**
 * docs/config.md from the TSDoc of the gateway.yaml schema at `schemaSourcePath` (gateway/config/schema.ts,
 * which assembles it from each feature's config.ts): an example, then one section per top-level key with a
 * table of key path, default and description. Entries of a record show as `<name>` in the path
 * (`traffic.subgraphs.<name>.url`), entries of a list as `[]` (`rest.routes[].path`). Throws when a field
 * has no TSDoc or a leaf has no `@default` (see {@link readConfigSchema}).
 *
 * @example
 * writeFileSync('docs/config.md', renderConfigReference('gateway/config/schema.ts'));
 */
export function renderConfigReference(schemaSourcePath: string): string {
  const fields = readConfigSchema(readFileSync(schemaSourcePath, 'utf8'), schemaSourcePath);
  const sections = fields.map((field) => {
    const rows = field.kind === 'value' ? rowsOf(field, '') : field.fields.flatMap((child) => rowsOf(child, childPrefix(field, field.key)));
    return `## \`${field.key}\`\n\n${field.description}\n\n${markdownTable(['Key', 'Default', 'Description'], rows)}\n`;
  });
  return `# Configuration reference

<!-- Generated from the TSDoc comments in gateway/config/schema.ts by \`npm run docs\`. Do not edit by hand. -->

Atrium reads its settings from a \`gateway.yaml\` (\`atrium serve --config gateway.yaml\`). Every key is
optional: a key left out takes the default below, and the gateway runs without the file at all. Unknown
keys are rejected with their path. Values may use \`\${env.NAME}\` or \`\${env.NAME:-fallback}\`. Durations
are milliseconds or strings such as \`"500ms"\`, \`"30s"\`, \`"2m"\`; sizes are bytes or strings such as
\`"512kb"\`, \`"1mb"\`.

\`\`\`yaml
${EXAMPLE_YAML}\`\`\`

${sections.join('\n')}`;
}

/** The row of `field` at `prefix` and the rows of everything nested in it. */
function rowsOf(field: ConfigField, prefix: string): string[][] {
  const path = prefix + field.key;
  const row = [`\`${path}\``, formatDefault(field.default), field.description];
  return [row, ...field.fields.flatMap((child) => rowsOf(child, childPrefix(field, path)))];
}

function childPrefix(field: ConfigField, path: string): string {
  if (field.kind === 'record') return `${path}.<name>.`;
  return field.kind === 'list' ? `${path}[].` : `${path}.`;
}

// A literal or a key path (`4000`, `"1mb"`, `{}`, `traffic.all.timeout`) reads best as code; a phrase
// (`the supergraph's routing URL`) as prose.
function formatDefault(text: string | undefined): string {
  if (text === undefined) return '';
  return /\s/.test(text) ? text : `\`${text}\``;
}
