/**
 * The compiler pipeline in-process, as `seqnetc build` runs it: built-in
 * layer specs, check, model selection, fill insertion.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IrModel } from '../src/check/ir.js';
import { checkSource, loadBuiltins, selectModel } from '../src/check/program.js';
import { packageRoot, readSpecs } from '../src/cli/files.js';
import { renderText } from '../src/diagnostics/render.js';
import { SourceFile } from '../src/diagnostics/span.js';
import { explain, type ExplainFill } from '../src/emit/explain.js';
import { insertFills } from '../src/rewrite/fills.js';

export interface CompiledSource {
  readonly model: IrModel;
  readonly fills: readonly ExplainFill[];
}

/** Checks `text` and inserts its fills; a diagnostic (a bug in the demo's own source) ends the demo with its rendering. */
export function compileText(name: string, text: string): CompiledSource {
  const checked = checkSource(new SourceFile(name, text), loadBuiltins(readSpecs()));
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map(renderText).join('\n'));
  const selected = selectModel(checked);
  if ('code' in selected) throw new Error(renderText(selected));
  const model = insertFills(selected);
  return { model, fills: explain(model).fills };
}

/** An example's source text, from the package's examples/ folder. */
export function exampleText(file: string): string {
  return readFileSync(join(packageRoot(), 'examples', file), 'utf8');
}

/** The GRU call of examples/tagger.seqnet (LANGUAGE.md section 1). */
export const TAGGER_GRU = 'gru(h, units: 128)';

/**
 * examples/tagger.seqnet with its GRU call replaced: the demo and the bench
 * compare with tfjs-layers, whose GRU has no reset_after.
 */
export function taggerWithGru(call: string): string {
  const source = exampleText('tagger.seqnet');
  if (!source.includes(TAGGER_GRU)) throw new Error(`examples/tagger.seqnet no longer contains \`${TAGGER_GRU}\``);
  return source.replace(TAGGER_GRU, call);
}

/** One line per fill: which value, for which consumers, why. */
export function fillLines(fills: readonly ExplainFill[]): string[] {
  if (fills.length === 0) return ['  no fills: no consumer needs zeros where padding is non-zero'];
  return fills.map((f, i) => `  ${i + 1}. fill \`${f.value}\` for ${f.consumers.join(', ')}: ${f.reason}`);
}
