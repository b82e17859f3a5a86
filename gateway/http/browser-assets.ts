import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { skipUnreadBody } from './read-body.js';
import { writeError } from './write-response.js';

// The browser pages the gateway serves (the GraphQL IDE, the OpenAPI viewer) load only files of the package
// itself: `npm run build` bundles them from npm packages into dist/browser/ (gateway/docs/bundle-browser-assets.ts),
// so nothing comes from a CDN and the pages work offline under a strict Content-Security-Policy.

/** One bundled file, held in memory once its page is turned on; its gzip form is made at the first request that takes it. */
export interface BrowserAsset {
  readonly contentType: string;
  readonly body: Buffer;
  gzip?: Buffer;
}

const here = dirname(fileURLToPath(import.meta.url));
/** dist/gateway/http/ ─► dist/browser/ in the package; gateway/http/ ─► dist/browser/ in a clone running from source. */
const CANDIDATE_DIRS = [join(here, '..', '..', 'browser'), join(here, '..', '..', 'dist', 'browser')];

/** The folder holding the bundled browser files, or undefined when the build has not written it. */
export function browserAssetsDir(): string | undefined {
  return CANDIDATE_DIRS.find((dir) => existsSync(dir));
}

/**
 * Reads bundled files by name; undefined when the folder or any file is missing (a clone not built yet).
 *
 * @example
 * const assets = await loadBrowserAssets({ 'graphiql.js': 'text/javascript; charset=utf-8' });
 */
export async function loadBrowserAssets(files: Readonly<Record<string, string>>): Promise<Map<string, BrowserAsset> | undefined> {
  const dir = browserAssetsDir();
  if (dir === undefined) return undefined;
  const assets = new Map<string, BrowserAsset>();
  for (const [name, contentType] of Object.entries(files)) {
    const path = join(dir, name);
    if (!existsSync(path)) return undefined;
    const body = await readFile(path);
    assets.set(name, { contentType, body });
  }
  return assets;
}

/** Answers GET/HEAD with a bundled file (gzip when the client takes it), 405 otherwise. */
export function writeBrowserAsset(req: IncomingMessage, res: ServerResponse, asset: BrowserAsset): void {
  if (!allowGetOrHead(req, res)) return;
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  // Compressed once, on first use rather than at startup: a gateway nobody opens in a browser never pays for it.
  const body = gzip ? (asset.gzip ??= gzipSync(asset.body)) : asset.body;
  res.statusCode = 200;
  res.setHeader('content-type', asset.contentType);
  // The file changes only with the package version; an hour of caching keeps reloads of the page cheap.
  res.setHeader('cache-control', 'public, max-age=3600');
  res.setHeader('vary', 'accept-encoding');
  if (gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Answers GET/HEAD with an HTML page and the Content-Security-Policy of that page alone (replacing the
 * gateway-wide `default-src 'none'`), 405 otherwise.
 */
export function writeHtmlPage(req: IncomingMessage, res: ServerResponse, page: { html: string; contentSecurityPolicy: string }): void {
  if (!allowGetOrHead(req, res)) return;
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('content-security-policy', page.contentSecurityPolicy);
  res.end(req.method === 'HEAD' ? undefined : page.html);
}

/**
 * The HTML shell of the gateway's pages: doctype, charset, viewport, an empty icon (no /favicon.ico
 * request) and `title` (escaped); `head` and `body` are inserted as given, each ending in a newline.
 */
export function htmlDocument(page: { title: string; head?: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(page.title)}</title>
${page.head ?? ''}</head>
<body>
${page.body}</body>
</html>
`;
}

/** JSON for a `<script type="application/json">` data block: `<` escaped so the text cannot close the element. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** True when `accept` lists `text/html`: a browser navigating, not a GraphQL client. */
export function acceptsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

function allowGetOrHead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  skipUnreadBody(req, res, 0);
  res.setHeader('allow', 'GET, HEAD');
  writeError(res, req.headers, 'METHOD_NOT_ALLOWED', `method ${req.method} is not allowed; use GET or HEAD`);
  return false;
}
