import { post } from '../lib/http.mjs';
import { treeRssMb } from '../lib/procs.mjs';
import { fmt, mean, table } from '../lib/report.mjs';
import { startTarget } from '../lib/start.mjs';
import { checkBody, requestBody } from '../lib/workload.mjs';

/**
 * Cold start: from spawning the target's process to its first correct answer to the benchmark query
 * (polled every 10 ms on a fresh connection; the supergraph is already composed, in a file).
 */

/**
 * @param {import('./context.mjs').Context} ctx
 * @returns {Promise<import('./context.mjs').ScenarioResult>}
 */
export async function run(ctx) {
  /** @type {any[]} */
  const runs = [];
  const repeats = Math.max(ctx.options.repeats, ctx.options.smoke ? 1 : 3);
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const target of ctx.targets) {
      const tag = `[cold-start ${target.name} #${repeat}]`;
      if (runs.some((r) => r.target === target.name && r.skipped)) continue;
      try {
        const started = await startTarget(target, ctx);
        if ('skipped' in started) {
          ctx.log(`${tag} SKIPPED: ${started.skipped}`);
          runs.push({ target: target.name, repeat, skipped: started.skipped });
          continue;
        }
        try {
          const ok = checkBody((await post(started.url, requestBody, { headers: started.headers })).text).ok;
          const rssMb = treeRssMb(started.proc.pid);
          ctx.log(`${tag} first answer ${fmt(started.readyMs, 0)} ms after spawn; byte-identical: ${ok ? 'OK' : 'MISMATCH'}; RSS then ${fmt(rssMb)} MB`);
          runs.push({ target: target.name, repeat, readyMs: started.readyMs, steadyMs: started.steadyMs, rssMb, ok });
        } finally {
          await started.proc.stop();
        }
      } catch (error) {
        ctx.log(`${tag} ERROR: ${/** @type {Error} */ (error).message}`);
        runs.push({ target: target.name, repeat, error: /** @type {Error} */ (error).message.split('\n')[0] });
      }
    }
  }
  const rows = [];
  for (const target of ctx.targets) {
    const mine = runs.filter((r) => r.target === target.name);
    const measured = mine.filter((r) => r.readyMs !== undefined);
    if (measured.length === 0) {
      rows.push([target.name, '—', '—', '—', '—', '—', '—', mine.some((r) => r.skipped) ? 'skipped' : 'ERROR']);
      continue;
    }
    const values = measured.map((r) => r.readyMs);
    rows.push([
      target.name,
      fmt(mean(values), 0),
      fmt(Math.min(...values), 0),
      fmt(Math.max(...values), 0),
      values.map((v) => fmt(v, 0)).join(', '),
      fmt(mean(measured.map((r) => r.steadyMs)), 0),
      fmt(mean(measured.map((r) => r.rssMb))),
      measured.every((r) => r.ok) ? 'OK' : '**MISMATCH**',
    ]);
  }
  const markdown = [
    table(['target', 'mean ms', 'min ms', 'max ms', 'runs ms', '4 in a row, mean ms', 'RSS at first answers MB', 'check'], rows),
    '',
    `Spawn (node, pinned as in the throughput runs) to the first correct answer to the benchmark query, ${repeats} run(s) per target; includes Node's own start, loading the packages, reading the supergraph, and the first operation (its plan and subgraph fetches). "4 in a row": until four consecutive polls (fresh connections) were answered, i.e. every worker of a multi-process target serves, as a worker still loading answers 503. "RSS at first answers": the sum of VmRSS over the target's processes right after those answers and one more check (mean over the runs).`,
  ].join('\n');
  return { title: 'Cold start to the first served request', markdown, json: runs };
}
