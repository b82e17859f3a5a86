import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../../../subgraphs/index.js';
import { type DemoYamlGateway, startDemoYamlGateway } from '../../helpers/demo-yaml-gateway.js';
import { type TempDir, tempDir } from '../../helpers/temp-dir.js';

// Issue 20, item 2: the demo's OpenAPI document passes Redocly's default ruleset ("recommended") with zero
// errors. Public routes say `security: []`, secured ones name their schemes and scopes. Warnings are allowed
// and printed, so a new one shows up in the test log.

const run = promisify(execFile);

interface LintProblem {
  readonly ruleId: string;
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly location: readonly { readonly pointer: string }[];
}

let demo: DemoYamlGateway;
let dir: TempDir;

beforeAll(async () => {
  demo = await startDemoYamlGateway();
  dir = await tempDir('atrium-openapi-lint-');
});
afterAll(async () => {
  await demo?.close();
  await dir?.remove();
});

/** `npx redocly lint` (the @redocly/cli devDependency) over one document; its JSON report. */
async function redoclyLint(path: string): Promise<{ totals: { errors: number; warnings: number }; problems: LintProblem[] }> {
  const result = await run('npx', ['--no-install', 'redocly', 'lint', '--format', 'json', path], {
    cwd: findRepoRoot(),
    // No usage telemetry and no update check from a test.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string; code?: number }) => {
    // Exit 1 when errors were found: the report is still on stdout.
    if (typeof error.stdout === 'string' && error.stdout.trim().startsWith('{')) return { stdout: error.stdout };
    throw error;
  });
  return JSON.parse(result.stdout);
}

describe("the demo's OpenAPI document under `redocly lint` (recommended rules)", () => {
  it('has zero errors', async () => {
    const response = await fetch(`${demo.origin}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
    expect(document.paths['/v1/products/{upc}']!.get!.security).toEqual([]);
    expect(document.paths['/v1/orders/{id}']!.get!.security).not.toEqual([]);
    const path = join(dir.path, 'openapi.json');
    await writeFile(path, JSON.stringify(document, null, 2));

    const report = await redoclyLint(path);
    const warnings = report.problems.filter((problem) => problem.severity === 'warn');
    for (const warning of warnings) console.log(`redocly warning ${warning.ruleId} at ${warning.location[0]?.pointer}: ${warning.message}`);
    expect(report.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('counts an error in a document that breaks a rule, so the check above can fail', async () => {
    const path = join(dir.path, 'broken.json');
    await writeFile(path, JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/x': { get: { responses: { '200': { description: 'ok' } } } } } }));
    const report = await redoclyLint(path);
    expect(report.problems.map((problem) => problem.ruleId)).toContain('security-defined');
    expect(report.totals.errors).toBeGreaterThan(0);
  });
});
