import type { GatewayConfig } from '../../config/schema.js';
import { AtriumError, type ErrorCode, limitError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from '../../observability/metrics.js';
import type { AtriumPlugin } from '../plugin.js';
import { type DocumentMeasures, measureDocument } from '../../engine/measure-document.js';

/** The operation limits of gateway.yaml, by their key under `limits`. */
export type LimitName = 'maxDepth' | 'maxAliases' | 'maxRootFields' | 'maxTokens' | 'maxDirectives' | 'maxSelections' | 'maxNameLength' | 'maxBatchSize';

type DocumentLimitName = Exclude<LimitName, 'maxBatchSize'>;

/**
 * How often each document limit was exceeded since start: `rejected` in enforce mode, `measured` in measure
 * mode. (Batch sizes are checked by the GraphQL handler, which logs them.)
 */
export interface LimitStats {
  readonly rejected: Readonly<Record<DocumentLimitName, number>>;
  readonly measured: Readonly<Record<DocumentLimitName, number>>;
}

/** The limits plugin, with its counters (for metrics). */
export interface LimitsPlugin extends AtriumPlugin {
  stats(): LimitStats;
}

interface LimitRule {
  readonly name: DocumentLimitName;
  readonly code: ErrorCode;
  readonly measure: keyof DocumentMeasures;
  readonly describe: (actual: number) => string;
}

const RULES: readonly LimitRule[] = [
  { name: 'maxDepth', code: 'MAX_DEPTH_EXCEEDED', measure: 'depth', describe: (n) => `operation nests ${n} levels deep` },
  { name: 'maxAliases', code: 'MAX_ALIASES_EXCEEDED', measure: 'aliases', describe: (n) => `operation uses ${n} aliases` },
  { name: 'maxRootFields', code: 'MAX_ROOT_FIELDS_EXCEEDED', measure: 'rootFields', describe: (n) => `operation selects ${n} root fields` },
  { name: 'maxDirectives', code: 'MAX_DIRECTIVES_EXCEEDED', measure: 'directives', describe: (n) => `operation uses ${n} directives` },
  { name: 'maxTokens', code: 'MAX_TOKENS_EXCEEDED', measure: 'tokens', describe: (n) => `query has ${n} tokens` },
  {
    name: 'maxSelections',
    code: 'MAX_SELECTIONS_EXCEEDED',
    measure: 'selections',
    describe: (n) => `operation expands to ${n} field selections`,
  },
  {
    name: 'maxNameLength',
    code: 'MAX_NAME_LENGTH_EXCEEDED',
    measure: 'longestName',
    describe: (n) => `operation has a name or @defer label of ${n} characters`,
  },
];


/**
 * Operation limits (`limits` in gateway.yaml). Runs before validation, so an alias bomb or a deep document
 * is refused before graphql-js's validation (quadratic in the number of overlapping fields) sees it.
 * In `measure` mode every exceeded limit is logged and counted, and the operation runs. Each exceeded
 * limit also counts in `atrium_limits_exceeded_total{limit, mode}` when metrics are on.
 *
 * @example
 * const limits = createLimitsPlugin(config.limits, logger);
 * limits.stats().rejected.maxAliases; // 0
 */
export function createLimitsPlugin(config: GatewayConfig['limits'], logger: Logger, metrics?: GatewayMetrics): LimitsPlugin {
  const exceededMetric = metrics?.counter({
    name: 'atrium_limits_exceeded_total',
    help: 'Operations over an operation limit, by limit and mode (enforce: rejected; measure: only counted).',
    labelNames: ['limit', 'mode'] as const,
  });
  const enforce = config.mode === 'enforce';
  const rules = RULES.filter((rule) => config[rule.name] > 0);
  const rejected = zeroCounts();
  const measured = zeroCounts();

  const exceeded = (limit: DocumentLimitName, error: AtriumError, requestId: string): AtriumError | undefined => {
    exceededMetric?.inc({ limit, mode: config.mode });
    if (enforce) {
      rejected[limit]++;
      return error;
    }
    measured[limit]++;
    logger.warn({ requestId, ...error.extensions }, `limits: ${error.message} (measure mode, not rejected)`);
    return undefined;
  };

  return {
    name: 'limits',
    onDocument({ context, document, source, reject }) {
      if (rules.length === 0) return;
      const measures = measureDocument(document, source);
      for (const rule of rules) {
        const actual = measures[rule.measure];
        const max = config[rule.name];
        if (actual <= max) continue;
        const error = exceeded(rule.name, limitError({ code: rule.code, limit: rule.name, what: rule.describe(actual), max, actual }), context.requestId);
        if (error) {
          reject(error);
          return;
        }
      }
    },
    stats: () => ({ rejected: { ...rejected }, measured: { ...measured } }),
  };
}

function zeroCounts(): Record<DocumentLimitName, number> {
  return { maxDepth: 0, maxAliases: 0, maxRootFields: 0, maxTokens: 0, maxDirectives: 0, maxSelections: 0, maxNameLength: 0 };
}
