/**
 * The generated module of API.md: a thin, readable program over the
 * runtime's ModelBuilder, one call per input, layer, mask derivation, fill,
 * output and loss, each fill with a comment saying why it is there. Written
 * with ts-morph, compiled to ESM `.js` and `.d.ts` in memory.
 */
import { IndentationText, Project, QuoteKind, ScriptTarget, ModuleKind, ModuleResolutionKind, VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { IrModel, IrNode, LayerNode } from '../check/ir.js';
import type { Mask } from '../check/types.js';
import type { Manifest } from '../runtime/manifest.js';
import { dtypeOf, manifestMask, shapeOf } from './manifest.js';
import { commentText, literal, LocalNames, objectLiteral, str } from './names.js';

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

function where(n: { at: { file: { position(o: number): { line: number; column: number } }; span: { start: number } } }): string {
  const p = n.at.file.position(n.at.span.start);
  return `${p.line}:${p.column}`;
}

/** The statements of `createModel`, in topological order. */
function writeBody(w: CodeBlockWriter, model: IrModel, opts: EmitOptions, customImports: Map<string, { local: string; specifier: string; exportName: string }>): void {
  const locals = new LocalNames(['builder', 'options', 'manifest', 'createModel', 'loadModel', 'ModelBuilder', 'loadSaved', 'CompiledModel', 'Manifest']);
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const maskLocal = new Map<string, string>();
  const maskIndex = new Map(model.masks.map((m, i) => [m.id, i]));
  const local = (n: IrNode) => locals.local(n.name);

  const ensureMask = (m: Mask): string => {
    const known = maskLocal.get(m.id);
    if (known) return known;
    if (!m.parent) throw new Error(`internal: root mask ${m.id} has no source`); // the checker gives every root a source
    const parent = ensureMask(m.parent.mask);
    const name = locals.fresh(`m${maskIndex.get(m.id)}`);
    const win = m.parent.window;
    if (m.layout === 'holes') throw new Error('internal: a window over holes passed the checker');
    const spec = objectLiteral([
      ['kernel', literal(win.size)],
      ['stride', literal(win.stride)],
      ['dilation', literal(win.dilation)],
      ['mode', literal(win.mode)],
      ['layout', literal(m.layout)],
    ]);
    w.writeLine(`const ${name} = builder.windowMask(${str(`${name}__mask`)}, ${parent}, ${spec});`);
    maskLocal.set(m.id, name);
    return name;
  };

  w.writeLine('const builder = new ModelBuilder(manifest, options);');
  w.blankLine();
  // Raw inputs first: a mask source may read a lengths or mask input declared after it.
  const rawOf = new Map<number, string>();
  for (const n of model.nodes) {
    if (n.kind !== 'input') continue;
    const shape = `[${shapeOf(n.type.dims).map((d, i) => (i === 0 || typeof d === 'string' ? 'null' : String(d))).join(', ')}]`;
    const fn = n.role === 'target' ? 'target' : 'input';
    const v = n.maskSource ? locals.fresh(`${local(n)}_raw`) : local(n);
    w.writeLine(`const ${v} = builder.${fn}(${str(n.name)}, ${str(dtypeOf(n.type.dtype))}, ${shape});`);
    rawOf.set(n.id, v);
  }
  for (const n of model.nodes) {
    if (n.kind !== 'input' || !n.maskSource) continue;
    const mm = manifestMask(n)!;
    const spec = objectLiteral(Object.entries(mm).map(([k, v]) => [k, literal(v)]));
    const aux = n.maskSource.aux ? `, ${rawOf.get(model.nodes.find((x) => x.name === n.maskSource!.aux)!.id)}` : '';
    const m = n.maskSource.mask;
    const known = maskLocal.get(m.id);
    const maskName = known ? locals.fresh(`${local(n)}_mask`) : locals.fresh(`m${maskIndex.get(m.id)}`);
    w.writeLine(`// \`${commentText(n.name)}\`: padded steps set to 0 with where(mask, x, 0), so NaN or Inf cannot pass.`);
    w.writeLine(`const { value: ${local(n)}, mask: ${maskName} } = builder.maskSource(${str(`${n.name}__mask`)}, ${rawOf.get(n.id)}, ${spec}${aux});`);
    if (!known) maskLocal.set(m.id, maskName);
  }
  w.blankLine();
  for (const n of model.nodes) {
    if (n.kind === 'input') continue;
    if (n.kind === 'fill') {
      const of = byId.get(n.of)!;
      const mask = ensureMask(of.type.mask!);
      w.writeLine(`// fill: ${commentText(n.reason.text)}; read as zeros by ${commentText(n.reason.consumers.join(', '))}`);
      w.writeLine(`const ${local(n)} = builder.fill(${str(n.name)}, ${local(of)}, ${mask});`);
      continue;
    }
    const args = `[${n.inputs.map((e) => local(byId.get(e.node)!)).join(', ')}]`;
    const mask = n.usesMask && n.inputMask ? `, ${ensureMask(n.inputMask)}` : '';
    if (n.type.mask) ensureMask(n.type.mask);
    if (n.impl) {
      const key = `${n.impl.module}#${n.impl.exportName}`;
      let imp = customImports.get(key);
      if (!imp) {
        imp = { local: locals.fresh(n.impl.exportName.replace(/[^A-Za-z0-9_$]/g, '_')), specifier: opts.implSpecifier ? opts.implSpecifier(n) : n.impl.module, exportName: n.impl.exportName };
        customImports.set(key, imp);
      }
      const args2 = objectLiteral([['name', str(n.name)], ...Object.entries(n.params).map(([k, v]) => [k, literal(v)] as [string, string])]);
      w.writeLine(`const ${local(n)} = builder.custom(${str(n.name)}, new ${imp.local}(${args2}), ${args}${mask});`);
      continue;
    }
    const params = objectLiteral(Object.entries(n.params).map(([k, v]) => [k, literal(v)]));
    w.writeLine(`const ${local(n)} = builder.layer(${str(n.name)}, ${str(n.layer)}, ${args}, ${params}${mask});`);
  }
  w.blankLine();
  for (const o of model.outputs) {
    const n = byId.get(o.node)!;
    const mask = n.type.mask ? `, ${ensureMask(n.type.mask)}` : '';
    w.writeLine(`builder.output(${str(o.name)}, ${local(n)}${mask});`);
  }
  for (const l of model.losses) {
    const pred = byId.get(l.pred)!;
    const target = byId.get(l.target)!;
    const mask = l.mask ? `, ${ensureMask(l.mask)}` : '';
    const params = objectLiteral(Object.entries(l.params).map(([k, v]) => [k, literal(v)]));
    w.writeLine(`builder.loss(${str(l.layer)}, ${local(pred)}, ${local(target)}, ${params}${mask});`);
  }
  w.writeLine('return builder.build();');
}

/** JSON with arrays of plain values on one line (raw newlines occur only between tokens, so folding them is safe). */
export function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[[^[\]{}]*\]/g, (m) => m.replace(/^\[\n\s*/, '[').replace(/\n\s*\]$/, ']').replace(/\n\s*/g, ' '));
}

