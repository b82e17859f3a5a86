import { resolve } from 'node:path';
import type { DocumentNode } from 'graphql';
import type { GatewayConfig } from '../../config/schema.js';
import { AtriumError } from '../../errors.js';
import type { RequestContext } from '../../request-context.js';
import type { LoadedSupergraph } from '../../supergraph/build-supergraph.js';
import type { PluginDependencies } from '../build-plugins.js';
import type { AtriumPlugin } from '../plugin.js';
import { type FilteredOperation, filterOperation, type RemovedSelection } from './filter-operation.js';
import { nullRemovedSelections } from './null-removed-selections.js';
import { createFactsReader, loadPolicyModule } from './principal-facts.js';
import { readRequirements, type SchemaRequirements } from './requirements.js';

/** Filtered operations kept per document (one per operation name and set of principal facts). */
const OUTCOMES_PER_DOCUMENT = 64;

interface SupergraphState {
  readonly requirements: SchemaRequirements;
  readonly outcomes: WeakMap<DocumentNode, Map<string, FilteredOperation>>;
}

/**
 * The `authorization` plugin: enforces `@authenticated`, `@requiresScopes` and `@policy` from the
 * supergraph before planning (directives.md). In `filter` mode unauthorized selections are replaced so no
 * subgraph is asked for them, each gets an UNAUTHORIZED_FIELD_OR_TYPE error at its path, and `onResponse`
 * puts the nulls in place (with null propagation; `data: null` when nothing is left). `reject` refuses the
 * operation (401 without a principal, 403 with one); `measure` only logs. The filtered operation is cached
 * per document, operation name and principal facts, so a repeated operation costs two map lookups.
 *
 * @example
 * const authorization = await createAuthorizationPlugin(config.authorization, { logger, configDir, realm: 'atrium' });
 */
export async function createAuthorizationPlugin(
  config: GatewayConfig['authorization'],
  dependencies: PluginDependencies & { readonly realm: string },
): Promise<AtriumPlugin> {
  const { logger } = dependencies;
  const functions = config.policyModule ? await loadPolicyModule(resolve(dependencies.configDir, config.policyModule)) : {};
  const readFacts = createFactsReader({ rules: config.policies, functions, logger });
  const perSupergraph = new WeakMap<LoadedSupergraph, SupergraphState>();
  const perRequest = new WeakMap<RequestContext, FilteredOperation>();

  const stateOf = (supergraph: LoadedSupergraph): SupergraphState => {
    let state = perSupergraph.get(supergraph);
    if (!state) {
      const requirements = readRequirements(supergraph.supergraph);
      for (const name of requirements.policiesUsed) {
        if (!Object.hasOwn(config.policies, name) && !Object.hasOwn(functions, name)) {
          logger.warn({ policy: name }, 'authorization: the schema names a policy gateway.yaml does not define; it is always false');
        }
      }
      state = { requirements, outcomes: new WeakMap() };
      perSupergraph.set(supergraph, state);
    }
    return state;
  };

  return {
    name: 'authorization',
    async onOperation({ context, supergraph, document, operation, operationName, setDocument, addError, reject }) {
      const state = stateOf(supergraph);
      if (state.requirements.empty) return;
      const { facts, key } = await readFacts(context.principal, state.requirements);
      let outcomes = state.outcomes.get(document);
      if (!outcomes) {
        outcomes = new Map();
        state.outcomes.set(document, outcomes);
      }
      const outcomeKey = `${operationName ?? ''}\u0000${key}`;
      let outcome = outcomes.get(outcomeKey);
      if (!outcome) {
        outcome = filterOperation({ schema: supergraph.apiSchema, requirements: state.requirements, document, operation, facts });
        if (outcomes.size >= OUTCOMES_PER_DOCUMENT) outcomes.delete(outcomes.keys().next().value!);
        outcomes.set(outcomeKey, outcome);
      }
      if (outcome.document === undefined) return;
      const paths = visiblePaths(outcome.removed);
      if (config.mode === 'measure') {
        logger.info({ requestId: context.requestId, operationName, removed: paths }, 'authorization: would remove (measure mode)');
        return;
      }
      if (config.mode === 'reject') {
        const listed = paths.slice(0, 5).join(', ') + (paths.length > 5 ? ', ...' : '');
        reject(
          context.principal
            ? new AtriumError('FORBIDDEN', `the operation selects what this principal may not see: ${listed}`)
            : new AtriumError('UNAUTHENTICATED', `the operation selects what needs credentials: ${listed}`, {
                headers: { 'www-authenticate': `Bearer realm="${dependencies.realm}"` },
              }),
        );
        return;
      }
      setDocument(outcome.document);
      for (const removed of outcome.removed) {
        if (removed.action !== 'delete') addError(new AtriumError('UNAUTHORIZED_FIELD_OR_TYPE', 'Unauthorized field or type'), removed.path);
      }
      perRequest.set(context, outcome);
    },
    onResponse({ context, result, setData }) {
      const outcome = perRequest.get(context);
      if (!outcome) return;
      if (outcome.nothingLeft) setData(null);
      else if (result.data) setData(nullRemovedSelections(result.data as Record<string, unknown>, outcome.removed));
    },
  };
}

function visiblePaths(removed: readonly RemovedSelection[]): string[] {
  return removed.filter((r) => r.action !== 'delete').map((r) => (r.path.length === 0 ? '(root)' : r.path.join('.')));
}
