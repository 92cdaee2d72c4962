/**
 * Kernels for tfjs 4.22's CPU backend, same results, less time.
 *
 * Broadcasting arithmetic. Its Add, Sub, Multiply and RealDiv take a fast loop only when both
 * shapes are equal; any broadcast (a bias over `[B, T, C]`, a `[B, T, 1]`
 * mask over features) goes element by element through index arithmetic
 * with fresh arrays: 28 ms for a `[32, 200, 32]` times `[32, 200, 1]`
 * multiply, as in every fill. Here a broadcast walks the output row by row
 * with per-axis strides that are 0 along broadcast axes. Float32 operands
 * only; everything else goes to the original kernel.
 *
 * Transpose: the CPU's computes every element's coordinates with fresh
 * arrays (16 ms for [6400, 16]); this one walks the output with the
 * permuted strides. Bit-identical results (it moves values). Sum and Max
 * over axes that are not innermost (a pool over time) transpose first with
 * that same slow code (17 ms each for [32, 200, 32] over time); these use
 * the fast one and then reduce in tfjs' order, so results are bit-identical.
 *
 * These replace tfjs' kernels for the whole process, installed by
 * `initBackend` when it picks the CPU backend. `SeqnetMatMul` is seqnet's
 * own (matmul.ts calls it on CPU; nothing else does): tfjs' CPU matMul ran
 * at 0.3-0.6 GFLOP/s on the thin products of conv1d and dense, and a plain
 * dot-product loop over flat arrays is about twice as fast. It is not put in
 * place of BatchMatMul because its sums round differently, and other
 * models in the process should not see their numbers move.
 */
import { type KernelArgs, replaceKernel } from './replace-kernel.js';
import { tf } from './tf.js';

interface CpuBackend {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array | Uint8Array): tf.TensorInfo;
}

type Op = 'Add' | 'Sub' | 'Multiply' | 'RealDiv';
const OPS: readonly Op[] = ['Add', 'Sub', 'Multiply', 'RealDiv'];

/** Strides of `shape` (right-aligned to `rank`) in elements, 0 along axes of size 1. */
function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, d = rank - 1; i >= 0; i--, d--) {
    strides[d] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** One output row of `inner` elements: `a[ia + j * sa] op b[ib + j * sb]`. */
function row(op: Op, a: ArrayLike<number>, ia: number, sa: number, b: ArrayLike<number>, ib: number, sb: number, out: Float32Array, o: number, inner: number): void {
  switch (op) {
    case 'Add':
      for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! + b[ib + j * sb]!;
      return;
    case 'Sub':
      for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! - b[ib + j * sb]!;
      return;
    case 'Multiply':
      for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! * b[ib + j * sb]!;
      return;
    case 'RealDiv':
      for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! / b[ib + j * sb]!;
      return;
  }
}

/** `a op b` with numpy broadcasting; `outShape` is the broadcast shape (rank >= 1). */
function broadcastArith(op: Op, a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], outShape: readonly number[]): Float32Array {
  const rank = outShape.length;
  const size = tf.util.sizeFromShape([...outShape]);
  const out = new Float32Array(size);
  if (size === 0) return out;
  const aStrides = broadcastStrides(aShape, rank);
  const bStrides = broadcastStrides(bShape, rank);
  const inner = outShape[rank - 1]!;
  const counters = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < size; o += inner) {
    row(op, a, ia, aStrides[rank - 1]!, b, ib, bStrides[rank - 1]!, out, o, inner);
    // Advance the outer axes like an odometer, moving each operand's offset by its stride.
    for (let d = rank - 2; d >= 0; d--) {
      counters[d]!++;
      ia += aStrides[d]!;
      ib += bStrides[d]!;
      if (counters[d]! < outShape[d]!) break;
      ia -= aStrides[d]! * outShape[d]!;
      ib -= bStrides[d]! * outShape[d]!;
      counters[d] = 0;
    }
  }
  return out;
}

/** `x` (row-major `shape`) with its axes permuted by `perm`, as tf.transpose. */
function permuteValues<A extends Float32Array | Int32Array | Uint8Array>(x: A, shape: readonly number[], perm: readonly number[]): A {
  const rank = shape.length;
  const out = new (x.constructor as new (n: number) => A)(x.length);
  if (x.length === 0 || rank === 0) {
    out.set(x);
    return out;
  }
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, stride = 1; d >= 0; d--) {
    inStrides[d] = stride;
    stride *= shape[d]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const strides = perm.map((p) => inStrides[p]!);
  const inner = outShape[rank - 1]!;
  const step = strides[rank - 1]!;
  const counters = new Array<number>(rank).fill(0);
  let base = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0, i = base; j < inner; j++, i += step) out[o + j] = x[i]!;
    for (let d = rank - 2; d >= 0; d--) {
      counters[d]!++;
      base += strides[d]!;
      if (counters[d]! < outShape[d]!) break;
      base -= strides[d]! * outShape[d]!;
      counters[d] = 0;
    }
  }
  return out;
}

/**
 * `a [M, K] @ b [K, N]` over flat arrays: `b` transposed once so that each
 * output is a dot product of two contiguous rows, summed in four lanes
 * (about 2x tfjs' CPU matMul on [6400, 16] @ [16, 32] and on the weight
 * gradient [16, 6400] @ [6400, 32]).
 */
