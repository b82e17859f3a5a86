import { BREAK, type DocumentNode, visit } from 'graphql';
import { AtriumError } from '../../errors.js';
import type { AtriumPlugin } from '../plugin.js';

const asksForSchema = new WeakMap<DocumentNode, boolean>();

/**
 * Introspection only for principals holding `scope` (`security.introspectionScope`): an operation that
 * selects `__schema` or `__type` from anyone else is refused with INTROSPECTION_NOT_ALLOWED (403). It runs
 * after validation (onOperation), as its verdict depends on the principal, not on the document alone.
 * `__typename` stays allowed: clients need it and it reveals nothing about the schema.
 *
 * @example
 * createIntrospectionPlugin('admin');
 */
export function createIntrospectionPlugin(scope: string): AtriumPlugin {
  return {
    name: 'introspection',
    onOperation({ context, document, reject }) {
      if (!introspects(document)) return;
      if (context.principal?.scopes.includes(scope)) return;
      reject(
        new AtriumError('INTROSPECTION_NOT_ALLOWED', `introspection needs the scope "${scope}" (security.introspectionScope)`, {
          extensions: { requiredScope: scope },
        }),
      );
    },
  };
}

function introspects(document: DocumentNode): boolean {
  let known = asksForSchema.get(document);
  if (known === undefined) {
    known = false;
    visit(document, {
      Field(node) {
        if (node.name.value === '__schema' || node.name.value === '__type') {
          known = true;
          return BREAK;
        }
        return undefined;
      },
    });
    asksForSchema.set(document, known);
  }
  return known;
}
