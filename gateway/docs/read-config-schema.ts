// Reads gateway/config/schema.ts as source with the TypeScript compiler API, because the TSDoc on its fields
// (the text docs/config.md is made of) is gone once the schema is compiled. `typescript` is a devDependency:
// only the docs script (write-reference-docs.ts) and its test may import this module, never the gateway
// runtime, which ships without devDependencies. test/unit/docs/reference-docs.test.ts checks that.
import ts from 'typescript';

/** One key of gateway.yaml, as the schema source declares it. */
export interface ConfigField {
  /** The key in its parent object. */
  readonly key: string;
  /** The TSDoc text of the field. */
  readonly description: string;
  /** The text of the field's `@default` tag, as written (`"0.0.0.0"`, `4000`, `the supergraph's routing URL`). */
  readonly default?: string;
  /**
   * `value` for a leaf; `object` for a nested object whose keys are `fields`; `record` for a map from any
   * name (`traffic.subgraphs.<name>`) to objects whose keys are `fields`; `list` for a list of objects whose
   * keys are `fields` (`rest.routes[]`).
   */
  readonly kind: 'value' | 'object' | 'record' | 'list';
  readonly fields: readonly ConfigField[];
}

type Shape = { kind: 'value' } | { kind: 'object' | 'record' | 'list'; fields: readonly ConfigField[] };

/**
 * The fields of the exported `z.object({...})` in `sourceText`, nested: a property whose initializer is
 * another schema variable (`server: serverSchema.prefault({})`), an inline `z.object({...})`, a
 * `z.record(key, objectSchema)` or a `z.array(objectSchema)` becomes an object, record or list field holding
 * that object's fields. Throws,
 * naming the file, line and key path, when a field has no TSDoc, a leaf field has no `@default`, or a
 * schema variable is used in a shape this reader does not know; an undocumented field must break the build.
 *
 * @example
 * readConfigSchema(readFileSync('gateway/config/schema.ts', 'utf8'), 'gateway/config/schema.ts')[0].key; // 'server'
 */
export function readConfigSchema(sourceText: string, fileName: string): readonly ConfigField[] {
  const file = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, true);
  const objectSchemas = new Map<string, ts.ObjectLiteralExpression>();
  const exported: string[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const isExported = statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
      const base = zodBase(declaration.initializer);
      if (base?.kind !== 'z' || base.method !== 'object') continue;
      const literal = base.args[0];
      if (literal === undefined || !ts.isObjectLiteralExpression(literal)) {
        throw new Error(`${where(file, declaration)}: ${declaration.name.text}: expected z.object({ ... }) with an object literal`);
      }
      objectSchemas.set(declaration.name.text, literal);
      if (isExported) exported.push(declaration.name.text);
    }
  }
  if (exported.length !== 1) {
    throw new Error(`${fileName}: expected exactly one exported z.object schema, found ${exported.length} (${exported.join(', ')})`);
  }
  return new SchemaReader(file, objectSchemas).objectFields(objectSchemas.get(exported[0]!)!, '', []);
}

class SchemaReader {
  constructor(
    private readonly file: ts.SourceFile,
    private readonly objectSchemas: ReadonlyMap<string, ts.ObjectLiteralExpression>,
  ) {}

  objectFields(literal: ts.ObjectLiteralExpression, path: string, visiting: readonly ts.Node[]): ConfigField[] {
    if (visiting.includes(literal)) throw new Error(`${where(this.file, literal)}: ${path}: the schema refers to itself`);
    return literal.properties.map((property) => {
      const key = property.name !== undefined && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
      if (key === undefined || !ts.isPropertyAssignment(property)) {
        throw new Error(`${where(this.file, property)}: ${path || '(top level)'}: expected \`key: schema\` properties only`);
      }
      const fieldPath = path === '' ? key : `${path}.${key}`;
      const doc = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc).at(-1);
      const description = doc === undefined ? '' : collapse(ts.getTextOfJSDocComment(doc.comment) ?? '');
      if (description === '') {
        throw new Error(`${where(this.file, property)}: ${fieldPath} has no TSDoc comment; docs/config.md is generated from it`);
      }
      const defaultTag = doc?.tags?.find((tag) => tag.tagName.text === 'default');
      const defaultText = defaultTag === undefined ? undefined : collapse(ts.getTextOfJSDocComment(defaultTag.comment) ?? '');
      const shape = this.shapeOf(property.initializer, fieldPath, [...visiting, literal]);
      if (shape.kind === 'value' && !defaultText) {
        throw new Error(`${where(this.file, property)}: ${fieldPath} has no @default tag; docs/config.md shows every default`);
      }
      const fields = shape.kind === 'value' ? [] : shape.fields;
      return { key, description, ...(defaultText ? { default: defaultText } : {}), kind: shape.kind, fields };
    });
  }

  private shapeOf(initializer: ts.Expression, path: string, visiting: readonly ts.Node[]): Shape {
    const base = zodBase(initializer);
    if (base?.kind === 'ref' && this.objectSchemas.has(base.name)) {
      return { kind: 'object', fields: this.objectFields(this.objectSchemas.get(base.name)!, path, visiting) };
    }
    if (base?.kind === 'z' && base.method === 'object' && base.args[0] !== undefined && ts.isObjectLiteralExpression(base.args[0])) {
      return { kind: 'object', fields: this.objectFields(base.args[0], path, visiting) };
    }
    if (base?.kind === 'z' && base.method === 'record' && base.args.length === 2) {
      const entry = this.shapeOf(base.args[1]!, `${path}.<name>`, visiting);
      if (entry.kind === 'object') return { kind: 'record', fields: entry.fields };
      if (entry.kind === 'value') return { kind: 'value' };
    }
    if (base?.kind === 'z' && base.method === 'array' && base.args.length === 1) {
      const entry = this.shapeOf(base.args[0]!, `${path}[]`, visiting);
      if (entry.kind === 'object') return { kind: 'list', fields: entry.fields };
    }
    // Anything else is a leaf, unless it hides an object schema the docs would then silently leave out
    // (z.array(fooSchema), z.union([...]), a record of records): fail so the reader learns the new shape.
    const hidden = this.objectSchemaIn(initializer) ?? (base?.kind === 'z' && base.method === 'object' ? 'z.object' : undefined);
    if (hidden !== undefined) {
      throw new Error(`${where(this.file, initializer)}: ${path}: ${hidden} is used in a shape gateway/docs/read-config-schema.ts does not read`);
    }
    return { kind: 'value' };
  }

  private objectSchemaIn(node: ts.Node): string | undefined {
    if (ts.isIdentifier(node) && this.objectSchemas.has(node.text)) return node.text;
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'z' && node.name.text === 'object') {
      return 'z.object';
    }
    return ts.forEachChild(node, (child) => this.objectSchemaIn(child));
  }
}

type ZodBase = { kind: 'z'; method: string; args: readonly ts.Expression[] } | { kind: 'ref'; name: string };

/**
 * What a schema expression is built on, below its method chain: `serverSchema.prefault({})` is the ref
 * `serverSchema`; `z.object({...}).strict()` is the `z.object` call; `integer(0, 10).default(1)` is neither.
 */
function zodBase(expression: ts.Expression): ZodBase | undefined {
  let current = expression;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    const callee = current.expression;
    if (ts.isIdentifier(callee.expression) && callee.expression.text === 'z') {
      return { kind: 'z', method: callee.name.text, args: current.arguments };
    }
    current = callee.expression;
  }
  return ts.isIdentifier(current) ? { kind: 'ref', name: current.text } : undefined;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function where(file: ts.SourceFile, node: ts.Node): string {
  return `${file.fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
}