function matMulValues(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float32Array {
  const bt = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) bt[j * K + k] = b[k * N + j]!;
  const out = new Float32Array(M * N);
  const K4 = K - (K % 4);
  for (let i = 0; i < M; i++) {
    const ai = i * K;
    for (let j = 0; j < N; j++) {
      const bj = j * K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k < K4; k += 4) {
        s0 += a[ai + k]! * bt[bj + k]!;
        s1 += a[ai + k + 1]! * bt[bj + k + 1]!;
        s2 += a[ai + k + 2]! * bt[bj + k + 2]!;
        s3 += a[ai + k + 3]! * bt[bj + k + 3]!;
      }
      let sum = s0 + s1 + s2 + s3;
      for (; k < K; k++) sum += a[ai + k]! * bt[bj + k]!;
      out[i * N + j] = sum;
    }
  }
  return out;
}

export const SEQNET_MATMUL = 'SeqnetMatMul';

// A kernel name of seqnet's own: registering it changes nothing else in the process.
tf.registerKernel({
  kernelName: SEQNET_MATMUL,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend }) => {
    const a = inputs['a'] as tf.TensorInfo;
    const b = inputs['b'] as tf.TensorInfo;
    const cpu = backend as unknown as CpuBackend;
    const [M, K] = a.shape as [number, number];
    const N = b.shape[1]!;
    return cpu.makeTensorInfo([M, N], 'float32', matMulValues(cpu.data.get(a.dataId).values, cpu.data.get(b.dataId).values, M, K, N));
  },
});

/** tfjs' CPU Sum or Max of float32 `values` over `axes`, in its order (Max: NaN wins). */
function reduceValues(kind: 'Sum' | 'Max', values: Float32Array, shape: readonly number[], axes: number[]): { out: Float32Array; shape: number[] } | undefined {
  const rank = shape.length;
  const perm = tf.backend_util.getAxesPermutation(axes, rank);
  const vals = perm === null ? values : permuteValues(values, shape, perm);
  const permShape = perm === null ? [...shape] : perm.map((p) => shape[p]!);
  const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(permShape, tf.backend_util.getInnerMostAxes(axes.length, rank));
  const reduceSize = tf.util.sizeFromShape(reduceShape);
  const out = new Float32Array(tf.util.sizeFromShape(outShape));
  // Empty reductions keep tfjs' own answers.
  if (reduceSize === 0 || out.length === 0) return undefined;
  for (let i = 0; i < out.length; i++) {
    const offset = i * reduceSize;
    if (kind === 'Sum') {
      let sum = 0;
      for (let j = 0; j < reduceSize; j++) sum += vals[offset + j]!;
      out[i] = sum;
    } else {
      let max = vals[offset]!;
      for (let j = 0; j < reduceSize; j++) {
        const v = vals[offset + j]!;
        if (Number.isNaN(v) || v > max) max = v;
      }
      out[i] = max;
    }
  }
  return { out, shape: outShape };
}

/** tfjs' Sum (`axis`) or Max (`reductionIndices`) of a float32 tensor; undefined for what tfjs' own kernel should do. */
function reduceKernel(kind: 'Sum' | 'Max', axisAttr: 'axis' | 'reductionIndices') {
  return (args: KernelArgs): tf.TensorInfo | undefined => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const backend = args.backend as unknown as CpuBackend;
    const values = backend.data.get(x.dataId).values;
    if (x.dtype !== 'float32' || !(values instanceof Float32Array) || x.shape.length === 0) return undefined;
    const axes = tf.util.parseAxisParam(args.attrs![axisAttr] as number | number[], x.shape);
    const reduced = reduceValues(kind, values, x.shape, axes);
    if (reduced === undefined) return undefined;
    const shape = args.attrs!['keepDims'] === true ? tf.backend_util.expandShapeToKeepDim(reduced.shape, axes) : reduced.shape;
    return backend.makeTensorInfo(shape, 'float32', reduced.out);
  };
}

/** `a op b` for two float32 tensors of different shapes; undefined otherwise. */
function arithKernel(op: Op) {
  return (args: KernelArgs): tf.TensorInfo | undefined => {
    const a = args.inputs['a'] as tf.TensorInfo;
    const b = args.inputs['b'] as tf.TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || tf.util.arraysEqual(a.shape, b.shape)) return undefined;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (outShape.length === 0) return undefined;
    const backend = args.backend as unknown as CpuBackend;
    const values = broadcastArith(op, backend.data.get(a.dataId).values, a.shape, backend.data.get(b.dataId).values, b.shape, outShape);
    return backend.makeTensorInfo(outShape, 'float32', values);
  };
}

function transposeKernel(args: KernelArgs): tf.TensorInfo | undefined {
  const x = args.inputs['x'] as tf.TensorInfo;
  const backend = args.backend as unknown as CpuBackend;
  const values = backend.data.get(x.dataId).values;
  if (!(values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array)) return undefined;
  const perm = args.attrs!['perm'] as number[];
  return backend.makeTensorInfo(perm.map((p) => x.shape[p]!), x.dtype, permuteValues(values, x.shape, perm));
}

let installed = false;

export function installCpuKernels(): void {
  if (installed) return;
  installed = true;
  replaceKernel('Transpose', 'cpu', transposeKernel);
  replaceKernel('Sum', 'cpu', reduceKernel('Sum', 'axis'));
  replaceKernel('Max', 'cpu', reduceKernel('Max', 'reductionIndices'));
  for (const op of OPS) replaceKernel(op, 'cpu', arithKernel(op));
}
