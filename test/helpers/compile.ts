/** Test helpers: the compiler pipeline in-process, from source text to a checked (and filled) model. */
import { readFileSync } from 'node:fs';
import { readSpecs } from '../../src/cli/files.js';
import type { IrModel } from '../../src/check/ir.js';
import { checkSource, loadBuiltins, type Builtins } from '../../src/check/program.js';
import { renderText } from '../../src/diagnostics/render.js';
import { SourceFile } from '../../src/diagnostics/span.js';
import { insertFills, type FillOptions } from '../../src/rewrite/fills.js';

let builtins: Builtins | undefined;
export function specs(): Builtins {
  return (builtins ??= loadBuiltins(readSpecs()));
}

/** The first model of `text`, checked; throws with the rendered diagnostics if it has errors. */
export function checked(text: string, name = 'test.seqnet'): IrModel {
  const c = checkSource(new SourceFile(name, text), specs());
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map(renderText).join('\n'));
  return c.models[0]!;
}

export function compiled(text: string, fills: FillOptions = {}, name?: string): IrModel {
  return insertFills(checked(text, name), fills);
}

export function example(name: string): string {
  return readFileSync(`examples/${name}.seqnet`, 'utf8');
}

export const EXAMPLES = ['tagger', 'classifier', 'bidirectional', 'tokens', 'streaming', 'residual'] as const;
