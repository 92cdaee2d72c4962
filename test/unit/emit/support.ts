/**
 * Shared plumbing for the emitter and `seqnetc build` tests: compile a source
 * in-process the way the CLI does, run the built CLI in a child process, type-
 * check generated modules strictly, and compare output folders byte for byte.
 *
 * Generated modules import the runtime as `seqnet`, which resolves by the
 * package's self-reference (package.json "exports" -> dist/), so they are
 * written under the repository (test/.out/, git-ignored) and need `dist/`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Project, ts } from 'ts-morph';
import { checkSource, loadBuiltins, selectModel, type Builtins } from '../../../src/check/program.js';
import type { IrModel } from '../../../src/check/ir.js';
import { packageVersion, readSpecs } from '../../../src/cli/files.js';
import { hasErrors, type Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { renderText } from '../../../src/diagnostics/render.js';
import { SourceFile } from '../../../src/diagnostics/span.js';
import { buildFiles } from '../../../src/emit/build.js';
import type { EmitOptions } from '../../../src/emit/module.js';
import { insertFills } from '../../../src/rewrite/fills.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
export const RUNTIME_DTS = join(REPO, 'dist', 'src', 'runtime', 'index.d.ts');
export const EXAMPLES = join(REPO, 'examples');
const OUT_ROOT = join(REPO, 'test', '.out');

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.seqnet'))
    .sort();
}

/** The CLI and the runtime's declarations come from `tsc` (npm test runs it first). */
export function requireDist(): void {
  for (const f of [CLI, RUNTIME_DTS, join(REPO, 'dist', 'src', 'runtime', 'index.js')]) {
    if (!existsSync(f)) throw new Error(`${relative(REPO, f)} is missing: run \`npx tsc -p tsconfig.json\` (npm test does) before these tests`);
  }
}

/** A fresh folder under test/.out/ (inside the package, so `seqnet` resolves to dist/). */
export function outDir(label: string): string {
  mkdirSync(OUT_ROOT, { recursive: true });
  return mkdtempSync(join(OUT_ROOT, `${label}-`));
}

/** Output folders are removed after a run unless SEQNET_KEEP_OUT=1 (to look at them). */
export function removeOut(dir: string | undefined): void {
  if (dir && !process.env.SEQNET_KEEP_OUT) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- compiling in-process

let builtinsCache: Builtins | undefined;
export function builtins(): Builtins {
  if (!builtinsCache) {
    builtinsCache = loadBuiltins(readSpecs());
    if (builtinsCache.diagnostics.length) throw new Error(`the built-in specs do not load:\n${builtinsCache.diagnostics.map(renderText).join('\n')}`);
  }
  return builtinsCache;
}

export type Compiled = { ok: true; model: IrModel; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** What `seqnetc build` does before emitting: check, pick the model, insert fills. */
export function compileSource(text: string, name = 'test.seqnet', modelName?: string): Compiled {
  const checked = checkSource(new SourceFile(name, text), builtins());
  const diagnostics = [...checked.diagnostics];
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const picked = selectModel(checked, modelName);
  if ('code' in picked) return { ok: false, diagnostics: [...diagnostics, picked] };
  return { ok: true, model: insertFills(picked), diagnostics };
}

export function compileOk(text: string, name = 'test.seqnet', modelName?: string): IrModel {
  const c = compileSource(text, name, modelName);
  if (!c.ok) throw new Error(`\`${name}\` does not compile:\n${c.diagnostics.map(renderText).join('\n')}`);
  return c.model;
}

export function compileExample(file: string): IrModel {
  return compileOk(readFileSync(join(EXAMPLES, file), 'utf8'), `examples/${file}`);
}

export const VERSION = packageVersion();

/** `buildFiles`, written into `dir`; returns the file base. */
export function writeBuild(model: IrModel, dir: string, opts: EmitOptions = {}): string {
  const out = buildFiles(model, VERSION, opts);
  for (const [name, text] of out.files) writeFileSync(join(dir, name), text);
  return out.base;
}

/** Imports a generated module (its `seqnet` import resolves to dist/ by self-reference). */
export async function importGenerated(path: string): Promise<GeneratedModule> {
  return (await import(/* @vite-ignore */ pathToFileURL(path).href)) as GeneratedModule;
}

export interface GeneratedModule {
  readonly manifest: import('../../../src/runtime/manifest.js').Manifest;
  createModel(options?: { seed?: number }): import('../../../src/runtime/compiled-model.js').CompiledModel;
  loadModel(dir: string): Promise<import('../../../src/runtime/compiled-model.js').CompiledModel>;
}

// ---------------------------------------------------------------- the CLI

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], cwd = REPO): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Runs `jobs` at most `width` at a time (the machine has two cores). */
export async function inPool<T>(jobs: readonly (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}

// ---------------------------------------------------------------- strict type-check

export interface TypeCheck {
  /** Every diagnostic, formatted `file(line,col): error TSxxxx: message`. */
  readonly diagnostics: string[];
  /** The files of the program (to see where `seqnet` resolved). */
  readonly files: string[];
}

/**
 * `tsc --strict --noEmit` over `files` with the TypeScript that ts-morph
 * bundles: NodeNext modules, ES2022, no ambient @types, skipLibCheck. A
 * ts-morph Project on the real file system (it supplies the lib files that
 * the bundled compiler does not ship on disk).
 */
export function typecheck(files: readonly string[], rootDir: string): TypeCheck {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
      skipLibCheck: true,
      rootDir,
    },
  });
  for (const f of files) project.addSourceFileAtPath(f);
  const program = project.getProgram().compilerObject;
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => rootDir, getNewLine: () => '\n' };
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.formatDiagnostic(d, host).trimEnd());
  return { diagnostics, files: program.getSourceFiles().map((s) => s.fileName) };
}

