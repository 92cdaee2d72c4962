/**
 * Random batches for a checked model (MASKING.md section 2): real content at
 * real steps, hostile content (NaN, Inf, 1e30; class ids -1 and -100) at
 * padded steps wherever the mask source allows arbitrary padding, and the
 * transformations the properties compare against: one row alone and
 * compressed (R1), other padding content (R2a), more padded steps (R2b).
 */
import type { IrModel, IrNode, InputNode } from '../check/ir.js';
import type { Dim } from '../check/dim.js';
import type { Mask } from '../check/types.js';
import { mulberry32 } from '../runtime/layers/init.js';

export { mulberry32 };

export type Hostile = 'nan' | 'inf' | 'big';

/** What fast-check draws; everything else is derived from the seeds. */
export interface Case {
  /** Real steps per row (for `holes`, how many steps are real). */
  readonly lengths: readonly number[];
  /** Padded time length, at least max(lengths). */
  readonly T: number;
  readonly hostile: Hostile;
  readonly dataSeed: number;
  readonly weightSeed: number;
  /** Padded steps added for R2b. */
  readonly extra: number;
}

/** Plain arrays, so that a batch can be printed, compressed and padded without tfjs. */
export interface Batch {
  readonly T: number;
  readonly B: number;
  /** Per input and target: shape and flat values. */
  readonly tensors: Map<string, { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; data: number[] }>;
  /** Per root mask id: which steps of each row are real. */
  readonly real: Map<string, boolean[][]>;
}

export function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function hostileValue(h: Hostile, k: number): number {
  if (h === 'nan') return NaN;
  if (h === 'inf') return k % 2 ? -Infinity : Infinity;
  return k % 2 ? -1e30 : 1e30;
}

/** Sizes of the dims of a model's declared types: batch and time from the case, others small. */
export function dimEnv(model: IrModel, B: number, T: number): (name: string) => number {
  const batch = new Set<string>();
  const time = new Set<string>();
  for (const n of model.nodes) {
    if (n.kind !== 'input') continue;
    const d0 = n.type.dims[0];
    if (d0 && !d0.isConstant) d0.variables(batch);
    if (n.maskSource) {
      const d1 = n.type.dims[1];
      if (d1 && !d1.isConstant) d1.variables(time);
    }
  }
  return (name) => (batch.has(name) ? B : time.has(name) || name === 'L' ? T : 3);
}

/**
 * The time length a model fixes, when its masked inputs declare a constant
 * time dim (`f32[B, 12, C]`): every batch then has that many steps, and no
 * batch can have more (R2b does not apply).
 */
export function fixedTime(model: IrModel): number | undefined {
  for (const n of model.nodes) {
    if (n.kind !== 'input' || !n.maskSource) continue;
    const d1 = n.type.dims[1];
    if (d1 && d1.isConstant) return d1.evaluate(() => 0);
  }
  return undefined;
}

function evalDims(dims: readonly Dim[], env: (n: string) => number): number[] {
  return dims.map((d) => d.evaluate(env));
}

/** Which steps of each row are real under a root mask, for a case. */
function realSteps(mask: Mask, c: Case, rand: () => number): boolean[][] {
  return c.lengths.map((L) => {
    const row = new Array<boolean>(c.T).fill(false);
    if (mask.layout === 'post') for (let t = 0; t < L; t++) row[t] = true;
    else if (mask.layout === 'pre') for (let t = c.T - L; t < c.T; t++) row[t] = true;
    else {
      // Holes: L real steps at random places.
      const idx = [...Array(c.T).keys()];
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      for (const t of idx.slice(0, L)) row[t] = true;
    }
    return row;
  });
}

/** The number of classes a class target's loss compares with (the prediction's last dim). */
function classesFor(model: IrModel, target: IrNode, env: (n: string) => number): number {
  for (const l of model.losses) {
    if (l.target !== target.id) continue;
    const pred = model.nodes.find((n) => n.id === l.pred)!;
    const last = pred.type.dims[pred.type.dims.length - 1]!;
    return Math.max(1, last.evaluate(env));
  }
  return 2;
}

