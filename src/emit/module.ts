/**
 * The generated module of API.md: a thin, readable program over the
 * runtime's ModelBuilder, one call per input, layer, mask derivation, fill,
 * output and loss, each fill with a comment saying why it is there. Written
 * with ts-morph, compiled to ESM `.js` and `.d.ts` in memory.
 */
import { IndentationText, Project, QuoteKind, ScriptTarget, ModuleKind, ModuleResolutionKind, VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { IrModel, LayerNode } from '../check/ir.js';
import type { Manifest } from '../runtime/manifest.js';
import { commentText, literal, objectLiteral, str } from './names.js';
import { planModel, type Plan } from './plan.js';

export interface EmitOptions {
  /** The module the generated code imports the runtime from. */
  readonly runtimeModule?: string;
  readonly target?: 'node' | 'web';
  /** Import specifier for a user layer's `impl` module (relative to the output folder). */
  readonly implSpecifier?: (node: LayerNode) => string;
}

export interface EmittedModule {
  readonly ts: string;
  readonly js: string;
  readonly dts: string;
}

/** The statements of `createModel`: the plan, printed. */
function writeBody(w: CodeBlockWriter, plan: Plan): void {
  const params = (p: object) => objectLiteral(Object.entries(p).map(([k, v]) => [k, literal(v)]));
  const opt = (x: string | undefined) => (x === undefined ? '' : `, ${x}`);
  w.writeLine('const builder = new ModelBuilder(manifest, options);');
  let section = '';
  for (const s of plan.steps) {
    const kind = s.op === 'input' || s.op === 'maskSource' ? 'inputs' : s.op === 'output' || s.op === 'loss' ? 'ends' : 'layers';
    if (kind !== section) {
      w.blankLine();
      section = kind;
    }
    switch (s.op) {
      case 'input':
        w.writeLine(`const ${s.out} = builder.${s.role}(${str(s.name)}, ${str(s.dtype)}, ${literal(s.shape)});`);
        break;
      case 'maskSource':
        w.writeLine(`// \`${commentText(s.value)}\`: padded steps set to 0 with where(mask, x, 0), so NaN or Inf cannot pass.`);
        w.writeLine(`const { value: ${s.out}, mask: ${s.outMask} } = builder.maskSource(${str(s.name)}, ${s.x}, ${params(s.spec)}${opt(s.aux)});`);
        break;
      case 'fullMask':
        w.writeLine(`const ${s.out} = builder.fullMask(${str(s.name)}, ${s.x});`);
        break;
      case 'windowMask':
        w.writeLine(`const ${s.out} = builder.windowMask(${str(s.name)}, ${s.mask}, ${params(s.spec)});`);
        break;
      case 'layer':
        w.writeLine(`const ${s.out} = builder.layer(${str(s.name)}, ${str(s.kind)}, [${s.inputs.join(', ')}], ${params(s.params)}${opt(s.mask)});`);
        break;
      case 'custom':
        w.writeLine(`const ${s.out} = builder.custom(${str(s.name)}, new ${s.cls}(${params({ name: s.name, ...s.params })}), [${s.inputs.join(', ')}]${opt(s.mask)});`);
        break;
      case 'fill':
        w.writeLine(`// fill: ${commentText(s.why)}; read as zeros by ${commentText(s.consumers.join(', '))}`);
        w.writeLine(`const ${s.out} = builder.fill(${str(s.name)}, ${s.x}, ${s.mask});`);
        break;
      case 'output':
        w.writeLine(`builder.output(${str(s.name)}, ${s.x}${opt(s.mask)});`);
        break;
      case 'loss':
        w.writeLine(`builder.loss(${str(s.kind)}, ${s.pred}, ${s.target}, ${params(s.params)}${opt(s.mask)});`);
        break;
    }
  }
  w.writeLine('return builder.build();');
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** JSON with arrays of plain values on one line (raw newlines occur only between tokens, so folding them is safe). */
export function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[[^[\]{}]*\]/g, (m) => m.replace(/^\[\n\s*/, '[').replace(/\n\s*\]$/, ']').replace(/\n\s*/g, ' '));
}