/** The generated `.ts` files of a folder (not the `.d.ts`). */
export function generatedTs(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

// ---------------------------------------------------------------- folders

/** Every entry under `dir` (hidden ones too): kind, and a hash of a file's bytes or a link's target. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(path);
      } else out[rel] = `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

/** Names of the entries of `dir` (for temp-dir leftovers beside an output path). */
export function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}

export function parentOf(path: string): string {
  return dirname(path);
}

// ---------------------------------------------------------------- generated code as a tree

export function parseTs(text: string, name = 'generated.ts'): ts.SourceFile {
  return ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** Syntax errors of a parsed file (a broken escape shows up here first). */
export function syntaxErrors(sf: ts.SourceFile): string[] {
  const parse = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  return parse.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** Every identifier of a parsed file, by text. */
export function identifiers(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The statements of the exported function `name`. */
export function functionBody(sf: ts.SourceFile, name: string): readonly ts.Statement[] {
  const fn = sf.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
  if (!fn?.body) throw new Error(`no function ${name}`);
  return fn.body.statements;
}

/** `builder.<method>(...)` calls in createModel, in order, with their arguments. */
export function builderCalls(sf: ts.SourceFile): { method: string; args: readonly ts.Expression[]; statement: ts.Statement }[] {
  const out: { method: string; args: readonly ts.Expression[]; statement: ts.Statement }[] = [];
  for (const st of functionBody(sf, 'createModel')) {
    let call: ts.Expression | undefined;
    if (ts.isExpressionStatement(st)) call = st.expression;
    else if (ts.isVariableStatement(st)) call = st.declarationList.declarations[0]?.initializer;
    else if (ts.isReturnStatement(st)) call = st.expression;
    if (call && ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && ts.isIdentifier(call.expression.expression) && call.expression.expression.text === 'builder') {
      out.push({ method: call.expression.name.text, args: call.arguments, statement: st });
    }
  }
  return out;
}

/** The value of a string literal node (its cooked text), or undefined. */
export function stringValue(e: ts.Expression | undefined): string | undefined {
  return e !== undefined && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) ? e.text : undefined;
}

/** An object literal of literals as a plain record (computed `["__proto__"]` keys included). */
export function objectValue(e: ts.Expression): Record<string, unknown> {
  if (!ts.isObjectLiteralExpression(e)) throw new Error(`not an object literal: ${e.getText()}`);
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const p of e.properties) {
    if (!ts.isPropertyAssignment(p)) throw new Error(`unexpected property ${p.getText()}`);
    let key: string;
    if (ts.isComputedPropertyName(p.name)) key = stringValue(p.name.expression)!;
    else if (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name) || ts.isNumericLiteral(p.name)) key = p.name.text;
    else throw new Error(`unexpected key ${p.name.getText()}`);
    out[key] = literalValue(p.initializer);
  }
  return out;
}

export function literalValue(e: ts.Expression): unknown {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) return -(literalValue(e.operand) as number);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (e.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(e)) return e.elements.map(literalValue);
  if (ts.isObjectLiteralExpression(e)) return objectValue(e);
  throw new Error(`not a literal: ${e.getText()}`);
}
