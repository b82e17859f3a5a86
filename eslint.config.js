// Lint rules for the whole repository (flat config). ESLint + typescript-eslint are plain JavaScript, so
// `npm ci` installs them on any platform from any registry mirror.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/node_modules/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', performance: 'readonly',
        Headers: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', TextDecoder: 'readonly',
        TextEncoder: 'readonly', globalThis: 'readonly', NodeJS: 'readonly',
      },
    },
    rules: {
      // Response shapes are JSON of unknown structure in tests and bench code.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },

  // node:http through gateway/http/node-http.ts: an ESM import of it costs every start ~140 ms on Node 22+.
  {
    files: ['gateway/**/*.ts'],
    ignores: ['gateway/http/node-http.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // Any `import … from 'node:http'` but `import type`: under verbatimModuleSyntax even
          // `import { type X }` stays an import of the module.
          selector: "ImportDeclaration[source.value=/^(node:)?http$/][importKind='value']",
          message: 'import node:http values from gateway/http/node-http.ts (nodeHttp): its ESM view loads Node\'s bundled undici at start-up; `import type` is fine',
        },
      ],
    },
  },

  // Browser code bundled by `npm run build` (gateway/docs/bundle-browser-assets.ts), never run by Node.
  {
    files: ['gateway/**/browser/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly' } },
  },

  // Layering (docs/architecture.md, "Layers"): each folder may import only the layers below it, so the
  // arrows cannot turn around unnoticed. start-gateway.ts and build-engine.ts are the composition root:
  // only the CLI and the library entry import them.
  ...layers([
    {
      files: ['gateway/engine/**/*.ts'],
      message: 'engine/ is below server/, plugins/, rest/ and publishing/: it defines hook contracts (engine/hooks.ts) and never imports them',
      regex: '^(\\.\\./)+(server|plugins|rest|publishing|observability|cli|http|quota|stores|traffic|edge)/|^(\\.\\./)+(start-gateway|build-engine)\\.js$',
    },
    {
      files: ['gateway/plugins/*/**/*.ts'],
      message: 'plugins never import each other; share through a lower layer (engine/, server/hooks.ts, quota/, ...)',
      regex: '^\\.\\./(?!\\.\\.)[^/]+/|^(\\.\\./)+(start-gateway|build-engine)\\.js$',
    },
    {
      files: ['gateway/server/**/*.ts'],
      message: 'server/ runs the hook contract it defines (server/hooks.ts); the root hands it plugins, REST and publishing',
      regex: '^(\\.\\./)+(plugins|rest|publishing|observability|cli)/|^(\\.\\./)+(start-gateway|build-engine)\\.js$',
    },
    {
      files: ['gateway/rest/**/*.ts', 'gateway/publishing/**/*.ts'],
      message: 'rest/ and publishing/ reach the engine and the server only through the functions the root gives them',
      regex: '^(\\.\\./)+(engine|server|observability|cli)/|^(\\.\\./)+(start-gateway|build-engine)\\.js$',
    },
    {
      files: ['gateway/{config,http,subgraph-client,stores,quota,traffic,edge,observability}/**/*.ts', 'gateway/*.ts'],
      ignores: ['gateway/start-gateway.ts', 'gateway/build-engine.ts', 'gateway/index.ts', 'gateway/cli.ts'],
      message: 'only the CLI and the library entry import the composition root',
      regex: '^(\\.\\./)*\\.{1,2}/(start-gateway|build-engine)\\.js$',
    },
  ]),
);

/** One `no-restricted-imports` rule per folder: `regex` matches the import specifiers that folder may not use. */
function layers(rules) {
  return rules.map(({ files, ignores, message, regex }) => ({
    files,
    ...(ignores && { ignores }),
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
  }));
}
