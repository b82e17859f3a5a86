// Reads gateway/config/schema.ts, and the feature config.ts files it assembles the schema from, as source with
// the TypeScript compiler API, because the TSDoc on their fields (the text docs/config.md is made of) is gone
// once the schema is compiled. `typescript` is a devDependency: only the docs script (write-reference-docs.ts)
// and its test may import this module, never the gateway runtime, which ships without devDependencies.
// test/unit/docs/reference-docs.test.ts checks that.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
 * that object's fields. A schema variable may be declared in the file or imported from a relative module
 * (`import { serverSchema } from '../server/config.js'`), which is then read with `readFile` (its `.ts`
 * source, beside `fileName`), and so on through that module's imports. Throws, naming the file, line and
 * key path, when a field has no TSDoc, a leaf field has no `@default`, or a schema variable is used in a
 * shape this reader does not know; an undocumented field must break the build.
 *
 * @example
 * readConfigSchema(readFileSync('gateway/config/schema.ts', 'utf8'), 'gateway/config/schema.ts')[0].key; // 'server'
 */
export function readConfigSchema(
  sourceText: string,
  fileName: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): readonly ConfigField[] {
  const root = schemaFile(sourceText, fileName);
  if (root.exported.length !== 1) {
    throw new Error(`${fileName}: expected exactly one exported z.object schema, found ${root.exported.length} (${root.exported.join(', ')})`);
  }
  return new SchemaReader(root, readFile).objectFields(root.objectSchemas.get(root.exported[0]!)!, '', []);
}

/** One source file: its `z.object` schema variables and where its imported names come from. */
interface SchemaFile {
  readonly file: ts.SourceFile;
  readonly objectSchemas: ReadonlyMap<string, ts.ObjectLiteralExpression>;
  /** `const a = b.extend({...})`: `a` is `b`'s fields (wherever `b` is declared), then these. */
  readonly extendedSchemas: ReadonlyMap<string, { readonly base: ts.Identifier; readonly literal: ts.ObjectLiteralExpression }>;
  /** The exported ones among `objectSchemas`. */
  readonly exported: readonly string[];
  /** Local name -> the `.ts` file it is imported from (relative imports only) and its name there. */
  readonly imports: ReadonlyMap<string, { readonly path: string; readonly name: string }>;
}

function schemaFile(sourceText: string, fileName: string): SchemaFile {
  const file = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, true);
  const objectSchemas = new Map<string, ts.ObjectLiteralExpression>();
  const extendedSchemas = new Map<string, { base: ts.Identifier; literal: ts.ObjectLiteralExpression }>();
  const exported: string[] = [];
  const imports = new Map<string, { path: string; name: string }>();
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      const bindings = statement.importClause?.namedBindings;
      if (!specifier.startsWith('.') || bindings === undefined || !ts.isNamedImports(bindings)) continue;
      // The runtime imports the compiled `.js`; the TSDoc is in the `.ts` source beside this file.
      const path = resolve(dirname(fileName), specifier.replace(/\.js$/, '.ts'));
      for (const element of bindings.elements) {
        imports.set(element.name.text, { path, name: (element.propertyName ?? element.name).text });
      }
      continue;
    }
    if (!ts.isVariableStatement(statement)) continue;
    const isExported = statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) ?? false;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
      const extended = extendCall(declaration.initializer);
      if (extended !== undefined) {
        extendedSchemas.set(declaration.name.text, extended);
        continue;
      }
      const base = zodBase(declaration.initializer);
      if (base?.kind !== 'z' || base.method !== 'object') continue;
      const literal = base.args[0];
      if (literal === undefined || !ts.isObjectLiteralExpression(literal)) {
        throw new Error(`${where(declaration)}: ${declaration.name.text}: expected z.object({ ... }) with an object literal`);
      }
      objectSchemas.set(declaration.name.text, literal);
      if (isExported) exported.push(declaration.name.text);
    }
  }
  return { file, objectSchemas, extendedSchemas, exported, imports };
}

class SchemaReader {
  /** Every file read so far, by file name; a module imported by several files is read once. */
  private readonly files = new Map<string, SchemaFile>();

  constructor(
    root: SchemaFile,
    private readonly readFile: (path: string) => string,
  ) {
    this.files.set(root.file.fileName, root);
  }

