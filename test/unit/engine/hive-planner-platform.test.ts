import { describe, expect, it } from 'vitest';
import { createHivePlanner } from '../../../gateway/engine/hive-planner.js';
import { benchSupergraphSdl } from '../../fixtures/bench-workload.js';

// Its own file (so its own process): the native module must not have been loaded yet. NAPI_RS_NATIVE_LIBRARY_PATH
// is the napi-rs loader's override of the binary's path; pointing it nowhere is what a platform without a
// prebuilt binary looks like.
describe('the hive planner on a platform without its native binary', () => {
  it('refuses at startup, naming the platform and the alternative', () => {
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH = '/nonexistent/hive_router_query_planner.node';
    try {
      expect(() => createHivePlanner({ supergraphSdl: benchSupergraphSdl(), fallback: () => ({ plan: () => ({ kind: 'QueryPlan' }) }) })).toThrow(
        new RegExp(`^engine.planner "hive": the native planner does not load on ${process.platform}-${process.arch} \\(.*\\); use engine.planner: apollo$`, 's'),
      );
    } finally {
      delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
    }
  });
});
