/** The manifest of API.md, from the rewritten IR. */
import { createHash } from 'node:crypto';
import type { IrModel, IrNode } from '../check/ir.js';
import type { Dim } from '../check/dim.js';
import type { DTypeName } from '../syntax/ast.js';
import type { Manifest, ManifestInput, ManifestMask } from '../runtime/manifest.js';
import type { DType } from '../runtime/builder-types.js';

export function dtypeOf(d: DTypeName): DType {
  return d === 'f32' ? 'float32' : d === 'i32' ? 'int32' : 'bool';
}

export function shapeOf(dims: readonly Dim[]): (string | number)[] {
  return dims.map((d) => (d.isConstant ? d.constant : d.toString()));
}

export function manifestMask(node: IrNode): ManifestMask | undefined {
  if (node.kind !== 'input' || !node.maskSource) return undefined;
  const m = node.maskSource.mask;
  const o = m.origin;
  if (o.kind === 'value') return { source: 'value', layout: m.layout, value: o.value };
  if (o.kind === 'zeros') return { source: 'zeros', layout: m.layout };
  return { source: o.kind, layout: m.layout, input: o.input };
}

export function sourceHash(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

export function buildManifest(model: IrModel, compiler: string): Manifest {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const inputs: ManifestInput[] = [];
  const targets = [];
  for (const n of model.nodes) {
    if (n.kind !== 'input') continue;
    const base = { name: n.name, dtype: dtypeOf(n.type.dtype), shape: shapeOf(n.type.dims) };
    if (n.role === 'target') targets.push(base);
    else {
      const mask = manifestMask(n);
      inputs.push({ ...base, ...(mask ? { mask } : {}), role: n.role });
    }
  }
  const outputs = model.outputs.map((o) => {
    const n = byId.get(o.node)!;
    return {
      name: o.name,
      dtype: dtypeOf(n.type.dtype),
      shape: shapeOf(n.type.dims),
      masked: n.type.mask !== undefined,
      ...(n.type.mask ? { layout: n.type.mask.layout } : {}),
    };
  });
  const fills = model.nodes.flatMap((n) =>
    n.kind === 'fill' ? [{ value: byId.get(n.of)!.name, fill: 0 as const, consumers: [...n.reason.consumers], reason: n.reason.text }] : [],
  );
  const losses = model.losses.map((l) => ({
    kind: l.layer,
    pred: byId.get(l.pred)!.name,
    target: byId.get(l.target)!.name,
    params: { ...l.params },
    masked: l.mask !== undefined,
    ...(l.mask ? { layout: l.mask.layout } : {}),
  }));
  return {
    manifestVersion: 1,
    name: model.name,
    inputs,
    targets,
    outputs,
    fills,
    compiler,
    sourceHash: sourceHash(model.file.text),
    losses,
  };
}
