/**
 * The front door of the checker: built-in layers from `specs/` texts, then a
 * user file's own layers and models. Pure: the caller reads the files.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { SourceFile } from '../diagnostics/span.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { FileAst, ModelDecl } from '../syntax/ast.js';
import { parse } from '../syntax/parse.js';
import type { IrModel } from './ir.js';
import { LayerLibrary } from './library.js';
import { ModelChecker } from './model.js';

export interface SpecText {
  readonly name: string;
  readonly text: string;
}

export interface Builtins {
  readonly library: LayerLibrary;
  /** Problems in the spec files themselves: a broken installation, reported at start-up. */
  readonly diagnostics: Diagnostic[];
}

export function loadBuiltins(specs: readonly SpecText[]): Builtins {
  const diagnostics: Diagnostic[] = [];
  const decls = [];
  for (const s of specs) {
    const file = new SourceFile(s.name, s.text);
    const { ast, diagnostics: ds } = parse(file);
    diagnostics.push(...ds);
    for (const m of ast.models) diagnostics.push(diagnostic('SN0215', 'a spec file declares layers only', { file, span: m.name.span }));
    for (const decl of ast.layers) decls.push({ decl, file });
  }
  return { library: LayerLibrary.builtin(decls, diagnostics), diagnostics };
}

export interface Checked {
  readonly file: SourceFile;
  readonly ast: FileAst;
  readonly library: LayerLibrary;
  /** Every model of the file that could be checked, in source order. */
  readonly models: IrModel[];
  readonly diagnostics: Diagnostic[];
}

/** Parse and check every model in a file (what `seqnetc check` does). */
export function checkSource(file: SourceFile, builtins: Builtins): Checked {
  const { ast, diagnostics } = parse(file);
  const library = builtins.library.extend(
    ast.layers.map((decl) => ({ decl, file })),
    diagnostics,
  );
  const models: IrModel[] = [];
  if (ast.models.length === 0 && ast.layers.length === 0 && !diagnostics.some((d) => d.code.startsWith('SN01'))) {
    diagnostics.push(diagnostic('SN0501', `\`${file.name}\` declares no model`, { file, span: { start: 0, end: 0 }, help: 'a file holds `model Name { ... }` blocks (and `layer` declarations)' }));
  }
  const seen = new Map<string, ModelDecl>();
  for (const m of ast.models) {
    const prior = seen.get(m.name.name);
    if (prior) {
      diagnostics.push(diagnostic('SN0209', `model \`${m.name.name}\` is declared twice`, { file, span: m.name.span, notes: [{ message: 'first declared here', span: prior.name.span }] }));
      continue;
    }
    seen.set(m.name.name, m);
    models.push(new ModelChecker(m, file, library, diagnostics).run());
  }
  return { file, ast, library, models, diagnostics };
}

/**
 * The one model a command works on: `--model NAME`, or the only model of the
 * file. Returns a diagnostic when that cannot be decided.
 */
export function selectModel(checked: Checked, name?: string): IrModel | Diagnostic {
  const { ast, file } = checked;
  if (name !== undefined) {
    const m = checked.models.find((x) => x.name === name);
    if (m) return m;
    const guess = didYouMean(name, ast.models.map((x) => x.name.name));
    return diagnostic('SN0212', `\`${file.name}\` has no model \`${name}\``, {
      file,
      help: guess ? `did you mean \`${guess}\`?` : `its models: ${ast.models.map((x) => x.name.name).join(', ') || 'none'}`,
    });
  }
  if (ast.models.length === 0) {
    return diagnostic('SN0501', `\`${file.name}\` declares no model`, { file, span: { start: 0, end: 0 } });
  }
  if (ast.models.length > 1) {
    return diagnostic('SN0211', `\`${file.name}\` declares ${ast.models.length} models; choose one with --model`, {
      file,
      span: ast.models[1]!.name.span,
      help: `--model ${ast.models.map((x) => x.name.name).join(' | ')}`,
    });
  }
  const only = checked.models[0];
  return only ?? diagnostic('SN0501', `\`${file.name}\` declares no model that could be checked`, { file });
}
