import { formatCompositionProblem } from '../supergraph/compose.js';
import type { SubgraphCheckReport } from './check-subgraph.js';

const MARK = { breaking: '✗', dangerous: '!', safe: '+' } as const;

/**
 * The report as a terminal or CI log shows it: composition errors, then the API diff (`✗` breaking,
 * `!` dangerous, `+` safe, each with its category), then feature-check problems, then one verdict line.
 *
 * @example
 * formatCheckReport(report);
 * // products: API changes against the live schema (1 breaking, 1 safe):
 * //   ✗ field-removed        Product.weight was removed.
 * //   + field-added          Product.color was added.
 * // products: refused — 1 breaking change (publish with --allow-breaking to accept it)
 */
export function formatCheckReport(report: SubgraphCheckReport): string {
  const lines: string[] = [];
  const name = report.subgraph;
  if (report.compositionErrors.length > 0) {
    lines.push(`${name}: does not compose with the live subgraphs (${report.compositionErrors.length} ${report.compositionErrors.length === 1 ? 'error' : 'errors'}):`);
    for (const problem of report.compositionErrors) lines.push(`  ${formatCompositionProblem(problem)}`);
  }
  const count = (severity: keyof typeof MARK) => report.changes.filter((change) => change.severity === severity).length;
  const breaking = count('breaking');
  if (report.changes.length > 0) {
    const counts = (['breaking', 'dangerous', 'safe'] as const).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
    lines.push(`${name}: API changes against the live schema (${counts.join(', ')}):`);
    for (const change of report.changes) lines.push(`  ${MARK[change.severity]} ${change.category.padEnd(30)} ${change.message}`);
  } else if (report.compositionErrors.length === 0) {
    lines.push(`${name}: no change to the API schema`);
  }
  if (report.checkProblems.length > 0) {
    lines.push(`${name}: feature checks failed (${report.checkProblems.length}):`);
    for (const problem of report.checkProblems) lines.push(`  ${problem}`);
  }
  lines.push(`${name}: ${verdict(report, breaking)}`);
  return `${lines.join('\n')}\n`;
}

function verdict(report: SubgraphCheckReport, breaking: number): string {
  if (report.ok) return breaking > 0 ? `passes with ${breaking} breaking change(s) allowed` : 'passes';
  const reasons: string[] = [];
  if (report.compositionErrors.length > 0) reasons.push('composition failed');
  if (breaking > 0 && !report.allowBreaking) reasons.push(`${breaking} breaking change(s) (use --allow-breaking to accept them)`);
  if (report.checkProblems.length > 0) reasons.push('feature checks failed');
  return `refused — ${reasons.join('; ')}`;
}
