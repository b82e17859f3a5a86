import { isAbsolute, join } from 'node:path';
import { type GraphQLError, parse, validate } from 'graphql';
import { readManifest } from '../plugins/persisted-documents/read-manifest.js';
import type { SchemaCheck } from './schema-checks.js';

/**
 * The publish check of trusted documents: every document of `persistedDocuments.manifest` must still parse
 * and validate against the candidate API schema, or clients that send it by id would start failing. The
 * manifest is read once per check, so a manifest updated on disk is what is checked.
 *
 * @example
 * const check = trustedDocumentsCheck({ manifest: 'trusted-documents.json', configDir: '.' });
 * await check.check({ apiSchema, supergraphSdl }); // ['document ab12…: Cannot query field "weight" on type "Product".']
 */
export function trustedDocumentsCheck(options: { manifest: string; configDir: string }): SchemaCheck {
  const path = isAbsolute(options.manifest) ? options.manifest : join(options.configDir, options.manifest);
  return {
    name: 'trusted documents',
    async check({ apiSchema }) {
      const problems: string[] = [];
      for (const [id, body] of (await readManifest(path)).byId) {
        let errors: readonly GraphQLError[];
        try {
          errors = validate(apiSchema, parse(body));
        } catch (error) {
          errors = [error as GraphQLError];
        }
        for (const error of errors) problems.push(`document ${id}: ${error.message}`);
      }
      return problems;
    },
  };
}
