import { type ConstDirectiveNode, type DocumentNode, Kind, parse } from 'graphql';
import { readRequirements, type Requirement } from '../plugins/authorization/requirements.js';
import type { LoadedSupergraph } from '../supergraph/build-supergraph.js';
import type { SchemaChange } from './schema-diff.js';

/**
 * What the API schema diff cannot see, because it lives in the supergraph: who may read a type or field
 * (`@authenticated`, `@requiresScopes`, `@policy`) and which subgraphs resolve a field. For the types and
 * fields both supergraphs serve:
 * - a requirement removed or changed is **breaking** (the data may now reach callers it did not), so a
 *   publish that loosens access needs `allowBreaking`;
 * - a requirement added is **dangerous** (callers without it lose the field);
 * - a field a subgraph no longer resolves because another took it over, or one a new `@override` (also a
 *   progressive one, which leaves the old owner a share) sends to another subgraph, is **dangerous**: the
 *   new subgraph receives its requests, with the callers' identity headers.
 *
 * @example
 * diffSupergraphs(live, candidate); // [{ severity: 'breaking', category: 'access-requirement-removed', message: 'User.email no longer requires authentication.' }]
 */
export function diffSupergraphs(before: LoadedSupergraph, after: LoadedSupergraph): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const served = (loaded: LoadedSupergraph, coordinate: string) => {
    const [typeName, fieldName] = coordinate.split('.') as [string, string | undefined];
    const type = loaded.apiSchema.getType(typeName);
    if (!type || fieldName === undefined) return type !== undefined;
    return 'getFields' in type && Object.hasOwn(type.getFields(), fieldName);
  };
  const was = readRequirements(before.supergraph);
  const now = readRequirements(after.supergraph);
  for (const [beforeMap, afterMap] of [[was.types, now.types], [was.fields, now.fields]] as const) {
    for (const coordinate of new Set([...beforeMap.keys(), ...afterMap.keys()])) {
      if (!served(before, coordinate) || !served(after, coordinate)) continue;
      const old = beforeMap.get(coordinate);
      const next = afterMap.get(coordinate);
      if (describe(old) === describe(next)) continue;
      if (next === undefined) {
        changes.push({ severity: 'breaking', category: 'access-requirement-removed', message: `${coordinate} no longer requires ${describe(old)}.` });
      } else if (old === undefined) {
        changes.push({ severity: 'dangerous', category: 'access-requirement-added', message: `${coordinate} now requires ${describe(next)}.` });
      } else {
        changes.push({ severity: 'breaking', category: 'access-requirement-changed', message: `${coordinate} required ${describe(old)}; now ${describe(next)}.` });
      }
    }
  }
  const ownersBefore = fieldOwners(parse(before.sdl));
  const ownersAfter = fieldOwners(parse(after.sdl));
  for (const [coordinate, { owners, overrides }] of ownersAfter) {
    const previous = ownersBefore.get(coordinate);
    if (previous === undefined || !served(after, coordinate)) continue;
    // A subgraph that joins an entity adds itself to its key fields: reported are a field an owner lost, and
    // a new `@override` (a progressive one, `label: "percent(n)"`, leaves the old owner in place).
    const lost = [...previous.owners].some((owner) => !owners.has(owner));
    const overriding = [...overrides].filter(([graph, label]) => !previous.overrides.has(graph) || previous.overrides.get(graph) !== label);
    if (!lost && overriding.length === 0) continue;
    const list = (names: ReadonlySet<string>) => [...names].sort().join(', ');
    const progressive = overriding.filter(([, label]) => label !== undefined).map(([graph, label]) => `; ${graph} overrides it for ${label}`).join('');
    changes.push({
      severity: 'dangerous',
      category: 'field-owner-changed',
      message: `${coordinate} is now resolved by ${list(owners)} (was ${list(previous.owners)}${progressive}).`,
    });
  }
  return changes;
}

/** A requirement in words: `authentication`, `scopes [a and b] or [c]`, `policies [...]`; '' for none. */
function describe(requirement: Requirement | undefined): string {
  if (!requirement) return '';
  const lists = (entries: readonly (readonly (readonly string[])[])[]) => entries.map((alternatives) => alternatives.map((all) => `[${all.join(' and ')}]`).join(' or ')).join(' and ');
  const parts = [
    ...(requirement.authenticated ? ['authentication'] : []),
    ...(requirement.scopes.length > 0 ? [`scopes ${lists(requirement.scopes)}`] : []),
    ...(requirement.policies.length > 0 ? [`policies ${lists(requirement.policies)}`] : []),
  ];
  return parts.join(' and ');
}

/** Who resolves one field: the subgraphs, and those that took it over with `@override` (with its label, if progressive). */
interface FieldOwners {
  readonly owners: ReadonlySet<string>;
  readonly overrides: ReadonlyMap<string, string | undefined>;
}

/**
 * The subgraphs that resolve each object and interface field of a supergraph SDL: its `@join__field`s that
 * are neither `external` nor `usedOverridden`, else (a field without any) every subgraph of its type's
 * `@join__type`s; subgraphs by the names `@join__graph` gives them.
 */
function fieldOwners(document: DocumentNode): Map<string, FieldOwners> {
  const graphNames = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const name = argument(value.directives?.find((d) => d.name.value === 'join__graph'), 'name');
      graphNames.set(value.name.value, typeof name === 'string' ? name : value.name.value.toLowerCase());
    }
  }
  const graph = (directive: ConstDirectiveNode) => {
    const value = argument(directive, 'graph');
    return typeof value === 'string' ? (graphNames.get(value) ?? value) : undefined;
  };
  const owners = new Map<string, FieldOwners>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const typeGraphs = new Set((definition.directives ?? []).filter((d) => d.name.value === 'join__type').map(graph).filter((g) => g !== undefined));
    for (const field of definition.fields ?? []) {
      const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
      const resolving = joins.filter((d) => argument(d, 'external') !== true && argument(d, 'usedOverridden') !== true);
      const overrides = new Map<string, string | undefined>();
      for (const join of resolving) {
        const name = graph(join);
        const label = argument(join, 'overrideLabel');
        if (name !== undefined && argument(join, 'override') !== undefined) overrides.set(name, typeof label === 'string' ? label : undefined);
      }
      const names = new Set(resolving.map(graph).filter((g) => g !== undefined));
      owners.set(`${definition.name.value}.${field.name.value}`, { owners: joins.length > 0 ? names : typeGraphs, overrides });
    }
  }
  return owners;
}

/** A literal argument of a directive (enum values as their names). */
function argument(directive: ConstDirectiveNode | undefined, name: string): unknown {
  const value = directive?.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING || value?.kind === Kind.ENUM || value?.kind === Kind.BOOLEAN ? value.value : undefined;
}
