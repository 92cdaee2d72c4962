/**
 * The promise of MASKING.md section 2, checked on one batch: R1 per-sequence
 * equivalence, R2 padding invariance (content and length; outputs, loss and
 * every weight gradient, in inference and training mode), R3 canonical
 * padding, R4 finiteness. Each check returns the first violation it finds.
 */
import type { IrModel } from '../check/ir.js';
import type { Mask } from '../check/types.js';
import type { CompiledModel } from '../runtime/compiled-model.js';
import { tf } from '../runtime/tf.js';
import { compressRow, derivedReal, extend, fixedTime, makeBatch, mulberry32, normal, repad, rootOf, type Batch, type Case, type Hostile } from './batch.js';

export type Property = 'R1' | 'R2a' | 'R2b' | 'R3' | 'R4';

export const PROPERTY_NAMES: Record<Property, string> = {
  R1: 'per-sequence equivalence',
  R2a: 'padding-content invariance',
  R2b: 'padding-length invariance',
  R3: 'canonical padding (exact zeros at padded outputs)',
  R4: 'finiteness',
};

export interface Violation {
  readonly property: Property;
  readonly mode: 'inference' | 'training';
  /** An output name, `loss`, or `grad <weight>`. */
  readonly what: string;
  readonly row?: number;
  readonly step?: number;
  readonly feature?: number;
  readonly expected?: number;
  readonly actual?: number;
  readonly detail: string;
}

export interface CheckOptions {
  /** Also check R2 in training mode (skipped for models with dropout, which is random there). */
  readonly training: boolean;
}

interface Arr {
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** A batch as the tensors `predict` (inputs) and `gradients` (targets) take. */
export function toTensors(model: IrModel, batch: Batch): { inputs: Record<string, tf.Tensor>; targets: Record<string, tf.Tensor> } {
  const inputs: Record<string, tf.Tensor> = {};
  const targets: Record<string, tf.Tensor> = {};
  for (const n of model.nodes) {
    if (n.kind !== 'input') continue;
    const t = batch.tensors.get(n.name)!;
    const tensor = tf.tensor(t.dtype === 'bool' ? t.data.map((v) => (v ? 1 : 0)) : t.data, t.shape, t.dtype);
    (n.role === 'target' ? targets : inputs)[n.name] = tensor;
  }
  return { inputs, targets };
}

function read(t: tf.Tensor): Arr {
  return { shape: t.shape, data: t.dataSync() as Float32Array };
}

function tolerance(ref: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]!));
  return 1e-5 + 1e-4 * m;
}

/** Real positions of each row of an output, in order, from its mask. */
function realPositions(mask: Arr): number[][] {
  const [B, T] = mask.shape as [number, number];
  const rows: number[][] = [];
  for (let b = 0; b < B; b++) {
    const r: number[] = [];
    for (let t = 0; t < T; t++) if (mask.data[b * T + t]! > 0.5) r.push(t);
    rows.push(r);
  }
  return rows;
}

function finite(what: string, a: Arr, mode: Violation['mode']): Violation | undefined {
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]!)) {
      const [row, step] = unflat(a.shape, i);
      return { property: 'R4', mode, what, row, step, actual: a.data[i]!, detail: `${what} is ${a.data[i]} at index [${unflatAll(a.shape, i).join(', ')}]` };
    }
  }
  return undefined;
}

function unflatAll(shape: number[], i: number): number[] {
  const idx: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]!);
    r = Math.floor(r / shape[d]!);
  }
  return idx;
}

function unflat(shape: number[], i: number): [number | undefined, number | undefined] {
  const idx = unflatAll(shape, i);
  return [idx[0], shape.length >= 3 ? idx[1] : undefined];
}

/** Compare the real steps of two runs of an output: `ref` rows `refRows` with `got` rows `gotRows`. */
function compareOutput(
  property: Property,
  mode: Violation['mode'],
  name: string,
  ref: Arr,
  refMask: Arr | undefined,
  got: Arr,
  gotMask: Arr | undefined,
  rows: readonly [number, number][],
): Violation | undefined {
  const feat = ref.shape.length >= 3 ? ref.shape.slice(2).reduce((a, b) => a * b, 1) : ref.shape.length === 2 && !refMask ? ref.shape[1]! : 1;
  const refPos = refMask ? realPositions(refMask) : undefined;
  const gotPos = gotMask ? realPositions(gotMask) : undefined;
  const refT = refMask ? refMask.shape[1]! : 1;
  const gotT = gotMask ? gotMask.shape[1]! : 1;
  const pairs: [number, number, number, number, number][] = []; // [refIndex, gotIndex, row, step, feature]
  for (const [rb, gb] of rows) {
    const rp = refPos ? refPos[rb]! : [0];
    const gp = gotPos ? gotPos[gb]! : [0];
    if (rp.length !== gp.length) {
      return { property, mode, what: name, row: gb, detail: `\`${name}\` has ${gp.length} real steps in row ${gb}, expected ${rp.length}` };
    }
    rp.forEach((rt, j) => {
      for (let f = 0; f < feat; f++) pairs.push([(rb * refT + rt) * feat + f, (gb * gotT + gp[j]!) * feat + f, gb, gp[j]!, f]);
    });
  }
  const tol = tolerance(pairs.map((p) => ref.data[p[0]]!));
  for (const [ri, gi, row, step, f] of pairs) {
    const a = ref.data[ri]!;
    const b = got.data[gi]!;
    if (!(Math.abs(a - b) <= tol)) {
      return { property, mode, what: name, row, step: refMask ? step : undefined, feature: f, expected: a, actual: b, detail: `\`${name}\` differs by ${Math.abs(a - b)} (tolerance ${tol.toExponential(2)})` };
    }
  }
  return undefined;
}

