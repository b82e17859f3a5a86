import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../gateway/config/load-config.js';
import { createLogger } from '../../../gateway/logger.js';
import { buildPlugins, closePlugins } from '../../../gateway/plugins/build-plugins.js';

const quiet = { write: () => {} };

async function pluginNames(config: Record<string, unknown>, level: string): Promise<string[]> {
  const logger = createLogger({ level, destination: quiet });
  const plugins = await buildPlugins(parseConfig(config, 'test'), { logger, configDir: process.cwd() });
  await closePlugins(plugins, logger);
  return plugins.map((p) => p.name);
}

describe('the observability plugin in buildPlugins', () => {
  it('is left out when nothing is turned on, so requests pay nothing', async () => {
    expect(await pluginNames({}, 'info')).not.toContain('observability');
  });

  it('is left out when the access log is on but log.level drops its lines', async () => {
    expect(await pluginNames({ log: { level: 'warn', accessLog: { enabled: true } } }, 'warn')).not.toContain('observability');
  });

  it('comes first when the access log, metrics or tracing is on', async () => {
    expect((await pluginNames({ log: { accessLog: { enabled: true } } }, 'info'))[0]).toBe('observability');
    expect((await pluginNames({ metrics: { enabled: true } }, 'silent'))[0]).toBe('observability');
    expect((await pluginNames({ tracing: { enabled: true } }, 'silent'))[0]).toBe('observability');
  });
});
