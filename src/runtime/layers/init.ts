/**
 * Seeded weight initializers computed in plain JS.
 *
 * tfjs' own Orthogonal initializer runs a QR through tensor ops and took
 * 19 s for a 128-unit GRU on CPU; these are deterministic given a seed (so
 * `createModel({ seed })` reproduces weights) and fast on every backend.
 */
import { tf } from '../tf.js';

/** mulberry32's output for state `a` (already advanced): a uint32. */
function mulberry32Word(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY32_STEP) >>> 0;
    return mulberry32Word(a) / 4294967296;
  };
}

/**
 * mulberry32 in bulk: for each element, `hit` where the 32-bit draw is at or
 * above `threshold` (a probability times 2^32), else 0; returns the next
 * state. A closure call per element cost 16 ns, as much as tf.randomUniform.
 */
export function mulberry32Threshold(state: number, out: Float32Array, threshold: number, hit: number): number {
  let a = state >>> 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + MULBERRY32_STEP) >>> 0;
    out[i] = mulberry32Word(a) >= threshold ? hit : 0;
  }
  return a;
}

/** Standard normal samples (Box-Muller) from a seeded uniform source. */
export function normalSampler(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // 1 - u keeps the log argument in (0, 1].
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A 32-bit FNV-1a hash of the parts, so that seeds derive from names, not construction order. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${String(part)}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

let baseSeed = freshSeed();

function freshSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}

/**
 * The seed from which layers derive their weights' seeds (by layer name).
 * `undefined` draws a fresh random one (the default at start-up, as Keras).
 */
export function setBaseSeed(seed?: number): void {
  baseSeed = seed === undefined ? freshSeed() : seed >>> 0;
}

export function getBaseSeed(): number {
  return baseSeed;
}

/** The seed of a layer named `name` under the current base seed. */
export function seedFor(name: string): number {
  return hashSeed(baseSeed, name);
}

/** Keras fans: the receptive field (all dims but the last two) multiplies both. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i]!;
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function uniform(shape: readonly number[], minval: number, maxval: number, seed: number): tf.Tensor {
  const rng = mulberry32(seed);
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = minval + (maxval - minval) * rng();
  return tf.tensor(values, [...shape], 'float32');
}

export function glorotUniform(shape: readonly number[], seed: number): tf.Tensor {
  const { fanIn, fanOut } = fans(shape);
  const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
  return uniform(shape, -limit, limit, seed);
}

export function zerosInit(shape: readonly number[], dtype: tf.DataType = 'float32'): tf.Tensor {
  return tf.zeros([...shape], dtype);
}

export function onesInit(shape: readonly number[], dtype: tf.DataType = 'float32'): tf.Tensor {
  return tf.ones([...shape], dtype);
}

/**
 * Keras' orthogonal initializer: QR of a seeded normal `[max, min]` matrix
 * with the signs of R's diagonal folded into Q, transposed when
 * `rows < cols`. The result has orthonormal columns (rows >= cols) or rows.
 * Gram-Schmidt (run twice, in float64) gives R a positive diagonal, so the
 * sign correction is implicit.
 */
export function orthogonal(shape: [number, number], seed: number, gain = 1): tf.Tensor2D {
  const [rows, cols] = shape;
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const next = normalSampler(seed);
  // Column-major: column j is q[j*m .. j*m + m).
  const q = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[j * m + i] = next();
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = k * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[ck + i]! * q[cj + i]!;
        for (let i = 0; i < m; i++) q[cj + i]! -= dot * q[ck + i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[cj + i]! * q[cj + i]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-12) {
      // A degenerate draw (probability 0): redraw this column and redo it.
      for (let i = 0; i < m; i++) q[cj + i] = next();
      j--;
      continue;
    }
    for (let i = 0; i < m; i++) q[cj + i]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  if (rows >= cols) {
    // [m, n] row-major from column-major q.
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = gain * q[j * m + i]!;
  } else {
    // Transposed: [n, m] row-major, row j = column j of q.
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) out[j * m + i] = gain * q[j * m + i]!;
  }
  return tf.tensor2d(out, [rows, cols], 'float32');
}

// tfjs-layers' `addWeight` wants an `Initializer`; the class is not exported
// by the union package, so subclass it through a built-in's prototype chain.
type InitializerT = ReturnType<typeof tf.initializers.ones>;
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as (abstract new () => InitializerT) & {
  fromConfig: typeof tf.serialization.Serializable.fromConfig;
};

export interface SeededInitializerArgs {
  seed: number;
}

export class SeqnetGlorotUniform extends InitializerBase {
  static className = 'SeqnetGlorotUniform';
  readonly seed: number;
  constructor(args: SeededInitializerArgs) {
    super();
    this.seed = args.seed;
  }
  apply(shape: number[]): tf.Tensor {
    return glorotUniform(shape, this.seed);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { seed: this.seed };
  }
}
tf.serialization.registerClass(SeqnetGlorotUniform);

export interface OrthogonalArgs extends SeededInitializerArgs {
  gain?: number;
}

export class SeqnetOrthogonal extends InitializerBase {
  static className = 'SeqnetOrthogonal';
  readonly seed: number;
  readonly gain: number;
  constructor(args: OrthogonalArgs) {
    super();
    this.seed = args.seed;
    this.gain = args.gain ?? 1;
  }
  apply(shape: number[]): tf.Tensor {
    if (shape.length !== 2) {
      // Keras flattens all leading dims into rows.
      const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return tf.tidy(() => orthogonal([rows, shape[shape.length - 1]!], this.seed, this.gain).reshape(shape));
    }
    return orthogonal([shape[0]!, shape[1]!], this.seed, this.gain);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { seed: this.seed, gain: this.gain };
  }
}
tf.serialization.registerClass(SeqnetOrthogonal);

export interface UniformArgs extends SeededInitializerArgs {
  minval: number;
  maxval: number;
}

/** Keras' Embedding default is uniform(-0.05, 0.05). */
export class SeqnetUniform extends InitializerBase {
  static className = 'SeqnetUniform';
  readonly seed: number;
  readonly minval: number;
  readonly maxval: number;
  constructor(args: UniformArgs) {
    super();
    this.seed = args.seed;
    this.minval = args.minval;
    this.maxval = args.maxval;
  }
  apply(shape: number[]): tf.Tensor {
    return uniform(shape, this.minval, this.maxval, this.seed);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { seed: this.seed, minval: this.minval, maxval: this.maxval };
  }
}
tf.serialization.registerClass(SeqnetUniform);