/** The vocabulary of an id input: the smallest `vocab` of the embeddings that read it. */
function vocabFor(model: IrModel, input: IrNode): number {
  let vocab = 8;
  for (const n of model.nodes) {
    if (n.kind === 'layer' && n.layer === 'embedding' && n.inputs.some((e) => e.node === input.id)) vocab = Math.min(vocab, Number(n.params['vocab']));
  }
  return Math.max(2, vocab);
}

/** The mask a loss's target follows, and the real steps of that mask for each row. */
function targetMask(model: IrModel, target: IrNode): Mask | undefined {
  return model.losses.find((l) => l.target === target.id && l.mask)?.mask;
}

export function rootOf(m: Mask): Mask {
  let r = m;
  while (r.parent) r = r.parent.mask;
  return r;
}

/** Real steps of a (possibly derived) mask from its root's real steps, by its length formula. */
export function derivedReal(mask: Mask, rootReal: boolean[][], Tout: number): boolean[][] {
  if (mask.layout === 'holes' || !mask.parent) {
    return rootReal.map((row) => (row.length === Tout ? row : row.slice(0, Tout)));
  }
  return rootReal.map((row) => {
    const L = row.filter(Boolean).length;
    const Lout = mask.length.evaluate(() => L);
    const out = new Array<boolean>(Tout).fill(false);
    if (mask.layout === 'post') for (let t = 0; t < Math.min(Lout, Tout); t++) out[t] = true;
    else for (let t = Math.max(0, Tout - Lout); t < Tout; t++) out[t] = true;
    return out;
  });
}

export function makeBatch(model: IrModel, c: Case): Batch {
  const rand = mulberry32(c.dataSeed);
  const B = c.lengths.length;
  const env = dimEnv(model, B, c.T);
  const tensors: Batch['tensors'] = new Map();
  const real = new Map<string, boolean[][]>();
  const inputs = model.nodes.filter((n): n is InputNode => n.kind === 'input');
  for (const n of inputs) {
    if (n.maskSource && !real.has(n.maskSource.mask.id)) real.set(n.maskSource.mask.id, realSteps(n.maskSource.mask, c, rand));
  }
  let k = 0;
  for (const n of inputs) {
    const shape = evalDims(n.type.dims, env);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Array<number>(size).fill(0);
    const dtype = n.type.dtype === 'f32' ? 'float32' : n.type.dtype === 'i32' ? 'int32' : 'bool';
    if (n.role === 'lengths') {
      const owner = inputs.find((x) => x.maskSource?.aux === n.name)!;
      const r = real.get(owner.maskSource!.mask.id)!;
      r.forEach((row, b) => (data[b] = row.filter(Boolean).length));
    } else if (n.role === 'mask') {
      const owner = inputs.find((x) => x.maskSource?.aux === n.name)!;
      const r = real.get(owner.maskSource!.mask.id)!;
      r.forEach((row, b) => row.forEach((v, t) => (data[b * c.T + t] = v ? 1 : 0)));
    } else if (n.role === 'features') {
      const per = size / (B * (shape[1] ?? 1));
      const r = n.maskSource ? real.get(n.maskSource.mask.id)! : undefined;
      const src = n.maskSource?.mask.origin;
      const padValue = src?.kind === 'zeros' ? 0 : src?.kind === 'value' ? src.value : undefined;
      const ids = n.type.dtype === 'i32';
      const vocab = ids ? vocabFor(model, n) : 0;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < (shape[1] ?? 1); t++) {
          const isReal = r ? r[b]![t]! : true;
          for (let f = 0; f < per; f++) {
            const at = (b * (shape[1] ?? 1) + t) * per + f;
            if (isReal) {
              if (ids) {
                // Real ids avoid the pad value, so that the declared layout holds; interior pads of a
                // value mask are real steps, and the properties cover them through R1's compression.
                let v = Math.floor(rand() * vocab);
                if (padValue !== undefined && v === padValue) v = (v + 1) % vocab;
                data[at] = v;
              } else {
                let v = Math.round(normal(rand) * 1e4) / 1e4;
                // A real step that happened to equal the pad value would end the sequence early.
                if (v === (padValue ?? 0)) v += 0.5;
                data[at] = v;
              }
            } else data[at] = padValue !== undefined ? padValue : ids ? (k++ % 2 ? -1 : 1_000_000) : hostileValue(c.hostile, k++);
          }
        }
      }
    } else {
      // A target: real content where its loss's mask is real, hostile elsewhere.
      const m = targetMask(model, n);
      const T1 = shape.length >= 2 ? shape[1]! : 1;
      const rr = m ? derivedReal(m, real.get(rootOf(m).id)!, T1) : undefined;
      const classes = classesFor(model, n, env);
      const oneHot = n.type.dtype === 'f32' && model.losses.some((l) => l.target === n.id && l.layer === 'crossentropy');
      const perStep = size / (B * (m ? T1 : 1));
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < (m ? T1 : 1); t++) {
          const isReal = rr ? rr[b]![t]! : true;
          const cls = Math.floor(rand() * classes);
          for (let f = 0; f < perStep; f++) {
            const at = (b * (m ? T1 : 1) + t) * perStep + f;
            if (!isReal) data[at] = n.type.dtype === 'i32' ? (k++ % 2 ? -1 : -100) : hostileValue(c.hostile, k++);
            else if (n.type.dtype === 'i32') data[at] = cls;
            else if (oneHot) data[at] = f === cls ? 1 : 0;
            else data[at] = Math.round(rand() * 1e4) / 1e4;
          }
        }
      }
    }
    tensors.set(n.name, { shape, dtype, data });
  }
  return { T: c.T, B, tensors, real };
}

