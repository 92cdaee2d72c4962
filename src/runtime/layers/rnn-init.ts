/**
 * Seeded initial values for the recurrent layers. Computed in plain JS:
 * tfjs' own Orthogonal initializer runs a QR through tensor ops and took 19 s
 * for a 128-unit GRU on the CPU backend; modified Gram-Schmidt on a
 * Float64Array takes milliseconds and gives the same distribution (Keras'
 * `q * sign(diag(r))` is the positive-diagonal QR, which is what
 * Gram-Schmidt produces).
 */
import { tf } from '../tf.js';

/** A small, fast, seedable PRNG (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller), deterministic from `seed`. */
function normals(n: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    // 1 - u keeps the log argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const phi = 2 * Math.PI * rand();
    out[i] = r * Math.cos(phi);
    if (i + 1 < n) out[i + 1] = r * Math.sin(phi);
  }
  return out;
}

/** Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(shape: [number, number], seed: number): tf.Tensor2D {
  const [fanIn, fanOut] = shape;
  const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
  const rand = seededRandom(seed);
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * rand() - 1) * limit;
  return tf.tensor2d(values, shape);
}

/**
 * Keras' Orthogonal initializer (gain 1): a `[rows, cols]` matrix whose rows
 * (when rows <= cols) or columns (otherwise) are orthonormal.
 */
export function orthogonal(shape: [number, number], seed: number): tf.Tensor2D {
  const [rows, cols] = shape;
  // Orthonormalise the k short vectors of length n, then lay them out as rows or columns.
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const q = normals(n * k, seed); // vector j is q[j*n .. j*n + n)
  for (let j = 0; j < k; j++) {
    const vj = j * n;
    for (let i = 0; i < j; i++) {
      const vi = i * n;
      let dot = 0;
      for (let e = 0; e < n; e++) dot += q[vi + e] * q[vj + e];
      for (let e = 0; e < n; e++) q[vj + e] -= dot * q[vi + e];
    }
    let norm = 0;
    for (let e = 0; e < n; e++) norm += q[vj + e] * q[vj + e];
    norm = Math.sqrt(norm) || 1;
    for (let e = 0; e < n; e++) q[vj + e] /= norm;
  }
  const values = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) {
    for (let e = 0; e < n; e++) {
      // rows <= cols: vector j is row j; otherwise it is column j.
      const index = rows <= cols ? j * cols + e : e * cols + j;
      values[index] = q[j * n + e];
    }
  }
  return tf.tensor2d(values, shape);
}
