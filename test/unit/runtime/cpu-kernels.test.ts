/**
 * The CPU kernel replacements give tfjs' own results: bit for bit for the
 * arithmetic, transposes and reductions (NaN and infinities included), and
 * within float32 rounding for seqnet's matMul. References come from tfjs'
 * stock kernels in this process before the replacements are installed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { installCpuKernels, SEQNET_MATMUL } from '../../../src/runtime/cpu-kernels.js';
import { mulberry32 } from '../../../src/runtime/layers/init.js';

function values(shape: number[], seed: number, specials = false): Float32Array {
  const random = mulberry32(seed);
  const out = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() - 0.5) * 8);
  if (specials && out.length > 4) {
    out[1] = NaN;
    out[out.length - 2] = -Infinity;
    out[Math.floor(out.length / 2)] = Infinity;
  }
  return out;
}

const t = (shape: number[], seed: number, specials = false) => tf.tensor(values(shape, seed, specials), shape);

/** Values and shape, with NaN kept comparable (toEqual treats NaN as equal to NaN). */
const snap = (x: tf.Tensor) => ({ shape: x.shape, values: Array.from(x.dataSync()) });

const ARITH: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 1]],
  [[2, 3, 4], [4]],
  [[2, 1, 4], [2, 3, 1]],
  [[3], [2, 3]],
  [[5, 1], [1, 5]],
  [[], [2, 3]],
  [[2, 0, 3], [2, 1, 3]],
  [[32, 20, 8], [32, 20, 1]],
];
const OPS = [tf.add, tf.sub, tf.mul, tf.div] as const;
const TRANSPOSES: [number[], number[]][] = [
  [[2, 3, 4], [1, 0, 2]],
  [[2, 3, 4], [2, 0, 1]],
  [[2, 3, 4], [0, 2, 1]],
  [[5, 7], [1, 0]],
  [[2, 3, 1, 4], [3, 1, 0, 2]],
];
const REDUCTIONS: [number[], number | number[]][] = [
  [[3, 4, 5], 0],
  [[3, 4, 5], 1],
  [[3, 4, 5], 2],
  [[3, 4, 5], [0, 2]],
  [[32, 20, 8], 1],
];

function run() {
  return {
    arith: ARITH.flatMap(([a, b], i) => OPS.map((op) => snap(op(t(a, i, true), t(b, 100 + i, true))))),
    transpose: TRANSPOSES.flatMap(([shape, perm], i) => [
      snap(tf.transpose(t(shape, 200 + i), perm)),
      snap(tf.transpose(tf.cast(t(shape, 200 + i), 'int32'), perm)),
      snap(tf.transpose(tf.greater(t(shape, 200 + i), 0), perm)),
    ]),
    reduce: REDUCTIONS.flatMap(([shape, axis], i) =>
      [false, true].flatMap((keepDims) => [snap(tf.sum(t(shape, 300 + i, true), axis, keepDims)), snap(tf.max(t(shape, 300 + i, true), axis, keepDims)), snap(tf.sum(t(shape, 400 + i), axis, keepDims))]),
    ),
  };
}

describe('CPU kernel replacements', () => {
  let stock: ReturnType<typeof run>;
  let originals: Map<string, tf.KernelFunc>;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    stock = run();
    originals = new Map(['Add', 'Sub', 'Multiply', 'RealDiv', 'Transpose', 'Sum', 'Max'].map((k) => [k, tf.getKernel(k, 'cpu')!.kernelFunc]));
    installCpuKernels();
  });

  it('are installed in place of tfjs kernels', () => {
    for (const [name, original] of originals) expect(tf.getKernel(name, 'cpu')!.kernelFunc, name).not.toBe(original);
  });

  it('give tfjs results bit for bit: broadcasting arithmetic, transposes, sums and maxima', () => {
    const mine = run();
    expect(mine.arith).toEqual(stock.arith);
    expect(mine.transpose).toEqual(stock.transpose);
    expect(mine.reduce).toEqual(stock.reduce);
  });

  it('SeqnetMatMul matches tf.matMul within float32 rounding', () => {
    for (const [M, K, N] of [[7, 5, 3], [6, 17, 9], [1, 1, 1], [64, 3, 2]] as const) {
      const a = t([M, K], M);
      const b = t([K, N], N);
      const got = tf.engine().runKernel<tf.Tensor>(SEQNET_MATMUL, { a, b });
      const want = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
      expect(got.shape).toEqual([M, N]);
      const g = got.dataSync();
      want.dataSync().forEach((w, i) => expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w))));
    }
  });
});
