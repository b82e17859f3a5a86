// `npm run docs`: writes docs/errors.md, docs/config.md and schema/gateway.schema.json (the JSON Schema of
// gateway.yaml committed for editors: `# yaml-language-server: $schema=./schema/gateway.schema.json`). Run from dist/ after a build, so the schema is
// read from its source, gateway/config/schema.ts and the feature config.ts files it imports, found from the
// package root: the compiled schema has no comments left. Imports the renderers (and through them `typescript`, a devDependency); nothing in the
// gateway runtime imports this.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayConfigJsonSchemaText } from '../config/config-json-schema.js';
import { packageRoot } from './package-root.js';
import { renderConfigReference } from './render-config-reference.js';
import { renderErrorReference } from './render-error-reference.js';

const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
const outputs = {
  'docs/errors.md': renderErrorReference(),
  'docs/config.md': renderConfigReference(join(root, 'gateway/config/schema.ts')),
  'schema/gateway.schema.json': gatewayConfigJsonSchemaText(),
};
for (const [path, text] of Object.entries(outputs)) {
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
