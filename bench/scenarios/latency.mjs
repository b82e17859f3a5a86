import { post } from '../lib/http.mjs';
import { runLoad } from '../lib/load.mjs';
import { pinTree } from '../lib/procs.mjs';
import { fmt, mean, table } from '../lib/report.mjs';
import { startTarget } from '../lib/start.mjs';

/**
 * Added latency: a small query that one subgraph (products) answers alone, sent over one connection,
 * one request at a time, to each target and to the products subgraph directly. The gateway's added
 * latency is its p50/p99 minus the direct call's p50/p99 (goal for Atrium: <= 1 ms at p50).
 *
 * Each single-core target is measured in two placements: on its own core, as in the throughput runs
 * (every request then crosses cores twice more than the direct call does, and waking an idle vCPU costs
 * this VM around half a millisecond), and re-pinned to core 0 with the load generator and the
 * subgraphs, where the direct call runs too: the difference is then the gateway's own work.
 */

export const SMALL_QUERY = '{ topProducts(first: 5) { upc name price } }';

/**
 * @param {import('./context.mjs').Context} ctx
 * @returns {Promise<import('./context.mjs').ScenarioResult>}
 */
export async function run(ctx) {
  const body = JSON.stringify({ query: SMALL_QUERY });
  const seconds = ctx.options.smoke ? ctx.options.duration : Math.min(ctx.options.duration, 10);
  const warmup = Math.min(ctx.options.warmup, 3);
  const load = (/** @type {string} */ url, /** @type {number} */ s, /** @type {Record<string, string>} */ headers = {}) =>
    runLoad({ tool: ctx.tool, url, body, connections: 1, seconds: s, cpus: ctx.loadCpus, headers });
  const directUrl = ctx.subgraphs.urls.products;
  const reference = (await post(directUrl, body)).text;
  const DIRECT = 'products subgraph, direct';

  /** @type {any[]} */
  const runs = [];
  for (let repeat = 1; repeat <= ctx.options.repeats; repeat++) {
    if (warmup > 0) await load(directUrl, warmup);
    const direct = await load(directUrl, seconds);
    ctx.log(`[latency direct-subgraph #${repeat}] p50 ${fmt(direct.p50Ms, 3)} ms, p99 ${fmt(direct.p99Ms, 3)} ms`);
    runs.push({ target: DIRECT, placement: `cpus ${ctx.loadCpus}`, repeat, load: direct });
    for (const target of ctx.targets) {
      const tag = `[latency ${target.name} #${repeat}]`;
      if (runs.some((r) => r.target === target.name && r.skipped)) continue;
      try {
        const started = await startTarget(target, ctx);
        if ('skipped' in started) {
          ctx.log(`${tag} SKIPPED: ${started.skipped}`);
          runs.push({ target: target.name, repeat, skipped: started.skipped });
          continue;
        }
        try {
          const { status, text } = await post(started.url, body, { headers: started.headers });
          const ok = status === 200 && sameJson(text, reference);
          if (!ok) ctx.log(`${tag} MISMATCH: HTTP ${status} ${text.slice(0, 200)}`);
          const placements = [{ placement: `cpus ${target.cpus}`, cpus: target.cpus }];
          if (target.cpus !== ctx.loadCpus && !target.cpus.includes(',')) placements.push({ placement: `cpus ${ctx.loadCpus} (re-pinned)`, cpus: ctx.loadCpus });
          for (const { placement, cpus } of placements) {
            if (cpus !== target.cpus && !pinTree(started.proc.pid, cpus)) continue;
            if (warmup > 0) await load(started.url, warmup, started.headers);
            const result = await load(started.url, seconds, started.headers);
            ctx.log(
              `${tag} ${placement}: p50 ${fmt(result.p50Ms, 3)} ms, p99 ${fmt(result.p99Ms, 3)} ms (${fmt(result.p50Ms - direct.p50Ms, 3)} ms added at p50)`,
            );
            runs.push({ target: target.name, placement, repeat, load: result, direct, ok, ...(ok ? {} : { answer: text.slice(0, 300) }) });
          }
        } finally {
          await started.proc.stop();
        }
      } catch (error) {
        ctx.log(`${tag} ERROR: ${/** @type {Error} */ (error).message}`);
        runs.push({ target: target.name, repeat, error: /** @type {Error} */ (error).message.split('\n')[0] });
      }
    }
  }

  const directRuns = runs.filter((r) => r.target === DIRECT);
  const rows = [
    [
      DIRECT,
      `cpus ${ctx.loadCpus}`,
      fmt(mean(directRuns.map((r) => r.load.p50Ms)), 3),
      fmt(mean(directRuns.map((r) => r.load.p99Ms)), 3),
      '—',
      '—',
      fmt(mean(directRuns.map((r) => r.load.rps))),
      'reference',
    ],
  ];
  const notes = [];
  for (const target of ctx.targets) {
    const mine = runs.filter((r) => r.target === target.name);
    const measured = mine.filter((r) => r.load);
    if (measured.length === 0) {
      rows.push([target.name, '—', '—', '—', '—', '—', '—', mine.some((r) => r.skipped) ? 'skipped' : 'ERROR']);
      notes.push(`${target.name}: ${mine.find((r) => r.skipped)?.skipped ?? mine.map((r) => r.error).join('; ')}`);
      continue;
    }
    const ok = measured.every((r) => r.ok);
    if (!ok) notes.push(`${target.name}: its answer differs from the subgraph's: ${measured.find((r) => !r.ok)?.answer}`);
    for (const placement of [...new Set(measured.map((r) => r.placement))]) {
      const these = measured.filter((r) => r.placement === placement);
      rows.push([
        target.name,
        placement,
        fmt(mean(these.map((r) => r.load.p50Ms)), 3),
        fmt(mean(these.map((r) => r.load.p99Ms)), 3),
        fmt(mean(these.map((r) => r.load.p50Ms - r.direct.p50Ms)), 3),
        fmt(mean(these.map((r) => r.load.p99Ms - r.direct.p99Ms)), 3),
        fmt(mean(these.map((r) => r.load.rps))),
        ok ? 'OK' : '**MISMATCH**',
      ]);
    }
  }
  const markdown = [
    table(['target', 'placement', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'req/s (1 connection)', 'answer'], rows),
    '',
    `\`${SMALL_QUERY}\` (products subgraph only), 1 connection, warm-up ${warmup} s, measured ${seconds} s per placement, ${ctx.options.repeats} run(s); load by ${ctx.tool}. Added = target − direct call to the subgraph, from the same run; means over the runs. Goal for Atrium: <= 1 ms added at p50.`,
    `Placement: \`cpus ${ctx.loadCpus}\` is the core of the load generator and the subgraphs. A target on its own core (as in the throughput runs) pays for two extra cross-core wake-ups per request that the direct call does not; re-pinned to cpus ${ctx.loadCpus}, the same process (already warm) shares the core with them and the difference is the gateway's own work.`,
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
  return { title: 'Added latency: a small query to one subgraph', markdown, json: runs };
}

/** Same JSON document, key order included. */
function sameJson(/** @type {string} */ a, /** @type {string} */ b) {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
