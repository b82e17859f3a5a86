/**
 * What the runner hands every scenario.
 *
 * @typedef {object} Options
 * @property {number} duration measured seconds per load run
 * @property {number} warmup warm-up seconds before each measured run
 * @property {number} repeats runs per target
 * @property {number} connections concurrent connections of the throughput load
 * @property {number} operations distinct operations in the plan-miss scenario
 * @property {boolean} smoke
 *
 * @typedef {object} Context
 * @property {Options} options
 * @property {import('../lib/target.mjs').Target[]} targets
 * @property {{ proc: import('../lib/procs.mjs').Tracked; urls: Record<string, string>; statsUrl: string }} subgraphs
 * @property {string} supergraphFile
 * @property {'wrk' | 'autocannon' | 'builtin'} tool
 * @property {string} loadCpus where the load generator runs
 * @property {string[]} notes
 * @property {(line: string) => void} log
 * @property {{ failed: boolean }} status set `failed` when a correctness check fails
 *
 * @typedef {object} ScenarioResult
 * @property {string} title
 * @property {string} markdown the table and its notes
 * @property {unknown} json raw results
 */

export {};