/**
 * The manifest as an object literal: its JSON, except that a `"__proto__"` key
 * (a user's parameter name, in `losses[].params`) is written computed, so that
 * it stays an own property instead of setting the prototype. Keys always start
 * a line in `compactJson` (only arrays of plain values are folded).
 */
function manifestLiteral(manifest: Manifest): string {
  return compactJson(manifest).replace(/^(\s*)"__proto__":/gm, '$1["__proto__"]:');
}

let project: Project | undefined;
/** Emissions so far: each gets its own path (see emitModule). */
let emitted = 0;
function sharedProject(): Project {
  // One in-memory project per process: creating it costs more than emitting a module.
  project ??= new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      declaration: true,
      strict: true,
      noLib: true,
      noResolve: true,
      skipLibCheck: true,
      isolatedModules: true,
    },
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Single },
  });
  return project;
}

export function emitModule(model: IrModel, manifest: Manifest, fileBase: string, opts: EmitOptions = {}): EmittedModule {
  const runtime = opts.runtimeModule ?? 'seqnet';
  const p = sharedProject();
  // A path never used before: the language service behind formatText() caches a file's text by
  // path and version, and a file made again at a removed file's path starts at the same version,
  // so a second module of the same name in one process was formatted with the first one's text
  // ("Manipulation error: A syntax error was inserted"). The path does not reach the output.
  const path = `/${++emitted}/${fileBase}.ts`;
  const sf = p.createSourceFile(path, '');
  const plan = planModel(model);
  const runtimeImport = sf.addImportDeclaration({
    moduleSpecifier: runtime,
    namedImports: ['ModelBuilder', { name: 'loadModel', alias: 'loadSaved' }],
  });
  sf.addImportDeclaration({ moduleSpecifier: runtime, isTypeOnly: true, namedImports: ['CompiledModel', 'Manifest'] });
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['What a tool needs to drive the model without reading its source (API.md).'],
    declarations: [{ name: 'manifest', type: 'Manifest', initializer: manifestLiteral(manifest) }],
  });
  sf.addFunction({
    isExported: true,
    name: 'createModel',
    docs: ['A new model with freshly initialised weights (deterministic for a given seed).'],
    parameters: [{ name: 'options', type: '{ seed?: number }', initializer: '{}' }],
    returnType: 'CompiledModel',
    statements: (w) => writeBody(w, plan),
  });
  if ((opts.target ?? 'node') === 'node') {
    sf.addFunction({
      isExported: true,
      name: 'loadModel',
      docs: ['A model saved with `save(dir)`: tfjs files plus the manifest.'],
      parameters: [{ name: 'dir', type: 'string' }],
      returnType: 'Promise<CompiledModel>',
      statements: 'return loadSaved(dir);',
    });
  } else {
    sf.addFunction({
      isExported: true,
      name: 'loadModel',
      docs: ['A model saved with `save(dir)` and served over HTTP: `url` is the folder holding model.json.'],
      parameters: [{ name: 'url', type: 'string' }],
      returnType: 'Promise<CompiledModel>',
      statements: 'return loadSaved(url);',
    });
  }
  plan.customClasses.forEach((c, i) => {
    const specifier = opts.implSpecifier ? opts.implSpecifier(c.node) : c.module;
    sf.insertImportDeclaration(1 + i, { moduleSpecifier: specifier, namedImports: [c.exportName === c.local ? c.exportName : { name: c.exportName, alias: c.local }] });
  });
  void runtimeImport;
  sf.insertStatements(0, (w) => {
    // The file's base name only: the same source gives the same module whatever path it was built from.
    w.writeLine(`// Generated by seqnetc ${commentText(manifest.compiler)} from ${commentText(baseName(model.file.name))}, model ${commentText(model.name)}.`);
    w.writeLine('// Do not edit: change the .seqnet source and build again.');
  });
  sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
  const ts = sf.getFullText();
  const out = sf.getEmitOutput();
  let js = '';
  let dts = '';
  for (const f of out.getOutputFiles()) {
    if (f.getFilePath().endsWith('.d.ts')) dts = f.getText();
    else if (f.getFilePath().endsWith('.js')) js = f.getText();
  }
  p.removeSourceFile(sf);
  return { ts, js, dts };
}
