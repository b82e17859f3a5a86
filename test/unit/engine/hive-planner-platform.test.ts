import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../gateway/engine/engine.js';
import { createHivePlanner } from '../../../gateway/engine/hive-planner.js';
import { createLogger } from '../../../gateway/logger.js';
import { buildSupergraph } from '../../../gateway/supergraph/build-supergraph.js';
import { benchSupergraphSdl } from '../../fixtures/bench-workload.js';

// Its own file (so its own process): the native module must not have been loaded yet. NAPI_RS_NATIVE_LIBRARY_PATH
// is the napi-rs loader's override of the binary's path; pointing it nowhere is what a platform without a
// prebuilt binary looks like.
describe('the hive planner on a platform without its native binary', () => {
  it('refuses at startup, naming the platform and the alternative', () => {
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH = '/nonexistent/hive_router_query_planner.node';
    try {
      expect(() => createHivePlanner({ supergraphSdl: benchSupergraphSdl(), fallback: () => ({ plan: () => ({ kind: 'QueryPlan' }) }) })).toThrow(
        new RegExp(`^engine.planner "hive": the native planner does not load on ${process.platform}-${process.arch} \\(.*\\); engine.planner auto or apollo plans with the apollo planner instead$`, 's'),
      );
    } finally {
      delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
    }
  });

  it('leaves engine.planner auto (the default) with the apollo planner, and says why', () => {
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH = '/nonexistent/hive_router_query_planner.node';
    try {
      const lines: { msg: string; reason?: string }[] = [];
      const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
      const client = { fetch: () => Promise.reject(new Error('not called')), close: async () => {} };
      const engine = createEngine({ supergraph: buildSupergraph(benchSupergraphSdl()), client, logger });
      expect(engine.plannerName).toBe('apollo');
      const line = lines.find((l) => l.msg.startsWith('engine: planner auto'));
      expect(line?.reason).toMatch(/native planner does not load/);
      expect(() => createEngine({ supergraph: buildSupergraph(benchSupergraphSdl()), client, planner: 'hive' })).toThrow(/native planner does not load/);
    } finally {
      delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
    }
  });
});