/** Row `b` alone, compressed: its masked steps deleted, every remaining step real (R1). */
export function compressRow(model: IrModel, batch: Batch, b: number): Batch {
  const inputs = model.nodes.filter((n): n is InputNode => n.kind === 'input');
  const tensors: Batch['tensors'] = new Map();
  const anyMask = [...batch.real.values()][0];
  const keep = anyMask ? anyMask[b]!.map((v, t) => (v ? t : -1)).filter((t) => t >= 0) : [...Array(batch.T).keys()];
  const L = keep.length;
  const real = new Map<string, boolean[][]>();
  for (const id of batch.real.keys()) real.set(id, [new Array<boolean>(L).fill(true)]);
  for (const n of inputs) {
    const src = batch.tensors.get(n.name)!;
    const shape = [...src.shape];
    shape[0] = 1;
    if (n.role === 'lengths') {
      tensors.set(n.name, { shape, dtype: src.dtype, data: [L] });
      continue;
    }
    const timeAxis = n.role !== 'target' ? n.maskSource !== undefined || n.role === 'mask' : false;
    if (!timeAxis) {
      // Targets are not read by predict; a per-row slice keeps them consistent anyway.
      const per = src.data.length / batch.B;
      if (n.role === 'target' && src.shape.length >= 2 && src.shape[1] !== undefined) {
        tensors.set(n.name, { shape: src.shape.map((d, i) => (i === 0 ? 1 : d)), dtype: src.dtype, data: src.data.slice(b * per, (b + 1) * per) });
      } else tensors.set(n.name, { shape, dtype: src.dtype, data: src.data.slice(b * per, (b + 1) * per) });
      continue;
    }
    const per = src.data.length / (batch.B * batch.T);
    const data: number[] = [];
    for (const t of keep) for (let f = 0; f < per; f++) data.push(n.role === 'mask' ? 1 : src.data[(b * batch.T + t) * per + f]!);
    shape[1] = L;
    tensors.set(n.name, { shape, dtype: src.dtype, data });
  }
  return { T: L, B: 1, tensors, real };
}

