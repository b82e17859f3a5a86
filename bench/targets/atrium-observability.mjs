import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { atriumServe } from './atrium.mjs';

/**
 * Atrium with the access log, Prometheus metrics and OpenTelemetry tracing all on (bench/gateway-
 * observability*.yaml), sampling every trace or 1% of them: compared with the `atrium` row, the cost of
 * full observability per request. Spans go to a sink in the bench subgraphs' process (any `/__bench/` path
 * drains the body and answers 200), found from the routing URLs in the composed supergraph.
 */

const FULL = fileURLToPath(new URL('../gateway-observability.yaml', import.meta.url));
const SAMPLED = fileURLToPath(new URL('../gateway-observability-sampled.yaml', import.meta.url));

/**
 * The bench subgraphs' span sink, found from the first routing URL of the composed supergraph.
 * @param {string} supergraphFile
 */
export function otlpSink(supergraphFile) {
  const routingUrl = /url: "(http:\/\/[^"]+)"/.exec(readFileSync(supergraphFile, 'utf8'));
  if (!routingUrl) throw new Error(`no routing URL in ${supergraphFile}`);
  return new URL('/__bench/otlp/v1/traces', routingUrl[1]).href;
}

/**
 * `atrium serve` with `config`, its spans sent to the bench subgraphs' sink.
 * @param {import('../lib/target.mjs').StartContext} ctx
 * @param {string} config
 */
function observedServe(ctx, config) {
  return { ...atriumServe(ctx, config), env: { ATRIUM_BENCH_OTLP_URL: otlpSink(ctx.supergraphFile) } };
}

/** Skips the rows when this build's gateway.yaml has no observability settings yet. */
const skipWithoutObservability = (/** @type {number | string} */ code, /** @type {string} */ output) =>
  code === 2 && /tracing|metrics|accessLog/.test(output) ? `this build does not accept the observability settings: ${output.trim().split('\n')[0]}` : undefined;

/** @type {import('../lib/target.mjs').Target[]} */
export const targets = [
  {
    name: 'atrium-observability',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, access log + metrics + tracing sampled at 1.0',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => observedServe(ctx, FULL),
    skipWhenExited: skipWithoutObservability,
  },
  {
    name: 'atrium-observability-1pct',
    what: 'Atrium (dist/gateway/cli.js serve): one process, server in a worker thread, access log + metrics + tracing sampled at 0.01',
    peer: false,
    dedup: 'on (default)',
    cpus: '1',
    command: (ctx) => observedServe(ctx, SAMPLED),
    skipWhenExited: skipWithoutObservability,
  },
];
