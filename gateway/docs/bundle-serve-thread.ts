// `npm run build` runs this after tsc: bundles the server thread of `atrium serve` (cli/serve-thread.js and
// everything it imports) into dist/gateway/serve-bundle/, which cli/supervise-workers.ts starts instead of
// the ~850 separate modules tsc writes, and the CLI (cli.js), which the processes of `serve --workers N`
// run. Resolving, reading and linking those files was the largest part of a cold start left
// (docs/performance.md, "Start-up"); the bundle is a few dozen.
// - Code splitting keeps every `import()` lazy: a module loaded only when the configuration needs it (the
//   OpenTelemetry SDK, the Apollo executor, …) is a chunk of its own, loaded only then.
// - The output sits two folders below dist/, as the modules it replaces do (dist/gateway/http/, …), so paths
//   computed from import.meta.url (browser-assets.ts: ../../browser) point at the same files.
// - Left out of the bundle, loaded from node_modules as before:
//   - graphql and @apollo/*: their classes are checked with instanceof, and modules outside the bundle use
//     them too (@apollo/query-planner through createRequire in engine/apollo-planner.ts; a user's policy
//     module or plugin that imports graphql). Two copies would be two realms.
//   - pino and its transports: they start worker threads from files found through __dirname (the build
//     fails if __dirname or __filename appears in the bundle).
//   - CommonJS modules loaded with import(), by the gateway (undici, prom-client) or inside a package
//     (@opentelemetry/resources picks its machine-id reader that way): in an esbuild bundle such a module has
//     a default export only, so `const { request } = await import('undici')` would get undefined. The
//     OpenTelemetry packages go together, as they import each other. The build fails if a new import() of a
//     bundled CommonJS module appears.
//   - whatever gateway/ loads through createRequire (prom-client, ioredis, undici's Pool, pino-pretty, the
//     hive planner's native binary): esbuild does not see into those calls.
// esbuild is a devDependency: an installed package runs the bundle, never this.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from './package-root.js';

const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
const outDir = join(root, 'dist', 'gateway', 'serve-bundle');
rmSync(outDir, { recursive: true, force: true });

const result = await build({
  // The server thread, and the CLI for the processes of `serve --workers N` (node:cluster runs a script).
  entryPoints: { 'serve-thread': join(root, 'dist', 'gateway', 'cli', 'serve-thread.js'), cli: join(root, 'dist', 'gateway', 'cli.js') },
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['graphql', '@apollo/*', 'pino', 'pino-pretty', 'thread-stream', 'undici', 'prom-client', '@opentelemetry/*'],
  // CommonJS packages in an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __atriumCreateRequire } from 'node:module'; const require = __atriumCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});

// cli/supervise-workers.ts looks for the entries by these names, and starts the separate modules without them.
for (const entry of ['serve-thread.js', 'cli.js']) {
  if (!existsSync(join(outDir, entry))) throw new Error(`the bundle has no ${entry} in ${outDir}`);
}

// An ES module has no __dirname or __filename: bundled code that finds its files through them would fail at
// runtime, on the path that reads them. Such a package belongs in external, as pino does.
const findsFilesByDirname = Object.keys(result.metafile.outputs).filter((file) => /\b__(dirname|filename)\b/.test(readFileSync(resolve(file), 'utf8')));
if (findsFilesByDirname.length > 0) throw new Error(`__dirname or __filename in the bundle; leave the package that uses it out (external):\n${findsFilesByDirname.join('\n')}`);

const { inputs } = result.metafile;
const dynamicCommonJs = Object.entries(inputs).flatMap(([importer, input]) =>
  input.imports.filter((i) => i.kind === 'dynamic-import' && !i.external && inputs[i.path]?.format === 'cjs').map((i) => `${importer} ─► ${i.path}`),
);
if (dynamicCommonJs.length > 0) {
  throw new Error(`import() of a CommonJS module, which would lose its named exports in the bundle; add its package to external:\n${dynamicCommonJs.join('\n')}`);
}
