import { existsSync, readFileSync } from 'node:fs';
import { type Command, parseCommandArgs, UsageError } from './command.js';

/** `atrium plan`: the query plan of one operation, and which planner made it. */
export const planCommand: Command = {
  name: 'plan',
  summary: 'Print the query plan of an operation and which planner made it',
  usage: `Usage: atrium plan --supergraph <file> --query <file|text> [flags]

Plans one operation over a composed supergraph SDL the way \`atrium serve\` would (engine.planner auto:
Hive's native planner; Apollo's only where the Hive path lacks a capability), and prints which planner
made the plan — with the fallback reason, if any — followed by the plan as JSON.

Flags:
  --supergraph <file>      the composed supergraph SDL (atrium compose -o supergraph.graphql)
  -q, --query <file|text>  the operation: a .graphql file, or the query text itself
  --operation-name <name>  the operation to plan when the document holds several
  --planner <name>         auto (default), hive or apollo
  -h, --help               show this help

Examples:
  atrium plan --supergraph supergraph.graphql --query 'query { topProducts { name } }'
  atrium plan --supergraph supergraph.graphql -q ops/checkout.graphql --operation-name Checkout

Exit codes: 0 planned, 1 the operation cannot be planned or the supergraph cannot be loaded, 2 bad arguments.
`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      supergraph: { type: 'string' },
      query: { type: 'string', short: 'q' },
      'operation-name': { type: 'string' },
      planner: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, { hint: true });
    if (values.supergraph === undefined) throw new UsageError('--supergraph is required', { hint: true });
    if (values.query === undefined) throw new UsageError('--query is required', { hint: true });
    if (!existsSync(values.supergraph)) throw new UsageError(`supergraph file not found: ${values.supergraph}`);
    const planner = values.planner ?? 'auto';
    if (!['auto', 'hive', 'apollo'].includes(planner)) throw new UsageError(`--planner must be auto, hive or apollo, not "${planner}"`);
    const query = existsSync(values.query) ? readFileSync(values.query, 'utf8') : values.query;

    // Loaded on demand: the federation packages are not needed for `atrium --help`.
    const [{ parse, validate }, { buildSupergraph }, { createEngine }] = await Promise.all([
      import('graphql'),
      import('../supergraph/build-supergraph.js'),
      import('../engine/engine.js'),
    ]);
    const supergraph = buildSupergraph(readFileSync(values.supergraph, 'utf8'));
    const document = parse(query);
    const invalid = validate(supergraph.apiSchema, document);
    if (invalid.length > 0) {
      io.stderr.write(`atrium: the operation does not validate against the API schema:\n${invalid.map((e) => `  ${e.message}`).join('\n')}\n`);
      return 1;
    }
    const client = { fetch: () => Promise.reject(new Error('atrium plan sends no request')), close: async () => {} };
    const engine = createEngine({ supergraph, client, planner: planner as 'auto' | 'hive' | 'apollo' });
    const explained = engine.explainPlan({ document, operationName: values['operation-name'] });
    const fallback = explained.fallback ? ` (fallback: ${explained.fallback.reason}: ${explained.fallback.detail})` : '';
    io.stdout.write(`planner: ${explained.planner}${fallback}\n${JSON.stringify(explained.plan, null, 2)}\n`);
    return 0;
  },
};
