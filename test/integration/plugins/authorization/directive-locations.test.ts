import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CustomGateway, startCustomGateway } from '../../../helpers/custom-gateway.js';

// Each directive on each location kind (field, object, interface, scalar, enum), OR-of-AND scopes, interface
// fields that need every implementation, null propagation, `data: null`, and @key fields that stay usable for
// joins — over two small test-only subgraphs whose request logs prove what reached them.

const SECRET = 'authorization-test-secret-of-32-chars!';

const VAULT = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes", "@policy"])

type Query {
  agent: Agent
  assets: [Asset!]!
  documents: [Document]
  codeword: String @policy(policies: [["fromModule"]])
}

scalar Secret @authenticated
enum Clearance @requiresScopes(scopes: [["clearance:read"]]) { LOW HIGH }

type Agent @key(fields: "id") {
  id: ID! @authenticated
  codename: String!
  secret: Secret
  clearance: Clearance
  dossier: String @requiresScopes(scopes: [["a", "b"], ["c"]])
  handler: Agent! @policy(policies: [["handler"]])
}

interface Asset { id: ID! label: String value: Int }
type Painting implements Asset { id: ID! label: String value: Int @requiresScopes(scopes: [["appraisal:read"]]) artist: String }
type Vase implements Asset { id: ID! label: String value: Int }

interface Document { title: String }
type Memo implements Document { title: String }
`;

const FIELD_OPS = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
type Agent @key(fields: "id") { id: ID! missions: [String!]! }
`;

const agent = { id: '7', codename: 'Heron', secret: 's3cr3t', clearance: 'HIGH', dossier: 'born in Lisbon', handlerId: '9' };
const handler = { id: '9', codename: 'Kite', secret: 'k', clearance: 'LOW', dossier: 'retired', handlerId: '9' };
const agents: Record<string, typeof agent> = { 7: agent, 9: handler };

let graph: CustomGateway;