  objectFields(literal: ts.ObjectLiteralExpression, path: string, visiting: readonly ts.Node[]): ConfigField[] {
    if (visiting.includes(literal)) throw new Error(`${where(literal)}: ${path}: the schema refers to itself`);
    return literal.properties.map((property) => {
      const key = property.name !== undefined && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
      if (key === undefined || !ts.isPropertyAssignment(property)) {
        throw new Error(`${where(property)}: ${path || '(top level)'}: expected \`key: schema\` properties only`);
      }
      const fieldPath = path === '' ? key : `${path}.${key}`;
      const doc = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc).at(-1);
      const description = doc === undefined ? '' : collapse(ts.getTextOfJSDocComment(doc.comment) ?? '');
      if (description === '') {
        throw new Error(`${where(property)}: ${fieldPath} has no TSDoc comment; docs/config.md is generated from it`);
      }
      const defaultTag = doc?.tags?.find((tag) => tag.tagName.text === 'default');
      const defaultText = defaultTag === undefined ? undefined : collapse(ts.getTextOfJSDocComment(defaultTag.comment) ?? '');
      const shape = this.shapeOf(property.initializer, fieldPath, [...visiting, literal]);
      if (shape.kind === 'value' && !defaultText) {
        throw new Error(`${where(property)}: ${fieldPath} has no @default tag; docs/config.md shows every default`);
      }
      const fields = shape.kind === 'value' ? [] : shape.fields;
      return { key, description, ...(defaultText ? { default: defaultText } : {}), kind: shape.kind, fields };
    });
  }

  private shapeOf(initializer: ts.Expression, path: string, visiting: readonly ts.Node[]): Shape {
    const base = zodBase(initializer);
    const referenced = base?.kind === 'ref' ? this.objectSchema(base.name, initializer) : undefined;
    if (referenced !== undefined) {
      return { kind: 'object', fields: referenced.flatMap((literal) => this.objectFields(literal, path, visiting)) };
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
      throw new Error(`${where(initializer)}: ${path}: ${hidden} is used in a shape gateway/docs/read-config-schema.ts does not read`);
    }
    return { kind: 'value' };
  }

  private objectSchemaIn(node: ts.Node): string | undefined {
    if (ts.isIdentifier(node) && this.objectSchema(node.text, node) !== undefined) return node.text;
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'z' && node.name.text === 'object') {
      return 'z.object';
    }
    return ts.forEachChild(node, (child) => this.objectSchemaIn(child));
  }

  /**
   * The `z.object` literals whose fields `name` stands for in the file of `at` (declared there or imported
   * into it): one, or for `base.extend({...})` the base's followed by the extension's.
   */
  private objectSchema(name: string, at: ts.Node): readonly ts.ObjectLiteralExpression[] | undefined {
    const file = this.files.get(at.getSourceFile().fileName)!;
    const declared = file.objectSchemas.get(name);
    if (declared !== undefined) return [declared];
    const extended = file.extendedSchemas.get(name);
    if (extended !== undefined) {
      const base = this.objectSchema(extended.base.text, extended.base);
      if (base === undefined) throw new Error(`${where(extended.base)}: ${extended.base.text} is not a z.object schema this reader can find`);
      return [...base, extended.literal];
    }
    const imported = file.imports.get(name);
    if (imported === undefined) return undefined;
    let source = this.files.get(imported.path);
    if (source === undefined) {
      source = schemaFile(this.readFile(imported.path), imported.path);
      this.files.set(imported.path, source);
    }
    return this.objectSchema(imported.name, source.file);
  }
}

/** `base.extend({...})` (under any further method chain), or undefined. */
function extendCall(expression: ts.Expression): { base: ts.Identifier; literal: ts.ObjectLiteralExpression } | undefined {
  let current = expression;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    const callee = current.expression;
    const literal = current.arguments[0];
    if (callee.name.text === 'extend' && ts.isIdentifier(callee.expression) && literal !== undefined && ts.isObjectLiteralExpression(literal)) {
      return { base: callee.expression, literal };
    }
    current = callee.expression;
  }
  return undefined;
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

function where(node: ts.Node): string {
  const file = node.getSourceFile();
  return `${file.fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
}
