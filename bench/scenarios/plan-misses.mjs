import { answer } from '../monolith.mjs';
import { post } from '../lib/http.mjs';
import { percentile } from '../lib/load.mjs';
import { distinctOperations, largestAdmittedOperation } from '../lib/operations.mjs';
import { fmt, mean, median, table } from '../lib/report.mjs';
import { startTarget } from '../lib/start.mjs';

/**
 * Many distinct operations: each target, freshly started, gets every operation once (a plan-cache miss:
 * parse, validate, plan), then the same operation three more times (plan cached). Planning time per
 * operation is estimated as the cold request's latency minus the median of the warm ones; the subgraphs'
 * response cache is off meanwhile, so cold and warm requests do the same subgraph work. Requests are
 * sequential, one at a time. Each answer is compared with the monolith's answer to the same operation.
 */

/**
 * @param {import('./context.mjs').Context} ctx
 * @param {import('../lib/target.mjs').Target} target
 * @param {string[]} operations
 * @param {string[]} expected
 * @param {number} repeat
 */
async function measure(ctx, target, operations, expected, repeat) {
  const tag = `[plan-misses ${target.name} #${repeat}]`;
  const started = await startTarget(target, ctx);
  if ('skipped' in started) {
    ctx.log(`${tag} SKIPPED: ${started.skipped}`);
    return { target: target.name, repeat, skipped: started.skipped };
  }
  const { proc, url, headers } = started;
  try {
    /** @type {number[]} */
    const cold = [];
    /** @type {number[]} */
    const warm = [];
    /** @type {number[]} */
    const planning = [];
    let wrong = 0;
    let firstWrong = '';
    for (const [i, operation] of operations.entries()) {
      const body = JSON.stringify({ query: operation });
      const first = await post(url, body, { headers });
      const again = [await post(url, body, { headers }), await post(url, body, { headers }), await post(url, body, { headers })];
      const warmMs = median(again.map((r) => r.ms));
      cold.push(first.ms);
      warm.push(warmMs);
      planning.push(first.ms - warmMs);
      if (!sameJson(first.text, expected[i]) || !sameJson(again[0].text, expected[i])) {
        wrong++;
        firstWrong ||= `Op${i + 1}: got ${first.text.slice(0, 160)}`;
      }
    }
    const sorted = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b);
    const result = {
      target: target.name,
      repeat,
      operations: operations.length,
      coldP50: percentile(sorted(cold), 50),
      coldP99: percentile(sorted(cold), 99),
      warmP50: percentile(sorted(warm), 50),
      planningP50: percentile(sorted(planning), 50),
      planningP99: percentile(sorted(planning), 99),
      planningMean: mean(planning),
      // The last operation is the largest the default limits admit (largestAdmittedOperation).
      largestPlanning: planning[planning.length - 1],
      wrong,
      firstWrong,
    };
    ctx.log(
      `${tag} ${operations.length} distinct operations: planning p50 ${fmt(result.planningP50, 2)} ms, p99 ${fmt(result.planningP99, 2)} ms, largest admitted ${fmt(result.largestPlanning, 2)} ms; ${operations.length - wrong}/${operations.length} answers match the monolith`,
    );
    return result;
  } finally {
    await proc.stop();
  }
}

/** Same JSON document, key order included (the gateways must keep the query's field order). */
function sameJson(/** @type {string} */ a, /** @type {string} */ b) {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/**
 * @param {import('./context.mjs').Context} ctx
 * @returns {Promise<import('./context.mjs').ScenarioResult>}
 */
export async function run(ctx) {
  const operations = [...distinctOperations(ctx.options.operations), largestAdmittedOperation()];
  const expected = operations.map((query) => answer(JSON.stringify({ query })).payload);
  const cacheUrl = ctx.subgraphs.statsUrl.replace('/__bench/stats', '/__bench/cache');
  await post(`${cacheUrl}?enabled=0`, '');
  /** @type {any[]} */
  const runs = [];
  try {
    for (let repeat = 1; repeat <= ctx.options.repeats; repeat++) {
      for (const target of ctx.targets) {
        if (runs.some((r) => r.target === target.name && r.skipped)) continue;
        try {
          runs.push(await measure(ctx, target, operations, expected, repeat));
        } catch (error) {
          ctx.log(`[plan-misses ${target.name} #${repeat}] ERROR: ${/** @type {Error} */ (error).message}`);
          runs.push({ target: target.name, repeat, error: /** @type {Error} */ (error).message.split('\n')[0] });
        }
      }
    }
  } finally {
    await post(`${cacheUrl}?enabled=1`, '');
  }
  const rows = [];
  const notes = [];
  for (const target of ctx.targets) {
    const mine = runs.filter((r) => r.target === target.name);
    const measured = mine.filter((r) => r.operations);
    if (measured.length === 0) {
      const reason = mine.find((r) => r.skipped)?.skipped ?? mine.map((r) => r.error).join('; ');
      rows.push([target.name, '—', '—', '—', '—', '—', '—', '—', mine.some((r) => r.skipped) ? 'skipped' : 'ERROR']);
      notes.push(`${target.name}: ${reason}`);
      continue;
    }
    const wrong = measured.reduce((a, r) => a + r.wrong, 0);
    const total = measured.reduce((a, r) => a + r.operations, 0);
    if (wrong > 0) {
      ctx.status.failed ||= target.name === 'atrium';
      notes.push(`${target.name}: ${wrong} answers differ from the monolith's, e.g. ${measured.find((r) => r.firstWrong)?.firstWrong}`);
    }
    rows.push([
      target.name,
      fmt(mean(measured.map((r) => r.coldP50)), 2),
      fmt(mean(measured.map((r) => r.coldP99)), 2),
      fmt(mean(measured.map((r) => r.warmP50)), 2),
      fmt(mean(measured.map((r) => r.planningP50)), 2),
      fmt(mean(measured.map((r) => r.planningP99)), 2),
      fmt(mean(measured.map((r) => r.planningMean)), 2),
      fmt(mean(measured.map((r) => r.largestPlanning)), 2),
      wrong === 0 ? `${total}/${total} OK` : `**${total - wrong}/${total}**`,
    ]);
  }
  const markdown = [
    table(['target', 'cold p50 ms', 'cold p99 ms', 'warm p50 ms', 'planning p50 ms', 'planning p99 ms', 'planning mean ms', 'largest admitted ms', 'answers = monolith'], rows),
    '',
    `${operations.length} distinct operations (seeded, up to 4 levels deep over all four subgraphs, and last the largest operation Atrium's default limits admit: a binary tree of entity fetches, 272 selections), sent one at a time to a freshly started target: once cold, then 3 times warm; ${ctx.options.repeats} run(s) per target, means of the runs shown.`,
    'Planning = cold latency − median warm latency of the same operation: parse, validation and query planning (plus any other first-time cost); the subgraph response cache is off during this scenario so both do the same subgraph work. The monolith has no planner: its figure is parse + validation.',
    'The requests share one kept-alive connection, so a multi-process target (atrium-2-workers) answers them from one worker; should the connection be replaced mid-run, a warm request may reach a worker that has not planned the operation yet.',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
  return { title: 'Plan-cache misses: many distinct operations', markdown, json: runs };
}