function compareScalars(property: Property, mode: Violation['mode'], what: string, a: number, b: number): Violation | undefined {
  const tol = 1e-5 + 1e-4 * Math.abs(a);
  if (Math.abs(a - b) <= tol) return undefined;
  return { property, mode, what, expected: a, actual: b, detail: `${what} differs by ${Math.abs(a - b)}` };
}

function compareGrads(property: Property, mode: Violation['mode'], ref: Record<string, Arr>, got: Record<string, Arr>): Violation | undefined {
  for (const [name, r] of Object.entries(ref)) {
    const g = got[name]!;
    const tol = tolerance(r.data);
    for (let i = 0; i < r.data.length; i++) {
      if (!(Math.abs(r.data[i]! - g.data[i]!) <= tol)) {
        return { property, mode, what: `grad ${name}`, expected: r.data[i]!, actual: g.data[i]!, detail: `the gradient of the loss for \`${name}\` at [${unflatAll(r.shape, i).join(', ')}] differs by ${Math.abs(r.data[i]! - g.data[i]!)}` };
      }
    }
  }
  return undefined;
}

/** Random non-zero weights (biases included), so that a missing fill cannot hide behind a zero bias. */
export function randomizeWeights(compiled: CompiledModel, seed: number): void {
  const rand = mulberry32(seed);
  for (const w of compiled.weights) {
    const name = w.originalName ?? w.name;
    const shape = w.shape.map((d) => d ?? 1);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const positive = /moving_variance|gamma/.test(name);
    for (let i = 0; i < size; i++) values[i] = positive ? 0.5 + rand() : 0.5 * normal(rand);
    w.write(tf.tensor(values, shape, 'float32'));
  }
}

interface Run {
  outputs: Record<string, Arr>;
  loss?: number;
  grads?: Record<string, Arr>;
}

function run(model: IrModel, compiled: CompiledModel, batch: Batch, training: boolean, withLoss: boolean): Run {
  const { inputs, targets } = toTensors(model, batch);
  const out = compiled.predict(inputs, { training });
  const outputs: Record<string, Arr> = {};
  for (const [k, v] of Object.entries(out)) outputs[k] = read(v);
  let loss: number | undefined;
  let grads: Record<string, Arr> | undefined;
  if (withLoss) {
    const g = compiled.gradients(inputs, targets, { training });
    loss = g.loss;
    grads = {};
    for (const [k, v] of Object.entries(g.grads)) grads[k] = read(v);
  }
  return { outputs, loss, grads };
}

function outputMask(model: IrModel, name: string): Mask | undefined {
  const o = model.outputs.find((x) => x.name === name)!;
  return model.nodes.find((n) => n.id === o.node)!.type.mask;
}

function finiteRun(r: Run, mode: Violation['mode']): Violation | undefined {
  for (const [k, v] of Object.entries(r.outputs)) {
    const bad = finite(`output ${k}`, v, mode);
    if (bad) return bad;
  }
  if (r.loss !== undefined && !Number.isFinite(r.loss)) return { property: 'R4', mode, what: 'loss', actual: r.loss, detail: `the loss is ${r.loss}` };
  for (const [k, v] of Object.entries(r.grads ?? {})) {
    const bad = finite(`grad ${k}`, v, mode);
    if (bad) return bad;
  }
  return undefined;
}

