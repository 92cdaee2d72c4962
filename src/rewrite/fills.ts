/**
 * Fill insertion (MASKING.md section 6): a fill `x * mask` goes exactly where
 * a consumer needs zeros at padded steps and the producer's pad is `any`, and
 * before each model output with a time axis whose pad is `any`. One fill per
 * value, shared by every consumer that needs it; nowhere else.
 */
import type { SourceRef, FillNode, FillReason, IrModel, IrNode, IrOutput, LayerNode } from '../check/ir.js';

export interface FillOptions {
  /** Test-only: leave out the fill of these values (to show that each fill is necessary). */
  readonly drop?: ReadonlySet<string>;
}

function where(at: SourceRef): string {
  const p = at.file.position(at.span.start);
  return `${p.line}:${p.column}`;
}

/** Does `node` leave padded steps that a consumer needing zeros cannot read as they are? */
function needsFill(node: IrNode): boolean {
  return node.type.mask !== undefined && node.type.pad === 'any';
}

export function insertFills(model: IrModel, options: FillOptions = {}): IrModel {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const consumersOf = new Map<number, { label: string; at: SourceRef }[]>();
  const want = (id: number, label: string, at: SourceRef) => {
    const list = consumersOf.get(id) ?? [];
    list.push({ label, at });
    consumersOf.set(id, list);
  };
  for (const n of model.nodes) {
    if (n.kind !== 'layer') continue;
    for (const e of n.inputs) {
      const p = byId.get(e.node)!;
      if (e.needsZeros && needsFill(p)) want(p.id, `${n.layer} ${where(n.at)}`, n.at);
    }
  }
  for (const o of model.outputs) {
    const p = byId.get(o.node)!;
    if (needsFill(p)) want(p.id, `output ${o.name} ${where(o.at)}`, o.at);
  }

  let nextId = Math.max(-1, ...model.nodes.map((n) => n.id)) + 1;
  const fillOf = new Map<number, number>();
  const nodes: IrNode[] = [];
  const taken = new Set(model.nodes.map((n) => n.name));
  for (const n of model.nodes) {
    nodes.push(rewireInputs(n, fillOf, byId));
    const consumers = consumersOf.get(n.id);
    if (!consumers || options.drop?.has(n.name)) continue;
    const fill: FillNode = {
      kind: 'fill',
      id: nextId++,
      name: uniqueName(`${n.name}__fill`, taken),
      of: n.id,
      type: { ...n.type, pad: 'zeros' },
      at: n.at,
      reason: reasonFor(n, consumers, byId),
    };
    fillOf.set(n.id, fill.id);
    nodes.push(fill);
  }
  const outputs: IrOutput[] = model.outputs.map((o) => ({ ...o, node: fillOf.get(o.node) ?? o.node }));
  return { ...model, nodes, outputs };
}

function rewireInputs(n: IrNode, fillOf: Map<number, number>, byId: Map<number, IrNode>): IrNode {
  if (n.kind !== 'layer') return n;
  let changed = false;
  const inputs = n.inputs.map((e) => {
    const f = fillOf.get(e.node);
    if (e.needsZeros && f !== undefined && needsFill(byId.get(e.node)!)) {
      changed = true;
      return { ...e, node: f };
    }
    return e;
  });
  return changed ? ({ ...n, inputs } satisfies LayerNode) : n;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}${k}`;
  taken.add(name);
  return name;
}

function reasonFor(n: IrNode, consumers: { label: string; at: SourceRef }[], byId: Map<number, IrNode>): FillReason {
  const originId = n.kind === 'layer' && n.padOrigin ? n.padOrigin.node : n.id;
  const origin = byId.get(originId) ?? n;
  const why = n.kind === 'layer' && n.padOrigin ? n.padOrigin.why : '';
  const layer = origin.kind === 'layer' ? origin.layer : origin.kind;
  const text =
    origin.kind === 'layer'
      ? `${layer} \`${origin.name}\` (${where(origin.at)}) leaves padded steps non-zero${why ? ` (${why})` : ''}`
      : `\`${origin.name}\` (${where(origin.at)}) ${why || 'is not zero at padded steps'}`;
  return {
    consumers: consumers.map((c) => c.label),
    consumerAt: consumers.map((c) => c.at),
    origin: { node: origin.id, name: origin.name, layer, at: origin.at, why },
    text,
  };
}
