import type { GraphQLSchema } from 'graphql';
import type { GatewayConfig } from '../config/schema.js';
import { restRoutesCheck } from './rest-routes-check.js';
import { trustedDocumentsCheck } from './trusted-documents-check.js';

/** What a schema check sees: the API schema the candidate supergraph would serve. */
export interface SchemaCheckInput {
  readonly apiSchema: GraphQLSchema;
  /** The candidate supergraph SDL. */
  readonly supergraphSdl: string;
}

/**
 * A feature's check that a candidate schema still works for it (REST routes still validate, trusted
 * documents still validate, ...). Returns one readable problem per failure; an empty list passes.
 */
export interface SchemaCheck {
  /** Names the feature in reports, e.g. `rest`. */
  readonly name: string;
  check(input: SchemaCheckInput): readonly string[] | Promise<readonly string[]>;
}

/** The sections of gateway.yaml the schema checks are built from (plain data: a check worker is sent them). */
export type SchemaCheckSettings = Pick<GatewayConfig, 'rest' | 'persistedDocuments'>;

/** What check factories may use besides their own config section. */
export interface SchemaCheckDependencies {
  /** Directory gateway.yaml was loaded from; relative paths in the config resolve here. */
  readonly configDir: string;
}

/**
 * The checks every publish (and `atrium check`) runs after composition and the breaking-change diff, built
 * from gateway.yaml so that the offline check and the gateway agree: one for each feature whose
 * configuration names operations against the API schema (REST routes, trusted documents). A check for a
 * feature that is off is left out.
 *
 * @example
 * const checks = await buildSchemaChecks(loadConfig('gateway.yaml'), { configDir: '.' });
 */
export async function buildSchemaChecks(config: SchemaCheckSettings, dependencies: SchemaCheckDependencies): Promise<SchemaCheck[]> {
  const checks: SchemaCheck[] = [];
  // ── schema checks: rest ──
  if (config.rest.routes.length > 0) {
    checks.push(restRoutesCheck({ rest: config.rest, configDir: dependencies.configDir }));
  }

  // ── schema checks: edge ──
  if (config.persistedDocuments.manifest !== undefined) {
    checks.push(trustedDocumentsCheck({ manifest: config.persistedDocuments.manifest, configDir: dependencies.configDir }));
  }

  return checks;
}
