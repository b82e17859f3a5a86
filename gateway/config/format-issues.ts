import type { z } from 'zod';

/**
 * One line per schema issue, naming the source and the key path: `gateway.yaml: server.prot: unknown key`.
 * Shared by gateway.yaml and supergraph.yaml so both report problems the same way.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], sourceName: string): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${sourceName}: ${formatPath([...issue.path, key])}: unknown key`);
    }
    return [`${sourceName}: ${formatPath(issue.path)}: ${issue.message}`];
  });
}

/**
 * Plainer wording than zod's defaults for type mismatches, for YAML authors: pass it as the `error` option
 * of `safeParse`. Messages set on a schema field take precedence over it.
 */
export const yamlErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'required';
  if (issue.expected === 'object' || issue.expected === 'record') return 'expected a mapping of settings';
  return `expected a ${issue.expected}`;
};

/** `traffic.subgraphs.products.url`; keys that are not plain identifiers are quoted: `subgraphs["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = String(key);
      if (/^[A-Za-z_][\w-]*$/.test(text)) return index === 0 ? text : `.${text}`;
      return `[${JSON.stringify(text)}]`;
    })
    .join('');
}
