// `npm run build` runs this after tsc: writes dist/gateway.schema.json, the JSON Schema of gateway.yaml that the
// package ships (package.json "exports": "./gateway.schema.json"). Generated at every build, like the compiled
// code, so it cannot drift from gateway/config/schema.ts. Imports no devDependency.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayConfigJsonSchemaText } from '../config/config-json-schema.js';
import { packageRoot } from './package-root.js';

const path = join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'dist', 'gateway.schema.json');
writeFileSync(path, gatewayConfigJsonSchemaText());
