import { describe, expect, it } from 'vitest';
import { gatewayConfigJsonSchema } from '../../../gateway/config/config-json-schema.js';
import { gatewayConfigSchema } from '../../../gateway/config/schema.js';

// Issue 19, item 1: the JSON Schema the package ships as dist/gateway.schema.json (written by the build).

describe('gatewayConfigJsonSchema', () => {
  const schema = gatewayConfigJsonSchema() as any;

  it('is a draft 2020-12 schema of every top-level section, rejecting unknown keys as the gateway does', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(gatewayConfigSchema.shape).sort());
    expect(schema.properties.server.additionalProperties).toBe(false);
  });

  it('describes the input a user writes: optional keys with their defaults, durations as text or numbers', () => {
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties.server.properties.host.default).toBe('0.0.0.0');
    expect(schema.properties.server.properties.shutdownGrace.type).toEqual(['number', 'string']);
  });
});
