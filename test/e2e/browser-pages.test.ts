import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../../subgraphs/index.js';
import { type DemoYamlGateway, startDemoYamlGateway } from '../helpers/demo-yaml-gateway.js';

// Issue 20, item 4: the pages for people, in a real browser. Debian's Chromium (`.ci/run` installs it)
// headless, driven by playwright-core, against the demo gateway (the repository's gateway.yaml) over the demo
// subgraphs: the IDE at /graphql and the OpenAPI viewer at /docs load with no console error and no CSP
// violation, the IDE runs the pre-filled demo query and shows the answer, and sends the headers typed in its
// Headers editor. With ATRIUM_SCREENSHOTS=1 (`npm run screenshots`) it also writes docs/images/*.png.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.ATRIUM_SCREENSHOTS === '1';
/** The Headers editor (the Variables editor beside it is hidden while the Headers tab is open). */
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
const IMAGES = join(findRepoRoot(), 'docs', 'images');

let demo: DemoYamlGateway;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  demo = await startDemoYamlGateway();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

/** A page in a fresh context that records console errors, page errors and CSP violations. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Injected by the browser's debugging protocol, so the page's own CSP does not apply to it.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
    console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI);
  });`);
  return { page, problems };
}

describe('the GraphQL IDE at /graphql', () => {
  it('loads under its CSP, shows the demo query, runs it and shows the answer', async () => {
    const expected = await demo.post('{ topProducts(first: 2) { name price } }');
    const [first] = expected.body.data.topProducts as { name: string; price: number }[];
    const { page, problems } = await openPage();
    const response = await page.goto(`${demo.origin}/`);
    expect(response?.url()).toBe(`${demo.origin}/graphql`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => queryEditor.innerText()).toContain('topProducts(first: 2)');
    await page.locator('button.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await expect.poll(() => result.innerText()).toContain(first!.name);
    expect(await result.innerText()).toContain(String(first!.price));
    if (SCREENSHOTS) {
      await mkdir(IMAGES, { recursive: true });
      await page.screenshot({ path: join(IMAGES, 'graphql-ide.png') });
    }
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('sends the headers typed in the Headers editor', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${demo.origin}/graphql`);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    // Order is @requiresScopes(orders:read): without credentials the gateway nulls it with an error.
    await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ order(id: "1") { id status } }');
    await page.getByRole('button', { name: 'Headers' }).click();
    await setEditor(page, HEADERS_EDITOR, '{"x-api-key": "demo-ci-key"}');
    await page.locator('button.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await expect.poll(() => result.innerText()).toContain('"status"');
    expect(await result.innerText()).not.toContain('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(problems).toEqual([]);

    await setEditor(page, HEADERS_EDITOR, '{"x-api-key": "not-a-key"}');
    await page.locator('button.graphiql-execute-button').click();
    await expect.poll(() => result.innerText()).toContain('UNAUTHENTICATED');
    // The browser logs the 401 itself; nothing else may appear.
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    await page.context().close();
  });
});

describe('the OpenAPI viewer at /docs', () => {
  it('loads under its CSP and lists the REST routes', async () => {
    const { page, problems } = await openPage();
    const response = await page.goto(`${demo.origin}/docs`);
    expect(response?.status()).toBe(200);
    const openapi = (await (await fetch(`${demo.origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const summaries = Object.values(openapi.paths).flatMap((methods) => Object.values(methods).map((operation) => operation.summary ?? ''));
    expect(summaries).toContain('The top products');
    const menu = page.locator('.menu-content');
    await expect.poll(() => menu.innerText()).toContain('The top products');
    const menuText = await menu.innerText();
    for (const summary of summaries) expect(menuText).toContain(summary);
    if (SCREENSHOTS) {
      await mkdir(IMAGES, { recursive: true });
      await page.screenshot({ path: join(IMAGES, 'openapi-viewer.png') });
    }
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

/** Replaces a CodeMirror editor's text through its own API (typing would fight its bracket auto-closing). */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).first().evaluate((element, value) => {
    (element as unknown as { CodeMirror: { setValue(text: string): void } }).CodeMirror.setValue(value);
  }, text);
}
