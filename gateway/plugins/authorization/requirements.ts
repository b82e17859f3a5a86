import type { Supergraph } from '@apollo/federation-internals';

/**
 * What one schema element (a type or a field) demands, from `@authenticated`, `@requiresScopes` and
 * `@policy`. `scopes` and `policies` hold one entry per directive application; each entry is an OR of
 * AND-lists (`[["a", "b"], ["c"]]` = a and b, or c). All entries must pass: composition joins the
 * requirements several subgraphs put on one element with AND.
 */
export interface Requirement {
  readonly authenticated: boolean;
  readonly scopes: readonly (readonly (readonly string[])[])[];
  readonly policies: readonly (readonly (readonly string[])[])[];
}

/** The policy directives of a whole supergraph, indexed for the operation walk. */
export interface SchemaRequirements {
  /** By type name (objects, interfaces, scalars, enums). */
  readonly types: ReadonlyMap<string, Requirement>;
  /** By `Type.field`. */
  readonly fields: ReadonlyMap<string, Requirement>;
  /** Every scope and every policy name some directive mentions: the only facts about a principal that matter. */
  readonly scopesUsed: ReadonlySet<string>;
  readonly policiesUsed: ReadonlySet<string>;
  /** True when the supergraph uses none of the three directives (authorization then costs nothing). */
  readonly empty: boolean;
}

const SPECS = {
  authenticated: 'https://specs.apollo.dev/authenticated',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes',
  policy: 'https://specs.apollo.dev/policy',
} as const;

/**
 * Reads `@authenticated`, `@requiresScopes` and `@policy` from a supergraph (under whatever names its
 * `@link`s give them). Pure; done once per supergraph version.
 *
 * @example
 * const requirements = readRequirements(loaded.supergraph);
 * requirements.fields.get('User.email'); // { authenticated: true, scopes: [], policies: [] }
 */
export function readRequirements(supergraph: Supergraph): SchemaRequirements {
  const schema = supergraph.schema;
  const nameOf = (identity: string, name: string) => schema.coreFeatures?.getByIdentity(identity)?.directiveNameInSchema(name);
  const names = {
    authenticated: nameOf(SPECS.authenticated, 'authenticated'),
    requiresScopes: nameOf(SPECS.requiresScopes, 'requiresScopes'),
    policy: nameOf(SPECS.policy, 'policy'),
  };
  const types = new Map<string, Requirement>();
  const fields = new Map<string, Requirement>();
  const scopesUsed = new Set<string>();
  const policiesUsed = new Set<string>();

  const requirementOf = (element: { appliedDirectives: readonly { name: string; arguments(): Record<string, unknown> }[] }) => {
    let authenticated = false;
    const scopes: string[][][] = [];
    const policies: string[][][] = [];
    for (const directive of element.appliedDirectives) {
      if (directive.name === names.authenticated) authenticated = true;
      else if (directive.name === names.requiresScopes) scopes.push(alternatives(directive.arguments().scopes, scopesUsed));
      else if (directive.name === names.policy) policies.push(alternatives(directive.arguments().policies, policiesUsed));
    }
    return authenticated || scopes.length > 0 || policies.length > 0 ? { authenticated, scopes, policies } : undefined;
  };

  if (names.authenticated || names.requiresScopes || names.policy) {
    for (const type of schema.types()) {
      if (type.isBuiltIn) continue;
      const own = requirementOf(type);
      if (own) types.set(type.name, own);
      if (type.kind !== 'ObjectType' && type.kind !== 'InterfaceType') continue;
      for (const field of type.fields()) {
        const requirement = requirementOf(field);
        if (requirement) fields.set(`${type.name}.${field.name}`, requirement);
      }
    }
  }
  return { types, fields, scopesUsed, policiesUsed, empty: types.size === 0 && fields.size === 0 };
}

function alternatives(value: unknown, used: Set<string>): string[][] {
  if (!Array.isArray(value)) return [];
  return value.map((inner) => {
    const all = Array.isArray(inner) ? inner.filter((item): item is string => typeof item === 'string') : [];
    for (const item of all) used.add(item);
    return all;
  });
}

/** The facts about a principal that decide every requirement. */
export interface PrincipalFacts {
  readonly authenticated: boolean;
  readonly scopes: ReadonlySet<string>;
  /** Names of the policies that evaluated true. */
  readonly policies: ReadonlySet<string>;
}

/**
 * Whether a principal with these facts meets a requirement: authenticated when asked, and for every
 * `@requiresScopes`/`@policy` entry at least one inner list held completely (an anonymous request holds no
 * scope; a policy decides for itself whether it passes without a principal).
 *
 * @example
 * isMet({ authenticated: false, scopes: [[['orders:read']]], policies: [] }, facts); // false for facts without that scope
 */
export function isMet(requirement: Requirement, facts: PrincipalFacts): boolean {
  if (requirement.authenticated && !facts.authenticated) return false;
  if (requirement.scopes.some((any) => !any.some((all) => all.every((scope) => facts.scopes.has(scope))))) return false;
  return !requirement.policies.some((any) => !any.some((all) => all.every((policy) => facts.policies.has(policy))));
}
