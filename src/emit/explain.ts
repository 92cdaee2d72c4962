/**
 * `seqnetc explain`: per value its layer, shape, mask, layout, pad state and
 * parameter count (like Keras' `model.summary()`), then every fill with its
 * reason and source lines. Text, JSON and DOT views of the same facts.
 */
import type { IrModel, IrNode, SourceRef } from '../check/ir.js';
import { formatShape, type Mask } from '../check/types.js';

export interface ExplainValue {
  name: string;
  layer: string;
  inputs: string[];
  dtype: string;
  shape: string;
  mask: string | null;
  layout: string | null;
  pad: string | null;
  params: number | null;
  line: number;
  column: number;
}

export interface ExplainMask {
  id: string;
  source: string;
  layout: string;
  length: string;
  derivedFrom: string | null;
  window: string | null;
}

export interface ExplainFill {
  value: string;
  consumers: string[];
  reason: string;
  origin: { value: string; layer: string; line: number; column: number };
  source: string[];
}

export interface Explanation {
  model: string;
  file: string;
  values: ExplainValue[];
  masks: ExplainMask[];
  fills: ExplainFill[];
  outputs: string[];
  losses: string[];
  totalParams: number;
}

function pos(at: SourceRef): { line: number; column: number } {
  return at.file.position(at.span.start);
}

function sourceLines(at: SourceRef): string[] {
  const p = pos(at);
  return [`${p.line} | ${at.file.line(p.line).trim()}`];
}

export function explain(model: IrModel): Explanation {
  const maskNames = new Map<string, string>();
  model.masks.forEach((m, i) => maskNames.set(m.id, `m${i}`));
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const layerOf = (n: IrNode) => (n.kind === 'layer' ? n.layer : n.kind === 'fill' ? 'fill' : n.role === 'target' ? 'target' : 'input');
  const values: ExplainValue[] = model.nodes.map((n) => {
    const p = pos(n.at);
    return {
      name: n.name,
      layer: layerOf(n),
      inputs: n.kind === 'layer' ? n.inputs.map((e) => byId.get(e.node)!.name) : n.kind === 'fill' ? [byId.get(n.of)!.name] : [],
      dtype: n.type.dtype,
      shape: formatShape(n.type.dims),
      mask: n.type.mask ? maskNames.get(n.type.mask.id)! : null,
      layout: n.type.mask?.layout ?? null,
      pad: n.type.pad ?? null,
      params: n.kind === 'layer' ? (n.weightCount ?? 0) : n.kind === 'fill' ? 0 : null,
      line: p.line,
      column: p.column,
    };
  });
  const masks: ExplainMask[] = model.masks.map((m) => describeMask(m, maskNames));
  const fills: ExplainFill[] = model.nodes.flatMap((n) => {
    if (n.kind !== 'fill') return [];
    const r = n.reason;
    const o = pos(r.origin.at);
    return [
      {
        value: byId.get(n.of)!.name,
        consumers: [...r.consumers],
        reason: r.text,
        origin: { value: r.origin.name, layer: r.origin.layer, line: o.line, column: o.column },
        source: [...sourceLines(r.origin.at), ...r.consumerAt.flatMap(sourceLines)],
      },
    ];
  });
  return {
    model: model.name,
    file: model.file.name,
    values,
    masks,
    fills,
    outputs: model.outputs.map((o) => o.name),
    losses: model.losses.map((l) => `${l.layer}(${byId.get(l.pred)?.name}, ${byId.get(l.target)?.name})`),
    totalParams: values.reduce((s, v) => s + (v.params ?? 0), 0),
  };
}