/** The same batch with other content at padded steps (R2a): only where the source allows arbitrary padding. */
export function repad(model: IrModel, batch: Batch, hostile: Hostile): Batch {
  const tensors: Batch['tensors'] = new Map();
  let k = 1;
  for (const n of model.nodes) {
    if (n.kind !== 'input') continue;
    const src = batch.tensors.get(n.name)!;
    let real: boolean[][] | undefined;
    const origin = n.maskSource?.mask.origin;
    if (n.role === 'features' && origin !== undefined && (origin.kind === 'lengths' || origin.kind === 'input')) real = batch.real.get(n.maskSource!.mask.id);
    if (n.role === 'target') {
      const m = targetMask(model, n);
      if (m && src.shape.length >= 2) real = derivedReal(m, batch.real.get(rootOf(m).id)!, src.shape[1]!);
    }
    if (!real) {
      tensors.set(n.name, src);
      continue;
    }
    const T = src.shape[1]!;
    const per = src.data.length / (batch.B * T);
    const data = src.data.slice();
    for (let b = 0; b < batch.B; b++) {
      for (let t = 0; t < T; t++) {
        if (real[b]![t]) continue;
        for (let f = 0; f < per; f++) data[(b * T + t) * per + f] = n.type.dtype === 'i32' ? (k++ % 2 ? -100 : 1 << 30) : hostileValue(hostile, k++);
      }
    }
    tensors.set(n.name, { ...src, data });
  }
  return { ...batch, tensors };
}

/**
 * The same batch with `extra` more padded steps (R2b): appended for `post`
 * and `holes`, prepended for `pre`. Targets grow with their mask. Works on
 * the batch's own shapes, so it also pads a compressed row (R1) back to a
 * model's fixed time length.
 */
export function extend(model: IrModel, batch: Batch, extra: number, hostile: Hostile): Batch {
  const T2 = batch.T + extra;
  const tensors: Batch['tensors'] = new Map();
  const real = new Map<string, boolean[][]>();
  const roots = new Map(model.masks.filter((m) => !m.parent).map((m) => [m.id, m]));
  for (const [id, rows] of batch.real) {
    const pre = roots.get(id)?.layout === 'pre';
    real.set(id, rows.map((row) => (pre ? [...new Array<boolean>(extra).fill(false), ...row] : [...row, ...new Array<boolean>(extra).fill(false)])));
  }
  const inputs = model.nodes.filter((n): n is InputNode => n.kind === 'input');
  /** The layout of an input's time axis (axis 1 of length batch.T), or undefined when it has none. */
  const layoutOf = (n: InputNode): string | undefined => {
    if (n.maskSource) return n.maskSource.mask.layout;
    if (n.role === 'mask') return inputs.find((x) => x.maskSource?.aux === n.name)?.maskSource?.mask.layout;
    if (n.role === 'target') return targetMask(model, n)?.layout;
    return undefined;
  };
  let k = 7;
  for (const n of inputs) {
    const src = batch.tensors.get(n.name)!;
    const layout = n.role === 'lengths' ? undefined : layoutOf(n);
    if (layout === undefined || src.shape.length < 2 || extra === 0) {
      tensors.set(n.name, src);
      continue;
    }
    const pre = layout === 'pre';
    const t0 = src.shape[1]!;
    const per = src.data.length / (batch.B * t0);
    const origin = n.maskSource?.mask.origin;
    const padValue = origin?.kind === 'zeros' ? 0 : origin?.kind === 'value' ? origin.value : undefined;
    const fillFor = (): number => {
      if (n.role === 'mask') return 0;
      if (padValue !== undefined) return padValue;
      if (n.type.dtype === 'i32') return k++ % 2 ? -1 : -100;
      return hostileValue(hostile, k++);
    };
    const data: number[] = [];
    for (let b = 0; b < batch.B; b++) {
      const row = src.data.slice(b * t0 * per, (b + 1) * t0 * per);
      const pad: number[] = [];
      for (let i = 0; i < extra * per; i++) pad.push(fillFor());
      data.push(...(pre ? [...pad, ...row] : [...row, ...pad]));
    }
    const shape = [...src.shape];
    shape[1] = t0 + extra;
    tensors.set(n.name, { shape, dtype: src.dtype, data });
  }
  return { T: T2, B: batch.B, tensors, real };
}

export function describeBatch(batch: Batch): string {
  const lines: string[] = [];
  for (const [name, t] of batch.tensors) {
    const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : String(v));
    const shown = t.data.length > 48 ? `${t.data.slice(0, 48).map(fmt).join(', ')}, ... (${t.data.length} values)` : t.data.map(fmt).join(', ');
    lines.push(`${name}: ${t.dtype}[${t.shape.join(', ')}] = [${shown}]`);
  }
  return lines.join('\n');
}
