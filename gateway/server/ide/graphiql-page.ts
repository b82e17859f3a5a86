import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { type BrowserAsset, acceptsHtml, escapeHtml, htmlDocument, jsonForHtml, loadBrowserAssets, writeBrowserAsset, writeHtmlPage } from '../../http/browser-assets.js';
import type { HttpRoute } from '../../http/http-route.js';

/**
 * What the IDE page needs and nothing more: its bundle and stylesheet from the gateway itself, GraphiQL's
 * fonts (data: URLs inside the stylesheet), and requests to the gateway. No inline script: the settings are
 * a JSON data block, which is not executed. test/e2e/browser-pages.test.ts loads the page in Chromium and
 * requires zero CSP violations.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES = { 'graphiql.js': 'text/javascript; charset=utf-8', 'graphiql.css': 'text/css; charset=utf-8' };

/** The GraphQL IDE: the page on the GraphQL path for browsers, and the route of its two files. */
export interface GraphiqlIde {
  /** True for a browser's GET of the GraphQL path that carries no operation: it gets the page. */
  wantsPage(req: IncomingMessage, search: string): boolean;
  servePage(req: IncomingMessage, res: ServerResponse): void;
  /** Serves `<dir of graphqlPath>/ide/graphiql.js` and `graphiql.css`. */
  readonly route: HttpRoute;
}

/** Options of {@link createGraphiqlIde}. */
export interface GraphiqlIdeOptions {
  graphqlPath: string;
  /** The operation shown in a new editor tab. */
  defaultQuery: string;
  /** The Headers editor's initial text (JSON), e.g. a hint of the credential header. */
  defaultHeaders?: string;
}

/**
 * Loads the bundled IDE (dist/browser/) and returns its page and route; undefined when the bundle is
 * missing (a clone not built yet), so the caller can log that and go on without the IDE.
 *
 * @example
 * const ide = await createGraphiqlIde({ graphqlPath: '/graphql', defaultQuery: '{ __typename }' });
 */
export async function createGraphiqlIde(options: GraphiqlIdeOptions): Promise<GraphiqlIde | undefined> {
  const assets = await loadBrowserAssets(FILES);
  if (!assets) return undefined;
  const assetBase = posix.join(posix.dirname(options.graphqlPath), 'ide/');
  const settings = {
    endpoint: options.graphqlPath,
    defaultQuery: options.defaultQuery,
    ...(options.defaultHeaders !== undefined && { defaultHeaders: options.defaultHeaders }),
  };
  const html = htmlDocument({
    title: 'Atrium GraphQL IDE',
    head: `<link rel="stylesheet" href="${escapeHtml(assetBase)}graphiql.css">\n<script defer src="${escapeHtml(assetBase)}graphiql.js"></script>\n`,
    body: `<div id="atrium-ide"></div>\n<script type="application/json" id="atrium-ide-settings">${jsonForHtml(settings)}</script>\n`,
  });
  const byPath = new Map<string, BrowserAsset>([...assets].map(([name, asset]) => [`${assetBase}${name}`, asset]));
  return {
    wantsPage(req, search) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (!acceptsHtml(req.headers.accept)) return false;
      const params = new URLSearchParams(search);
      return !params.has('query') && !params.has('extensions');
    },
    servePage(req, res) {
      writeHtmlPage(req, res, { html, contentSecurityPolicy: IDE_CONTENT_SECURITY_POLICY });
    },
    route: {
      matches: (path) => byPath.has(path),
      async handle(req, res) {
        writeBrowserAsset(req, res, byPath.get(req.url?.split('?')[0] ?? '')!);
      },
    },
  };
}
