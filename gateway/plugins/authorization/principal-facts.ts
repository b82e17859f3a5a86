import { pathToFileURL } from 'node:url';
import type { Logger } from '../../logger.js';
import type { Principal } from '../../request-context.js';
import { evaluatePolicyRule, type PolicyRule } from './policy-rule.js';
import type { PrincipalFacts, SchemaRequirements } from './requirements.js';

/** A policy written in code: the user module's named exports. */
export type PolicyFunction = (principal: Principal | undefined) => boolean | Promise<boolean>;

/**
 * Imports the user's policy module and returns its function exports by name. Throws a message naming the
 * file when it cannot be imported.
 *
 * @example
 * const functions = await loadPolicyModule('/etc/atrium/policies.js'); // { isSupport: [Function] }
 */
export async function loadPolicyModule(path: string): Promise<Record<string, PolicyFunction>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(`authorization.policyModule: cannot import ${path}: ${(cause as Error).message}`, { cause });
  }
  const functions: Record<string, PolicyFunction> = {};
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === 'function') functions[name] = value as PolicyFunction;
  }
  return functions;
}

/**
 * Reduces a principal to the facts authorization depends on — authenticated or not, the scopes and the
 * passing policies among those the schema mentions — and a string key for them, so that an operation
 * filtered once is reused for every principal with the same facts. A policy that is neither a rule nor a
 * function, or a function that throws, is false.
 *
 * Where the schema's policies are all gateway.yaml rules (which read only the principal's claims), the
 * facts are kept per principal object (the auth plugin gives one frozen principal per verified token or
 * API key) and per requirements (one per supergraph), and the anonymous facts once per requirements, so a
 * client's next request reads them back instead of evaluating the rules again. A policy function may
 * depend on anything, so with one among the policies the facts are read for every request.
 *
 * @example
 * const readFacts = createFactsReader({ rules: config.policies, functions, logger });
 * const { facts, key } = await readFacts(context.principal, requirements); // key: '1|orders:read|admin'
 */
export function createFactsReader(options: {
  rules: Readonly<Record<string, PolicyRule>>;
  functions: Readonly<Record<string, PolicyFunction>>;
  logger: Logger;
}): (principal: Principal | undefined, requirements: SchemaRequirements) => Promise<Facts> {
  const { rules, functions, logger } = options;
  const evaluate = async (name: string, principal: Principal | undefined): Promise<boolean> => {
    if (Object.hasOwn(rules, name)) return evaluatePolicyRule(rules[name]!, principal);
    const policy = Object.hasOwn(functions, name) ? functions[name] : undefined;
    if (!policy) return false;
    try {
      return (await policy(principal)) === true;
    } catch (error) {
      logger.warn({ err: error, policy: name }, 'authorization: policy function threw; treating it as false');
      return false;
    }
  };
  const read = async (principal: Principal | undefined, requirements: SchemaRequirements): Promise<Facts> => {
    const scopes = new Set<string>();
    if (principal) for (const scope of principal.scopes) if (requirements.scopesUsed.has(scope)) scopes.add(scope);
    const policies = new Set<string>();
    for (const name of requirements.policiesUsed) if (await evaluate(name, principal)) policies.add(name);
    const key = `${principal ? 1 : 0}|${[...scopes].sort().join(' ')}|${[...policies].sort().join(' ')}`;
    return { facts: { authenticated: principal !== undefined, scopes, policies }, key };
  };
  /** Per requirements: whether every policy they use is a rule, and the anonymous facts once read. */
  const byRequirements = new WeakMap<SchemaRequirements, { readonly rulesOnly: boolean; anonymous?: Promise<Facts> }>();
  const byPrincipal = new WeakMap<Principal, WeakMap<SchemaRequirements, Promise<Facts>>>();
  return (principal, requirements) => {
    let known = byRequirements.get(requirements);
    if (known === undefined) {
      known = { rulesOnly: [...requirements.policiesUsed].every((name) => Object.hasOwn(rules, name)) };
      byRequirements.set(requirements, known);
    }
    if (!known.rulesOnly) return read(principal, requirements);
    if (principal === undefined) return (known.anonymous ??= read(undefined, requirements));
    let kept = byPrincipal.get(principal);
    if (kept === undefined) byPrincipal.set(principal, (kept = new WeakMap()));
    let facts = kept.get(requirements);
    if (facts === undefined) kept.set(requirements, (facts = read(principal, requirements)));
    return facts;
  };
}

/** What {@link createFactsReader} reads for one principal. */
type Facts = { readonly facts: PrincipalFacts; readonly key: string };
