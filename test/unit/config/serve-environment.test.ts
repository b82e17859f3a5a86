import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVE_ENVIRONMENT, serveBundleAllowed, serveFlagsFromEnvironment } from '../../../gateway/config/serve-environment.js';

// Issue 19, item 4: which variables stand for which `atrium serve` flags.

describe('serveFlagsFromEnvironment', () => {
  it('reads ATRIUM_<FLAG> for every flag, and PORT/HOST for the port and host', () => {
    expect(
      serveFlagsFromEnvironment({
        ATRIUM_SUPERGRAPH_CONFIG: 'sg.yaml',
        ATRIUM_SUPERGRAPH: 'sg.graphql',
        ATRIUM_CONFIG: 'gw.yaml',
        PORT: '8080',
        HOST: '127.0.0.1',
        ATRIUM_WORKERS: 'auto',
      }),
    ).toEqual({
      'supergraph-config': { value: 'sg.yaml', variable: 'ATRIUM_SUPERGRAPH_CONFIG' },
      supergraph: { value: 'sg.graphql', variable: 'ATRIUM_SUPERGRAPH' },
      config: { value: 'gw.yaml', variable: 'ATRIUM_CONFIG' },
      port: { value: '8080', variable: 'PORT' },
      host: { value: '127.0.0.1', variable: 'HOST' },
      workers: { value: 'auto', variable: 'ATRIUM_WORKERS' },
    });
  });

  it('prefers ATRIUM_PORT/ATRIUM_HOST over PORT/HOST, and skips empty variables', () => {
    expect(serveFlagsFromEnvironment({ PORT: '1', ATRIUM_PORT: '2', HOST: 'h', ATRIUM_HOST: ' ' })).toEqual({
      port: { value: '2', variable: 'ATRIUM_PORT' },
      host: { value: 'h', variable: 'HOST' },
    });
    expect(serveFlagsFromEnvironment({ UNRELATED: 'x' })).toEqual({});
  });

  it('has every variable in the table of docs/cli.md', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)), 'utf8');
    for (const variable of Object.values(SERVE_ENVIRONMENT).flat()) expect(docs).toContain(`| \`${variable}\` |`);
  });
});

describe('serveBundleAllowed (ATRIUM_SERVE_BUNDLE)', () => {
  it('allows the bundle unless the variable is 0', () => {
    expect(serveBundleAllowed({})).toBe(true);
    expect(serveBundleAllowed({ ATRIUM_SERVE_BUNDLE: '1' })).toBe(true);
    expect(serveBundleAllowed({ ATRIUM_SERVE_BUNDLE: '' })).toBe(true);
    expect(serveBundleAllowed({ ATRIUM_SERVE_BUNDLE: '0' })).toBe(false);
    expect(serveBundleAllowed({ ATRIUM_SERVE_BUNDLE: ' 0 ' })).toBe(false);
  });
});