let project: Project | undefined;
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
  const path = `/${fileBase}.ts`;
  const existing = p.getSourceFile(path);
  if (existing) p.removeSourceFile(existing);
  const sf = p.createSourceFile(path, '', { overwrite: true });
  const customImports = new Map<string, { local: string; specifier: string; exportName: string }>();
  const runtimeImport = sf.addImportDeclaration({
    moduleSpecifier: runtime,
    namedImports: ['ModelBuilder', { name: 'loadModel', alias: 'loadSaved' }],
  });
  sf.addImportDeclaration({ moduleSpecifier: runtime, isTypeOnly: true, namedImports: ['CompiledModel', 'Manifest'] });
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['What a tool needs to drive the model without reading its source (API.md).'],
    declarations: [{ name: 'manifest', type: 'Manifest', initializer: compactJson(manifest) }],
  });
  sf.addFunction({
    isExported: true,
    name: 'createModel',
    docs: ['A new model with freshly initialised weights (deterministic for a given seed).'],
    parameters: [{ name: 'options', type: '{ seed?: number }', initializer: '{}' }],
    returnType: 'CompiledModel',
    statements: (w) => writeBody(w, model, opts, customImports),
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
  let index = 0;
  for (const imp of customImports.values()) {
    sf.insertImportDeclaration(1 + index++, { moduleSpecifier: imp.specifier, namedImports: [imp.exportName === imp.local ? imp.exportName : { name: imp.exportName, alias: imp.local }] });
  }
  void runtimeImport;
  sf.insertStatements(0, (w) => {
    w.writeLine(`// Generated by seqnetc ${commentText(manifest.compiler)} from ${commentText(model.file.name)}, model ${commentText(model.name)}.`);
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
