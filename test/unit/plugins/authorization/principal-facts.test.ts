import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../gateway/logger.js';
import { createFactsReader, type PolicyFunction } from '../../../../gateway/plugins/authorization/principal-facts.js';
import type { SchemaRequirements } from '../../../../gateway/plugins/authorization/requirements.js';
import type { Principal } from '../../../../gateway/request-context.js';

const logger = createLogger({ level: 'silent' });
const principal = (role: string): Principal => Object.freeze({ subject: role, clientId: 'web', scopes: ['orders:read', 'other'], claims: { role } });
const requirements = (policies: string[]): SchemaRequirements => ({
  types: new Map(),
  fields: new Map(),
  scopesUsed: new Set(['orders:read']),
  policiesUsed: new Set(policies),
  empty: false,
});

describe('createFactsReader', () => {
  it('reads scopes and passing policies into facts and their key', async () => {
    const read = createFactsReader({ rules: { support: { claim: 'role', equals: 'support' } }, functions: { always: () => true }, logger });
    const { facts, key } = await read(principal('support'), requirements(['support', 'always', 'missing']));
    expect(facts).toEqual({ authenticated: true, scopes: new Set(['orders:read']), policies: new Set(['support', 'always']) });
    expect(key).toBe('1|orders:read|always support');
    expect((await read(undefined, requirements(['support']))).key).toBe('0||');
  });

  it('keeps the facts per principal and requirements when every policy is a rule', async () => {
    const read = createFactsReader({ rules: { support: { claim: 'role', equals: 'support' } }, functions: {}, logger });
    const support = principal('support');
    const schema = requirements(['support']);
    const first = await read(support, schema);
    expect(await read(support, schema)).toBe(first);
    // Another principal with other claims, another supergraph's requirements, no principal: each their own.
    expect((await read(principal('sales'), schema)).key).toBe('1|orders:read|');
    expect(await read(support, requirements(['support']))).not.toBe(first);
    expect(await read(undefined, schema)).toBe(await read(undefined, schema));
  });

  it('reads the facts for every request when a policy is a function (it may depend on anything)', async () => {
    let calls = 0;
    const open: PolicyFunction = () => ++calls % 2 === 1;
    const read = createFactsReader({ rules: { support: { claim: 'role', equals: 'support' } }, functions: { open }, logger });
    const support = principal('support');
    const schema = requirements(['support', 'open']);
    expect((await read(support, schema)).key).toBe('1|orders:read|open support');
    expect((await read(support, schema)).key).toBe('1|orders:read|support');
    expect(calls).toBe(2);
  });
});
