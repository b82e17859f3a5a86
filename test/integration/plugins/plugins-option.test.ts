import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import type { AtriumPlugin } from '../../../gateway/plugins/plugin.js';
import { type RunningGateway, type StartGatewayOptions, startGateway } from '../../../gateway/start-gateway.js';
import { startDemoGateway, type DemoGateway } from '../../helpers/demo-gateway.js';

const KEY = 'key-of-the-mobile-app-0123456789';
const CONFIG = {
  auth: { required: true, apiKeys: { keys: { mobile: { hash: `sha256:${createHash('sha256').update(KEY).digest('hex')}` } } } },
};

/**
 * Issue 16, item 13: `startGateway({ plugins: [myPlugin] })` replaced every built-in plugin, so a custom
 * plugin silently switched authentication and authorization off. Custom plugins are now added after the
 * configured ones; removing a built-in takes naming it in `withoutBuiltInPlugins`.
 */
describe('startGateway({ plugins })', () => {
  let demo: DemoGateway;
  const started: RunningGateway[] = [];
  const seen: (string | undefined)[] = [];
  const myPlugin: AtriumPlugin = {
    name: 'mine',
    onRequest({ context }) {
      seen.push(context.principal?.clientId);
    },
  };
  const start = async (options: Partial<StartGatewayOptions>) => {
    const gateway = await startGateway({
      config: parseConfig({ ...CONFIG, authorization: { mode: 'measure' }, server: { port: 0, host: '127.0.0.1' } }, 'test'),
      supergraph: { kind: 'config', path: demo.supergraphConfigPath },
      logger: createLogger({ level: 'silent' }),
      ...options,
    });
    started.push(gateway);
    return gateway;
  };
  const post = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ topProducts(first: 1) { upc } }' }) });

  beforeAll(async () => {
    demo = await startDemoGateway({ config: CONFIG });
  });
  afterAll(async () => {
    for (const gateway of started) await gateway.close();
    await demo?.close();
  });

  it('adds a custom plugin to the configured ones: authentication still refuses, and runs before it', async () => {
    const gateway = await start({ plugins: [myPlugin] });
    const anonymous = await post(gateway.url);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    seen.length = 0;
    const signedIn = await post(gateway.url, { 'x-api-key': KEY });
    expect(signedIn.status).toBe(200);
    expect(seen).toEqual(['mobile']);
  });

  it('leaves a built-in out only when it is named', async () => {
    const gateway = await start({ plugins: [myPlugin], withoutBuiltInPlugins: ['auth'] });
    expect((await post(gateway.url)).status).toBe(200);
  });

  it('refuses an opt-out that names no built-in (a typo must not keep or drop protections silently)', async () => {
    await expect(start({ withoutBuiltInPlugins: ['authentication' as never] })).rejects.toThrow(
      /withoutBuiltInPlugins: "authentication" is not a built-in plugin/,
    );
  });
});
