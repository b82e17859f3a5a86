import { escapeHtml, htmlDocument, loadBrowserAssets, writeBrowserAsset, writeHtmlPage } from '../http/browser-assets.js';
import type { HttpRoute } from '../http/http-route.js';

const VIEWER_FILE = 'redoc.standalone.js';

/**
 * What Redoc's standalone bundle needs: its script from the gateway, the OpenAPI document from the gateway,
 * inline styles (styled-components writes its CSS into `<style>` elements at run time, so `style-src` must
 * allow them: styles cannot run code) and a `blob:` worker for its search index. No inline script: Redoc
 * starts itself from the `<redoc spec-url>` element.
 */
export const OPENAPI_VIEWER_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of {@link createOpenApiViewer}. */
export interface OpenApiViewerOptions {
  /** Where the page is served (`rest.docsPath`). */
  docsPath: string;
  /** Where the OpenAPI document is served (`rest.openapiPath`). */
  openapiPath: string;
  /** The page title (`rest.title`). */
  title: string;
}

/**
 * The OpenAPI viewer of the REST layer: Redoc, bundled into the package, rendering `rest.openapiPath` at
 * `rest.docsPath`, its script at `<docsPath>/redoc.standalone.js`. Undefined when the bundle is missing (a
 * clone not built yet).
 *
 * @example
 * const viewer = await createOpenApiViewer({ docsPath: '/docs', openapiPath: '/openapi.json', title: 'Shop API' });
 */
export async function createOpenApiViewer(options: OpenApiViewerOptions): Promise<HttpRoute | undefined> {
  const assets = await loadBrowserAssets({ [VIEWER_FILE]: 'text/javascript; charset=utf-8' });
  if (!assets) return undefined;
  const { docsPath, openapiPath } = options;
  const scriptPath = `${docsPath === '/' ? '' : docsPath}/${VIEWER_FILE}`;
  const html = htmlDocument({
    title: options.title,
    body: `<redoc spec-url="${escapeHtml(openapiPath)}"></redoc>\n<script src="${escapeHtml(scriptPath)}"></script>\n`,
  });
  return {
    matches: (path) => path === docsPath || path === scriptPath,
    async handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path === scriptPath) writeBrowserAsset(req, res, assets.get(VIEWER_FILE)!);
      else writeHtmlPage(req, res, { html, contentSecurityPolicy: OPENAPI_VIEWER_CONTENT_SECURITY_POLICY });
    },
  };
}
