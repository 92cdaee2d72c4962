/**
 * The builder program of a model: one step per ModelBuilder call, in
 * topological order, with the locals each step defines. The generated module
 * prints it (module.ts); tests and `seqnetc verify` run it in-process against
 * the real ModelBuilder (instantiate.ts), so both paths make the same calls.
 */
import type { IrModel, IrNode, LayerNode, ParamValue } from '../check/ir.js';
import type { Mask } from '../check/types.js';
import type { DType, MaskSourceSpec, WindowSpec } from '../runtime/builder-types.js';
import { dtypeOf, manifestMask, shapeOf } from './manifest.js';
import { LocalNames } from './names.js';

export type Params = Readonly<Record<string, ParamValue>>;

export type Step =
  | { readonly op: 'input'; readonly out: string; readonly role: 'input' | 'target'; readonly name: string; readonly dtype: DType; readonly shape: readonly (number | null)[] }
  | { readonly op: 'maskSource'; readonly out: string; readonly outMask: string; readonly name: string; readonly value: string; readonly x: string; readonly spec: MaskSourceSpec; readonly aux?: string }
  | { readonly op: 'fullMask'; readonly out: string; readonly name: string; readonly x: string }
  | { readonly op: 'windowMask'; readonly out: string; readonly name: string; readonly mask: string; readonly spec: WindowSpec }
  | { readonly op: 'layer'; readonly out: string; readonly name: string; readonly kind: string; readonly inputs: readonly string[]; readonly params: Params; readonly mask?: string }
  | {
      readonly op: 'custom';
      readonly out: string;
      readonly name: string;
      readonly node: LayerNode;
      readonly cls: string;
      readonly inputs: readonly string[];
      readonly params: Params;
      readonly mask?: string;
    }
  | { readonly op: 'fill'; readonly out: string; readonly name: string; readonly x: string; readonly mask: string; readonly why: string; readonly consumers: readonly string[] }
  | { readonly op: 'output'; readonly name: string; readonly x: string; readonly mask?: string }
  | { readonly op: 'loss'; readonly kind: string; readonly pred: string; readonly target: string; readonly params: Params; readonly mask?: string };

export interface CustomClass {
  readonly local: string;
  readonly module: string;
  readonly exportName: string;
  readonly node: LayerNode;
}

export interface Plan {
  readonly steps: Step[];
  readonly customClasses: CustomClass[];
}

/** Locals the generated module defines itself. */
export const MODULE_LOCALS = ['builder', 'options', 'manifest', 'createModel', 'loadModel', 'ModelBuilder', 'loadSaved', 'CompiledModel', 'Manifest'];

export function planModel(model: IrModel): Plan {
  const locals = new LocalNames(MODULE_LOCALS);
  const steps: Step[] = [];
  const customClasses: CustomClass[] = [];
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const maskLocal = new Map<string, string>();
  const maskIndex = new Map(model.masks.map((m, i) => [m.id, i]));
  const local = (n: IrNode) => locals.local(n.name);

  const ensureMask = (m: Mask): string => {
    const known = maskLocal.get(m.id);
    if (known) return known;
    // The checker gives every root mask a source and never derives a window mask over holes.
    if (!m.parent || m.layout === 'holes') throw new Error(`internal: mask ${m.id} has no source`);
    const parent = ensureMask(m.parent.mask);
    const out = locals.fresh(`m${maskIndex.get(m.id)}`);
    const w = m.parent.window;
    steps.push({ op: 'windowMask', out, name: `${out}__mask`, mask: parent, spec: { kernel: w.size, stride: w.stride, dilation: w.dilation, mode: w.mode, layout: m.layout } });
    maskLocal.set(m.id, out);
    return out;
  };

  // Raw inputs first: a mask source may read a lengths or mask input declared after it.
  const rawOf = new Map<string, string>();
  for (const n of model.nodes) {
    if (n.kind !== 'input') continue;
    const shape = shapeOf(n.type.dims).map((d, i) => (i === 0 || typeof d === 'string' ? null : d));
    const out = n.maskSource ? locals.fresh(`${local(n)}_raw`) : local(n);
    steps.push({ op: 'input', out, role: n.role === 'target' ? 'target' : 'input', name: n.name, dtype: dtypeOf(n.type.dtype), shape });
    rawOf.set(n.name, out);
  }
  for (const n of model.nodes) {
    if (n.kind !== 'input' || !n.maskSource) continue;
    const m = n.maskSource.mask;
    const known = maskLocal.get(m.id);
    const outMask = known ? locals.fresh(`${local(n)}_mask`) : locals.fresh(`m${maskIndex.get(m.id)}`);
    const aux = n.maskSource.aux ? rawOf.get(n.maskSource.aux) : undefined;
    steps.push({ op: 'maskSource', out: local(n), outMask, name: `${n.name}__mask`, value: n.name, x: rawOf.get(n.name)!, spec: manifestMask(n) as MaskSourceSpec, aux });
    if (!known) maskLocal.set(m.id, outMask);
  }
  for (const n of model.nodes) {
    if (n.kind === 'input') continue;
    if (n.kind === 'fill') {
      const of = byId.get(n.of)!;
      steps.push({ op: 'fill', out: local(n), name: n.name, x: local(of), mask: ensureMask(of.type.mask!), why: n.reason.text, consumers: n.reason.consumers });
      continue;
    }
    const inputs = n.inputs.map((e) => local(byId.get(e.node)!));
    let mask = n.usesMask && n.inputMask ? ensureMask(n.inputMask) : undefined;
    if (n.usesMask && !n.inputMask) {
      mask = locals.fresh(`${local(n)}_all_real`);
      steps.push({ op: 'fullMask', out: mask, name: `${n.name}__all_real`, x: inputs[0]! });
    }
    if (n.type.mask) ensureMask(n.type.mask);
    if (n.impl) {
      let cls = customClasses.find((c) => c.module === n.impl!.module && c.exportName === n.impl!.exportName && c.node.impl!.file === n.impl!.file);
      if (!cls) {
        cls = { local: locals.fresh(n.impl.exportName), module: n.impl.module, exportName: n.impl.exportName, node: n };
        customClasses.push(cls);
      }
      steps.push({ op: 'custom', out: local(n), name: n.name, node: n, cls: cls.local, inputs, params: n.params, mask });
      continue;
    }
    steps.push({ op: 'layer', out: local(n), name: n.name, kind: n.layer, inputs, params: n.params, mask });
  }
  for (const o of model.outputs) {
    const n = byId.get(o.node)!;
    steps.push({ op: 'output', name: o.name, x: local(n), mask: n.type.mask ? ensureMask(n.type.mask) : undefined });
  }
  for (const l of model.losses) {
    steps.push({ op: 'loss', kind: l.layer, pred: local(byId.get(l.pred)!), target: local(byId.get(l.target)!), params: l.params, mask: l.mask ? ensureMask(l.mask) : undefined });
  }
  return { steps, customClasses };
}
