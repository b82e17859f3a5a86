import { describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, startNode } from './processes.js';

// The benchmark harness in smoke mode (`node bench/run.mjs --smoke`): Atrium and the no-gateway monolith
// against the bench subgraphs, two seconds of load from the built-in loop, and the byte-for-byte check
// of the answer against bench/workload/expected-response.json before and after. It needs neither wrk nor
// bench/node_modules (peer gateways are skipped without being imported), and never fails on timing.

describe('bench smoke run', () => {
  it('answers the benchmark query byte-identically before and after load, and exits 0', async () => {
    assertBuilt();
    const bench = startNode(`${ROOT}bench/run.mjs`, ['--smoke']);
    const code = await Promise.race([
      bench.exited(),
      new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 100_000)),
    ]);
    if (code === 'timeout') await bench.stop('SIGINT', 10_000);
    const output = bench.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/\[throughput atrium #1\] byte-identical to expected-response\.json before load: OK/);
    expect(output).toMatch(/\[throughput atrium #1\] byte-identical to expected-response\.json after load: OK/);
    expect(output).toMatch(/\[throughput monolith #1\] byte-identical to expected-response\.json after load: OK/);
    expect(output).toContain('SMOKE OK');
  }, 120_000);
});