function canonical(model: IrModel, batch: Batch, r: Run): Violation | undefined {
  for (const o of model.outputs) {
    const mask = outputMask(model, o.name);
    if (!mask) continue;
    const m = r.outputs[`${o.name}_mask`];
    if (!m) return { property: 'R3', mode: 'inference', what: o.name, detail: `predict returned no \`${o.name}_mask\`` };
    const v = r.outputs[o.name]!;
    const [B, T] = m.shape as [number, number];
    const expected = derivedReal(mask, batch.real.get(rootOf(mask).id)!, T);
    const feat = v.data.length / (B * T);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const mv = m.data[b * T + t]!;
        if (mv !== 0 && mv !== 1) return { property: 'R3', mode: 'inference', what: `${o.name}_mask`, row: b, step: t, actual: mv, detail: `\`${o.name}_mask\` holds ${mv}, not 0 or 1` };
        if ((mv === 1) !== expected[b]![t]!) {
          return { property: 'R3', mode: 'inference', what: `${o.name}_mask`, row: b, step: t, expected: expected[b]![t] ? 1 : 0, actual: mv, detail: `\`${o.name}_mask\` disagrees with the real length of row ${b}` };
        }
        if (mv === 0) {
          for (let f = 0; f < feat; f++) {
            const x = v.data[(b * T + t) * feat + f]!;
            if (x !== 0) return { property: 'R3', mode: 'inference', what: o.name, row: b, step: t, feature: f, expected: 0, actual: x, detail: `\`${o.name}\` is ${x} at a padded step` };
          }
        }
      }
    }
  }
  return undefined;
}

function compareRuns(property: Property, mode: Violation['mode'], model: IrModel, ref: Run, got: Run): Violation | undefined {
  const B = Object.values(ref.outputs)[0]?.shape[0] ?? 0;
  const rows = [...Array(B).keys()].map((b) => [b, b] as [number, number]);
  for (const o of model.outputs) {
    const masked = outputMask(model, o.name) !== undefined;
    const v = compareOutput(property, mode, o.name, ref.outputs[o.name]!, masked ? ref.outputs[`${o.name}_mask`] : undefined, got.outputs[o.name]!, masked ? got.outputs[`${o.name}_mask`] : undefined, rows);
    if (v) return v;
  }
  if (ref.loss !== undefined && got.loss !== undefined) {
    const v = compareScalars(property, mode, 'loss', ref.loss, got.loss);
    if (v) return v;
    return compareGrads(property, mode, ref.grads!, got.grads!);
  }
  return undefined;
}

export function hasDropout(model: IrModel): boolean {
  return model.nodes.some((n) => n.kind === 'layer' && n.layer === 'dropout' && Number(n.params['rate']) > 0);
}

/** Check R1 to R4 on one case; the weights are set from the case's seed. */
export function checkCase(model: IrModel, compiled: CompiledModel, c: Case, opts: CheckOptions): Violation | undefined {
  // A model with a constant time length: R1 pads the compressed row back to it (so R1 checks that
  // rows do not affect each other, but cannot see padding leak into real steps: the model has no
  // unpadded run to compare with), and R2b does not apply.
  const fixedT = fixedTime(model);
  tf.engine().startScope();
  try {
    randomizeWeights(compiled, c.weightSeed);
    const withLoss = model.losses.length > 0;
    const batch = makeBatch(model, c);
    const base = run(model, compiled, batch, false, withLoss);
    const bad = finiteRun(base, 'inference') ?? canonical(model, batch, base);
    if (bad) return bad;

    // R1: each row alone, compressed, equals its row in the batch (one mask per model: rows are defined by it).
    if (batch.real.size === 1) {
      const rootReal = [...batch.real.values()][0]!;
      for (let b = 0; b < batch.B; b++) {
        if (!rootReal[b]!.some(Boolean)) continue;
        const alone = compressRow(model, batch, b);
        // A model with a constant time dim takes no other length: the row alone is padded back to it (R1 with R2b).
        const single = run(model, compiled, fixedT === undefined ? alone : extend(model, alone, fixedT - alone.T, c.hostile), false, false);
        for (const o of model.outputs) {
          const masked = outputMask(model, o.name) !== undefined;
          const v = compareOutput('R1', 'inference', o.name, single.outputs[o.name]!, masked ? single.outputs[`${o.name}_mask`] : undefined, base.outputs[o.name]!, masked ? base.outputs[`${o.name}_mask`] : undefined, [[0, b]]);
          if (v) return v;
        }
      }
    }

    const other: Hostile = c.hostile === 'nan' ? 'big' : c.hostile === 'big' ? 'inf' : 'nan';
    const modes: ('inference' | 'training')[] = opts.training && !hasDropout(model) ? ['inference', 'training'] : ['inference'];
    for (const mode of modes) {
      const training = mode === 'training';
      const ref = training ? run(model, compiled, batch, true, withLoss) : base;
      if (training) {
        const f = finiteRun(ref, mode);
        if (f) return f;
      }
      const content = run(model, compiled, repad(model, batch, other), training, withLoss);
      const v1 = finiteRun(content, mode) ?? compareRuns('R2a', mode, model, ref, content);
      if (v1) return v1;
      if (fixedT !== undefined) continue;
      const longer = run(model, compiled, extend(model, batch, c.extra, other), training, withLoss);
      const v2 = finiteRun(longer, mode) ?? compareRuns('R2b', mode, model, ref, longer);
      if (v2) return v2;
    }
    return undefined;
  } finally {
    tf.engine().endScope();
  }
}