async function tokenFor(scopes: string[] = [], claims: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const token = await new SignJWT({ ...claims, scope: scopes.join(' ') }).setProtectedHeader({ alg: 'HS256' }).setSubject('1')
    .setIssuer('test').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${token}` };
}

const queriesTo = (name: string) => graph.subgraphs[name]!.requests.map((request) => request.query);
const unauthorized = (body: any) =>
  (body.errors ?? []).filter((e: any) => e.extensions.code === 'UNAUTHORIZED_FIELD_OR_TYPE').map((e: any) => e.path);

beforeAll(async () => {
  graph = await startCustomGateway(
    [
      {
        name: 'vault',
        sdl: VAULT,
        resolvers: {
          Query: {
            agent: () => agent,
            assets: () => [
              { __typename: 'Painting', id: 'p1', label: 'Sunrise', value: 900, artist: 'M' },
              { __typename: 'Vase', id: 'v1', label: 'Ming', value: 300 },
            ],
            documents: () => [{ title: 'eyes only' }],
            codeword: () => 'bluebird',
          },
          Agent: {
            __resolveReference: (ref: { id: string }) => agents[ref.id],
            handler: (parent: typeof agent) => agents[parent.handlerId],
          },
          Asset: { __resolveType: (asset: { __typename: string }) => asset.__typename },
          Document: { __resolveType: () => 'Memo' },
        },
      },
      {
        name: 'fieldops',
        sdl: FIELD_OPS,
        resolvers: { Agent: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }), missions: (a: { id: string }) => [`m-${a.id}`] } },
      },
    ],
    {
      auth: { jwt: { issuers: { test: { issuer: 'test', secret: SECRET } } } },
      authorization: {
        policies: { handler: { any: [{ claim: 'role', equals: 'handler' }, { scope: 'agents:admin' }] } },
        policyModule: 'policies.mjs',
      },
    },
    {
      prepare: (dir) => writeFile(join(dir, 'policies.mjs'), 'export const fromModule = (principal) => principal?.claims.team === "red";\n'),
      // Composition refuses the directives on interfaces in subgraphs, but the supergraph spec allows them
      // there (a supergraph composed elsewhere may carry them): put one on Document.
      transformSupergraph: (sdl) => sdl.replace(/interface Document\b/, 'interface Document @authenticated'),
    },
  );
});

afterAll(async () => {
  await graph?.close();
});

describe('@authenticated on a scalar, @requiresScopes on an enum', () => {
  it('removes fields of the protected scalar and enum for an anonymous caller, before any subgraph sees them', async () => {
    const before = queriesTo('vault').length;
    const result = await graph.post('{ agent { codename secret clearance } }');
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ agent: { codename: 'Heron', secret: null, clearance: null } });
    expect(unauthorized(result.body)).toEqual([['agent', 'secret'], ['agent', 'clearance']]);
    const sent = queriesTo('vault').slice(before).join('\n');
    expect(sent).toContain('codename');
    // The removed fields' places are held by aliased __typename placeholders; the fields themselves are never asked for.
    expect(sent).not.toMatch(/\b(secret|clearance)\b(?!:\s*__typename)/);
    expect(sent).toMatch(/secret:\s*__typename/);
  });

  it('answers them for a principal that meets them', async () => {
    const result = await graph.post('{ agent { secret clearance } }', await tokenFor(['clearance:read']));
    expect(result.body).toEqual({ data: { agent: { secret: 's3cr3t', clearance: 'HIGH' } } });
  });
});

describe('@requiresScopes on a field: OR of ANDs', () => {
  it.each([
    [[], false],
    [['a'], false],
    [['b'], false],
    [['a', 'b'], true],
    [['c'], true],
  ])('scopes %j see the dossier: %s', async (scopes, visible) => {
    const result = await graph.post('{ agent { dossier } }', await tokenFor(scopes));
    expect(result.body.data.agent.dossier).toBe(visible ? 'born in Lisbon' : null);
    expect(unauthorized(result.body)).toEqual(visible ? [] : [['agent', 'dossier']]);
  });
});

describe('@policy on a field: rules from gateway.yaml and a user module', () => {
  it('a removed non-null field nulls its nullable parent (null propagation)', async () => {
    const result = await graph.post('{ agent { codename handler { codename } } }', await tokenFor());
    expect(result.body.data).toEqual({ agent: null });
    expect(unauthorized(result.body)).toEqual([['agent', 'handler']]);
  });

  it('passes by claim or by scope (any of)', async () => {
    for (const headers of [await tokenFor([], { role: 'handler' }), await tokenFor(['agents:admin'])]) {
      const result = await graph.post('{ agent { handler { codename } } }', headers);
      expect(result.body).toEqual({ data: { agent: { handler: { codename: 'Kite' } } } });
    }
  });

  it('a policy function from the module decides too', async () => {
    expect((await graph.post('{ codeword }', await tokenFor([], { team: 'red' }))).body).toEqual({ data: { codeword: 'bluebird' } });
    const refused = await graph.post('{ codeword }', await tokenFor([], { team: 'blue' }));
    expect(refused.body.data).toBeNull();
    expect(unauthorized(refused.body)).toEqual([['codeword']]);
  });
});

describe('interfaces', () => {
  it('a field selected on an interface needs what every implementation needs', async () => {
    const before = queriesTo('vault').length;
    const result = await graph.post('{ assets { label value } }', await tokenFor());
    expect(result.body.data).toEqual({ assets: [{ label: 'Sunrise', value: null }, { label: 'Ming', value: null }] });
    expect(unauthorized(result.body)).toEqual([['assets', '@', 'value']]);
    expect(queriesTo('vault').slice(before).join('\n')).not.toMatch(/\bvalue\b(?!:\s*__typename)/);
  });

  it('selected through a type condition, only that implementation decides', async () => {
    const result = await graph.post('{ assets { label ... on Vase { value } } }', await tokenFor());
    expect(result.body).toEqual({ data: { assets: [{ label: 'Sunrise' }, { label: 'Ming', value: 300 }] } });
    const withScope = await graph.post('{ assets { label value } }', await tokenFor(['appraisal:read']));
    expect(withScope.body).toEqual({ data: { assets: [{ label: 'Sunrise', value: 900 }, { label: 'Ming', value: 300 }] } });
  });

  it('@authenticated on an interface type removes the fields returning it; nothing left means data null', async () => {
    const before = queriesTo('vault').length;
    const result = await graph.post('{ documents { title } }');
    expect(result.body.data).toBeNull();
    expect(unauthorized(result.body)).toEqual([['documents']]);
    expect(queriesTo('vault').length).toBe(before);
    expect((await graph.post('{ documents { title } }', await tokenFor())).body).toEqual({ data: { documents: [{ title: 'eyes only' }] } });
  });
});

describe('@key fields', () => {
  it('stay usable for entity joins though the caller may not see them', async () => {
    const before = queriesTo('vault').length;
    const result = await graph.post('{ agent { codename missions } }');
    expect(result.body).toEqual({ data: { agent: { codename: 'Heron', missions: ['m-7'] } } });
    // The planner still fetched the key from vault for the join to fieldops.
    expect(queriesTo('vault').slice(before).join('\n')).toMatch(/\bid\b/);
    const hidden = await graph.post('{ agent { id codename } }');
    expect(hidden.body.data).toEqual({ agent: null });
    expect(unauthorized(hidden.body)).toEqual([['agent', 'id']]);
  });
});
