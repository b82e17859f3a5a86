// `npm run build` runs this after tsc: bundles the browser pages the gateway serves into dist/browser/, which
// the package ships (package.json "files"), so the pages need no CDN, work offline and send no telemetry.
// - graphiql.js, graphiql.css: the GraphQL IDE (GraphiQL 4 and React from npm, gateway/server/ide/browser/).
// - redoc.standalone.js: the OpenAPI viewer at /docs (Redoc's own prebuilt standalone bundle, its CDN logo blanked).
// esbuild and the bundled packages are devDependencies: an installed package runs the files, never this.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from './package-root.js';

const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
const outDir = join(root, 'dist', 'browser');
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: { graphiql: join(root, 'gateway', 'server', 'ide', 'browser', 'graphiql.js') },
  outdir: outDir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome109', 'firefox115', 'safari16'],
  define: { 'process.env.NODE_ENV': '"production"' },
  // Fonts are inlined by GraphiQL's stylesheet already; anything else it references is bundled as data.
  loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  legalComments: 'linked',
  logLevel: 'warning',
});

const require = createRequire(import.meta.url);
const redocBundles = join(dirname(require.resolve('redoc/package.json')), 'bundles');
// Redoc's attribution shows a logo from its CDN: the one remote request of the bundle. A blank image instead
// (the attribution link stays); the build fails if a new Redoc version no longer has exactly that one.
const REDOC_CDN_LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';
const BLANK_SVG = `"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"`;
const redoc = readFileSync(join(redocBundles, 'redoc.standalone.js'), 'utf8');
const remoteUrls = redoc.match(/"https:\/\/cdn\.[^"]*"/g) ?? [];
if (remoteUrls.length !== 1 || remoteUrls[0] !== REDOC_CDN_LOGO) {
  throw new Error(`redoc.standalone.js: expected one CDN URL, ${REDOC_CDN_LOGO}; found ${remoteUrls.join(', ') || 'none'}`);
}
writeFileSync(join(outDir, 'redoc.standalone.js'), redoc.replace(REDOC_CDN_LOGO, BLANK_SVG));
copyFileSync(join(redocBundles, 'redoc.standalone.js.LICENSE.txt'), join(outDir, 'redoc.standalone.js.LICENSE.txt'));
