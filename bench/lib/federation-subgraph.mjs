import { buildASTSchema, Kind, parse, print } from 'graphql';

/**
 * A Federation 1 subgraph schema built with graphql-js alone: `extend type X` becomes `type X` when the
 * subgraph does not define X itself, the federation directives are declared, and `_entities`, `_service`,
 * `_Any` and `_Entity` are added. Resolvers are plain functions keyed by type and field; an entity type's
 * `__resolveReference(representation)` resolves `_entities`. Unlisted fields read the property of the
 * same name.
 */

const FEDERATION_PRELUDE = `
  scalar _Any
  scalar _FieldSet
  type _Service { sdl: String }
  directive @key(fields: _FieldSet!) repeatable on OBJECT | INTERFACE
  directive @external on FIELD_DEFINITION | OBJECT
  directive @requires(fields: _FieldSet!) on FIELD_DEFINITION
  directive @provides(fields: _FieldSet!) on FIELD_DEFINITION
  directive @extends on OBJECT | INTERFACE
`;

/**
 * @typedef {Record<string, Record<string, (source: any, args: any) => unknown>>} Resolvers
 * @param {string} sdl
 * @param {Resolvers} resolvers
 */
export function buildFederationSubgraph(sdl, resolvers) {
  const document = parse(sdl);
  /** @type {Map<string, { fields: any[]; directives: any[]; interfaces: any[] }>} */
  const objects = new Map();
  /** @type {any[]} */
  const others = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) {
      const merged = objects.get(definition.name.value) ?? { fields: [], directives: [], interfaces: [] };
      merged.fields.push(...(definition.fields ?? []));
      merged.directives.push(...(definition.directives ?? []));
      merged.interfaces.push(...(definition.interfaces ?? []));
      objects.set(definition.name.value, merged);
    } else {
      others.push(definition);
    }
  }
  const entities = [...objects].filter(([, o]) => o.directives.some((d) => d.name.value === 'key')).map(([name]) => name);
  const query = objects.get('Query') ?? { fields: [], directives: [], interfaces: [] };
  objects.set('Query', query);
  const extra = parse(`
    ${FEDERATION_PRELUDE}
    ${entities.length > 0 ? `union _Entity = ${entities.join(' | ')}` : ''}
    type Query { ${entities.length > 0 ? '_entities(representations: [_Any!]!): [_Entity]!' : ''} _service: _Service! }
  `);
  for (const definition of extra.definitions) {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === 'Query') {
      query.fields.push(...(definition.fields ?? []));
    } else {
      others.push(definition);
    }
  }
  const definitions = [
    ...others,
    ...[...objects].map(([name, o]) => ({
      kind: Kind.OBJECT_TYPE_DEFINITION,
      name: { kind: Kind.NAME, value: name },
      fields: o.fields,
      directives: o.directives,
      interfaces: o.interfaces,
    })),
  ];
  const schema = buildASTSchema({ kind: Kind.DOCUMENT, definitions }, { assumeValidSDL: false });
  const serviceSdl = print(document);

  /** @type {Resolvers} */
  const all = {
    ...resolvers,
    Query: {
      ...resolvers.Query,
      _service: () => ({ sdl: serviceSdl }),
      _entities: (_source, args) =>
        args.representations.map((/** @type {any} */ representation) => {
          const resolve = resolvers[representation.__typename]?.__resolveReference;
          const value = resolve ? resolve(representation, {}) : representation;
          return value == null ? null : { __typename: representation.__typename, ...value };
        }),
    },
  };

  /** @type {import('graphql').GraphQLFieldResolver<any, any>} */
  const fieldResolver = (source, args, _context, info) => {
    const resolve = all[info.parentType.name]?.[info.fieldName];
    if (resolve) return resolve(source, args);
    return source?.[info.fieldName];
  };
  /** @type {import('graphql').GraphQLTypeResolver<any, any>} */
  const typeResolver = (value) => value.__typename;
  return { schema, fieldResolver, typeResolver };
}
