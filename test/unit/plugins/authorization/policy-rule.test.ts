import { describe, expect, it } from 'vitest';
import { evaluatePolicyRule, type PolicyRule } from '../../../../gateway/plugins/authorization/policy-rule.js';
import type { Principal } from '../../../../gateway/request-context.js';
import { configIssues } from '../../../helpers/config-issues.js';

const principal: Principal = {
  subject: '42',
  clientId: 'web',
  scopes: ['orders:read'],
  claims: { role: 'support', groups: ['ops', 'eu'], amr: 'pwd mfa', level: 3 },
};

describe('evaluatePolicyRule', () => {
  it.each<[string, PolicyRule, boolean]>([
    ['claim equals', { claim: 'role', equals: 'support' }, true],
    ['claim equals a number by its spelling', { claim: 'level', equals: '3' }, true],
    ['claim in', { claim: 'role', in: ['admin', 'support'] }, true],
    ['claim in, no match', { claim: 'role', in: ['admin'] }, false],
    ['list claim contains', { claim: 'groups', contains: 'ops' }, true],
    ['space-separated claim contains', { claim: 'amr', contains: 'mfa' }, true],
    ['missing claim', { claim: 'tenant', equals: 'x' }, false],
    ['has scope', { scope: 'orders:read' }, true],
    ['all', { all: [{ scope: 'orders:read' }, { claim: 'role', equals: 'admin' }] }, false],
    ['any', { any: [{ scope: 'nope' }, { claim: 'role', equals: 'support' }] }, true],
    ['not', { not: { claim: 'role', equals: 'admin' } }, true],
  ])('%s', (_name, rule, expected) => {
    expect(evaluatePolicyRule(rule, principal)).toBe(expected);
  });

  it('an anonymous caller passes only rules that say so', () => {
    expect(evaluatePolicyRule({ not: { claim: 'role', equals: 'admin' } }, undefined)).toBe(true);
    expect(evaluatePolicyRule({ authenticated: false }, undefined)).toBe(true);
    expect(evaluatePolicyRule({ scope: 'orders:read' }, undefined)).toBe(false);
  });

  it('gateway.yaml refuses a rule that is none of the forms, naming the policy', () => {
    const issues = configIssues({ authorization: { policies: { admin: { claim: 'role', is: 'admin' } } } });
    expect(issues.join('\n')).toMatch(/authorization\.policies\.admin: expected a policy rule/);
  });
});
