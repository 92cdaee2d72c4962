/**
 * Shared plumbing for the checker tests: compile a source text with the real
 * built-in specs, insert fills, and render the result as compact text that a
 * test compares with an expected block (rust-analyzer style).
 */
import { checkSource, loadBuiltins, type Builtins, type Checked } from '../../../src/check/program.js';
import type { IrModel, IrNode } from '../../../src/check/ir.js';
import type { Mask } from '../../../src/check/types.js';
import { formatType } from '../../../src/check/types.js';
import { readSpecs } from '../../../src/cli/files.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { SourceFile } from '../../../src/diagnostics/span.js';
import { insertFills } from '../../../src/rewrite/fills.js';

let cached: Builtins | undefined;

export function builtins(): Builtins {
  if (!cached) {
    cached = loadBuiltins(readSpecs());
    if (cached.diagnostics.length) throw new Error(`the built-in specs do not load: ${cached.diagnostics.map((d) => d.message).join('; ')}`);
  }
  return cached;
}

export function compile(text: string, name = 'test.seqnet'): Checked {
  return checkSource(new SourceFile(name, text), builtins());
}

export function errors(c: Checked): Diagnostic[] {
  return c.diagnostics.filter((d) => d.severity === 'error');
}

/** Remove the common indentation and the first and last blank lines of a template literal. */
export function trimIndent(s: string): string {
  const lines = s.replace(/^\s*\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent).trimEnd()).join('\n');
}

export function maskName(model: IrModel, mask: Mask | undefined): string {
  if (!mask) return '-';
  const i = model.masks.findIndex((m) => m.id === mask.id);
  return mask.layout === 'holes' ? `m${i} holes` : `m${i} ${mask.layout} ${mask.length}`;
}

/** One value: `conv1d(a!) f32[B, T, 8] m0 post L any`; `!` marks an edge that needs zeros. */
export function describeNode(model: IrModel, n: IrNode): string {
  const byId = new Map(model.nodes.map((x) => [x.id, x]));
  const type = `${formatType(n.type)} ${maskName(model, n.type.mask)}${n.type.mask ? ` ${n.type.pad}` : ''}`;
  if (n.kind === 'input') return `${n.role} ${type}`;
  if (n.kind === 'fill') return `fill(${byId.get(n.of)!.name}) ${type}`;
  const args = n.inputs.map((e) => `${byId.get(e.node)!.name}${e.needsZeros ? '!' : ''}`).join(', ');
  return `${n.layer}(${args}) ${type}${n.usesMask ? ' uses_mask' : ''}`;
}

/** Fills as `value(consumer, ...)`, consumers without their positions. */
export function describeFills(model: IrModel): string {
  const byId = new Map(model.nodes.map((x) => [x.id, x]));
  const fills = model.nodes.flatMap((n) =>
    n.kind === 'fill' ? [`${byId.get(n.of)!.name}(${n.reason.consumers.map((c) => c.replace(/ \d+:\d+$/, '')).join(', ')})`] : [],
  );
  return fills.length ? fills.join(' ') : '-';
}

export function describeLosses(model: IrModel): string[] {
  const byId = new Map(model.nodes.map((x) => [x.id, x]));
  return model.losses.map((l) => `loss ${l.layer}(${byId.get(l.pred)!.name}, ${byId.get(l.target)!.name}) ${maskName(model, l.mask)}`);
}

/** Every value, fill, output, loss and mask of a model, one per line. */
export function dumpModel(model: IrModel): string {
  const byId = new Map(model.nodes.map((x) => [x.id, x]));
  const lines = model.nodes.map((n) => `${n.name} = ${describeNode(model, n)}`);
  for (const o of model.outputs) lines.push(`output ${o.name} <- ${byId.get(o.node)!.name}`);
  lines.push(...describeLosses(model));
  for (const [i, m] of model.masks.entries()) {
    const parent = m.parent ? ` <- m${model.masks.findIndex((p) => p.id === m.parent!.mask.id)} ${windowText(m.parent.window)}` : '';
    lines.push(`m${i} = ${m.id}${parent}`);
  }
  return lines.join('\n');
}

export function windowText(w: { size: number; stride: number; dilation: number; mode: string }): string {
  return `window(${w.size}, ${w.stride}, ${w.dilation}, ${w.mode})`;
}

/** `SN0402 3:12 \`conv1d\`: message`, then notes and help, positions as line:column. */
export function dumpDiagnostic(d: Diagnostic): string {
  const at = (file: SourceFile | undefined, span: { start: number; end: number } | undefined) => {
    if (!file || !span) return '';
    const p = file.position(span.start);
    return `${p.line}:${p.column}`;
  };
  const f = d.file;
  const head = `${d.severity === 'warning' ? 'warning ' : ''}${d.code} ${at(f, d.span)} \`${f && d.span ? f.text.slice(d.span.start, d.span.end) : ''}\`: ${d.message}`;
  const lines = [head];
  for (const n of d.notes) {
    const nf = n.file ?? f;
    lines.push(`  note: ${n.message}${n.span ? ` (${nf === f ? '' : `${nf!.name}:`}${at(nf, n.span)})` : ''}`);
  }
  if (d.help) lines.push(`  help: ${d.help}`);
  return lines.join('\n');
}

export function fill(model: IrModel): IrModel {
  return insertFills(model);
}
