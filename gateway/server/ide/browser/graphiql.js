// The browser side of the GraphQL IDE: GraphiQL from npm, bundled with React by `npm run build`
// (gateway/docs/bundle-browser-assets.ts) into dist/browser/graphiql.js and graphiql.css. The page
// (gateway/server/ide/graphiql-page.ts) hands it its settings in a JSON data block, not an inline script, so
// the page's Content-Security-Policy allows scripts from the gateway itself only.
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './graphiql.css';

const settings = JSON.parse(document.getElementById('atrium-ide-settings').textContent);

/** Sends one operation with the headers typed in the Headers editor; a non-JSON answer becomes an error to show. */
async function fetcher(request, options) {
  const response = await fetch(settings.endpoint, {
    method: 'POST',
    headers: {
      accept: 'application/graphql-response+json, application/json',
      'content-type': 'application/json',
      ...options?.headers,
    },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 500)}` }] };
  }
}

createRoot(document.getElementById('atrium-ide')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: settings.defaultQuery,
    defaultHeaders: settings.defaultHeaders,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
    shouldPersistHeaders: false,
  }),
);
