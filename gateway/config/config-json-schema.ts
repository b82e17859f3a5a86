import { z } from 'zod';
import { gatewayConfigSchema } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of gateway.yaml as a user writes it: zod's `toJSONSchema` of
 * {@link gatewayConfigSchema} in `input` mode, so durations and sizes accept `"10s"`/`"1mb"` as well as
 * numbers, and defaults are optional. The build writes it to `dist/gateway.schema.json`, which the package
 * ships for editors (`# yaml-language-server: $schema=...`). `${env.NAME}` placeholders are expanded before
 * validation at startup, so an editor may flag one where a number is expected; the gateway does not.
 *
 * @example
 * writeFileSync('gateway.schema.json', JSON.stringify(gatewayConfigJsonSchema(), null, 2));
 */
export function gatewayConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(gatewayConfigSchema, { io: 'input' });
  return {
    ...schema,
    title: 'Atrium gateway.yaml',
    description: 'The settings of the Atrium gateway. Reference: docs/config.md.',
  };
}

/**
 * {@link gatewayConfigJsonSchema} as the text of a file: two-space JSON and a final newline. The build writes it to
 * `dist/gateway.schema.json` and `npm run docs` to `schema/gateway.schema.json`, the copy committed for editors in
 * this repository; both must be byte for byte what this returns.
 */
export function gatewayConfigJsonSchemaText(): string {
  return `${JSON.stringify(gatewayConfigJsonSchema(), null, 2)}\n`;
}
