import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSubgraph } from '../../../gateway/publishing/check-subgraph.js';

// What the API schema diff cannot see: access requirements and field ownership, read from the supergraphs
// the live subgraphs and the candidate compose into (the demo's five subgraphs).

const NAMES = ['accounts', 'products', 'reviews', 'inventory', 'orders'];
const sdlOf = (name: string) => readFileSync(new URL(`../../../schema/${name}.graphql`, import.meta.url), 'utf8');
const live = NAMES.map((name) => ({ name, url: `http://${name}:4000/graphql`, sdl: sdlOf(name), sourceName: `${name}.graphql` }));
const candidate = (name: string, sdl: string) => ({ name, url: `http://${name}:4000/graphql`, sdl, sourceName: `${name}.graphql` });
const changesOf = (report: Awaited<ReturnType<typeof checkSubgraph>>, category: string) => report.changes.filter((change) => change.category === category);

describe('publish checks: access requirements and field owners', () => {
  it('refuses a candidate that drops @authenticated as breaking, unless allowed', async () => {
    const accounts = sdlOf('accounts');
    expect(accounts).toMatch(/email: String! @authenticated/);
    const report = await checkSubgraph({ live, candidate: candidate('accounts', accounts.replace('email: String! @authenticated', 'email: String!')) });
    expect(report.ok).toBe(false);
    expect(changesOf(report, 'access-requirement-removed')).toEqual([
      { severity: 'breaking', category: 'access-requirement-removed', message: 'User.email no longer requires authentication.' },
    ]);
    expect((await checkSubgraph({ live, candidate: candidate('accounts', accounts.replace('email: String! @authenticated', 'email: String!')), allowBreaking: true })).ok).toBe(true);
  });

  it('lists a new requirement as dangerous and a changed one as breaking', async () => {
    const accounts = sdlOf('accounts');
    const added = await checkSubgraph({ live, candidate: candidate('accounts', accounts.replace(/(\n\s+name: String!)/, '$1 @authenticated')) });
    expect(added.ok).toBe(true);
    expect(changesOf(added, 'access-requirement-added')).toEqual([{ severity: 'dangerous', category: 'access-requirement-added', message: 'User.name now requires authentication.' }]);
    const orders = sdlOf('orders');
    const scoped = /@requiresScopes\(scopes: \[\["orders:read"\]\]\)/;
    expect(orders).toMatch(scoped);
    const changed = await checkSubgraph({ live, candidate: candidate('orders', orders.replace(scoped, '@requiresScopes(scopes: [["orders:read"], ["support"]])')) });
    expect(changed.ok).toBe(false);
    expect(changesOf(changed, 'access-requirement-changed')).toEqual([
      { severity: 'breaking', category: 'access-requirement-changed', message: 'Order required scopes [orders:read]; now scopes [orders:read] or [support].' },
    ]);
  });

  it('lists a field another subgraph takes over with @override as dangerous, naming both', async () => {
    const hijack = [
      'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@override"])',
      'type Query {\n  hijackDummy: String\n}',
      'type User @key(fields: "id") {\n  id: ID!\n  email: String! @override(from: "accounts")\n}',
    ].join('\n\n');
    const report = await checkSubgraph({ live, candidate: candidate('hijack', hijack) });
    expect(changesOf(report, 'field-owner-changed')).toEqual([
      { severity: 'dangerous', category: 'field-owner-changed', message: 'User.email is now resolved by hijack (was accounts).' },
    ]);
    // A progressive override leaves accounts a share, and is listed all the same.
    const progressive = await checkSubgraph({
      live,
      candidate: candidate('hijack', hijack.replace('v2.3', 'v2.7').replace('@override(from: "accounts")', '@override(from: "accounts", label: "percent(100)")')),
    });
    expect(changesOf(progressive, 'field-owner-changed')).toEqual([
      { severity: 'dangerous', category: 'field-owner-changed', message: 'User.email is now resolved by accounts, hijack (was accounts; hijack overrides it for percent(100)).' },
    ]);
    // The same schema again changes nothing.
    const same = await checkSubgraph({ live, candidate: candidate('accounts', sdlOf('accounts')) });
    expect(same.changes).toEqual([]);
  });
});