function describeMask(m: Mask, names: Map<string, string>): ExplainMask {
  const o = m.origin;
  const source =
    o.kind === 'zeros' ? `zeros on \`${o.input}\`` : o.kind === 'value' ? `value(${o.value}) on \`${o.input}\`` : o.kind === 'lengths' ? `lengths(${o.input})` : `mask input \`${o.input}\``;
  const w = m.parent?.window;
  return {
    id: names.get(m.id)!,
    source,
    layout: m.layout,
    length: m.layout === 'holes' ? 'any pattern' : m.length.toString(),
    derivedFrom: m.parent ? names.get(m.parent.mask.id)! : null,
    window: w ? `size ${w.size}, stride ${w.stride}, dilation ${w.dilation}, ${w.mode}` : null,
  };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function renderExplainText(e: Explanation): string {
  const out: string[] = [`Model: ${e.model} (${e.file})`, ''];
  const rows = [['value', 'layer', 'inputs', 'shape', 'mask', 'pad', 'params']];
  for (const v of e.values) {
    rows.push([
      v.name,
      v.layer,
      v.inputs.join(', ') || '-',
      `${v.dtype}${v.shape}`,
      v.mask ? `${v.mask} ${v.layout}` : '-',
      v.pad ?? '-',
      v.params === null ? '-' : v.params.toLocaleString('en-US'),
    ]);
  }
  const t = table(rows);
  out.push(t[0]!, '-'.repeat(Math.max(...t.map((l) => l.length))), ...t.slice(1));
  out.push('', `Total params: ${e.totalParams.toLocaleString('en-US')}`);
  out.push(`Outputs: ${e.outputs.join(', ') || '-'}`);
  out.push(`Losses: ${e.losses.join(' + ') || '-'}`);
  out.push('', `Masks (${e.masks.length}):`);
  for (const m of e.masks) {
    const from = m.derivedFrom ? `, from ${m.derivedFrom} by a window (${m.window})` : '';
    out.push(`  ${m.id}  ${m.source}, ${m.layout}, real length ${m.length}${from}`);
  }
  out.push('', `Fills (${e.fills.length}):`);
  if (e.fills.length === 0) out.push('  none: no consumer needs zeros where padding is non-zero');
  e.fills.forEach((f, i) => {
    out.push(`  ${i + 1}. fill \`${f.value}\` for ${f.consumers.join(', ')}`);
    out.push(`     because ${f.reason}`);
    for (const s of f.source) out.push(`     ${s}`);
  });
  return out.join('\n') + '\n';
}

function dotId(s: string): string {
  return JSON.stringify(s);
}

function dotLabel(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Graphviz: fills highlighted, masked edges bold, edges that need zeros dashed red unless fed by a fill. */
export function renderExplainDot(model: IrModel): string {
  const e = explain(model);
  const lines = [`digraph ${dotId(model.name)} {`, '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fillcolor="#f7f7f7", fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  const byName = new Map(e.values.map((v) => [v.name, v]));
  for (const v of e.values) {
    const label = [v.name, v.layer, `${v.dtype}${v.shape}`, ...(v.mask ? [`mask ${v.mask} ${v.layout}, pad ${v.pad}`] : [])];
    const attrs =
      v.layer === 'fill'
        ? 'fillcolor="#ffd966", color="#b45f06", penwidth=2'
        : v.layer === 'input' || v.layer === 'target'
          ? 'shape=ellipse, fillcolor="#d9ead3"'
          : '';
    lines.push(`  ${dotId(v.name)} [label="${label.map(dotLabel).join('\\n')}"${attrs ? ', ' + attrs : ''}];`);
  }
  for (const v of e.values) {
    for (const i of v.inputs) {
      const src = byName.get(i)!;
      const style = src.mask ? 'penwidth=2, color="#3c78d8"' : 'color="#666666"';
      lines.push(`  ${dotId(i)} -> ${dotId(v.name)} [${style}];`);
    }
  }
  for (const o of e.outputs) {
    const out = `output ${o}`;
    lines.push(`  ${dotId(out)} [shape=plaintext, fillcolor=white, label="${dotLabel(out)}"];`);
    const node = model.outputs.find((x) => x.name === o)!;
    const src = model.nodes.find((n) => n.id === node.node)!;
    lines.push(`  ${dotId(src.name)} -> ${dotId(out)};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export async function renderExplainSvg(model: IrModel): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(renderExplainDot(model), { format: 'svg', engine: 'dot' });
}
