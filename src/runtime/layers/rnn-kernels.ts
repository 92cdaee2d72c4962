/**
 * Direct kernel calls for the inner loops of the hand-written recurrences.
 *
 * A recurrence runs a few dozen tiny ops per step, so the per-op cost of the
 * public ops (argument conversion, broadcast checks, `where`'s three
 * `broadcastTo` clones, fused matMul falling back to unfused ops whenever a
 * gradient is being recorded) is most of its time on the CPU and WASM
 * backends. These wrappers call the kernels themselves. They are only used
 * where no gradient is taped (inside `tf.customGrad`), on operands whose
 * shapes already agree; every matrix operand is 3-D (`[1, rows, cols]`), as
 * the matMul kernels require.
 */
import { tf } from '../tf.js';

type T = tf.Tensor;
type T3 = tf.Tensor3D;

type Attrs = Parameters<ReturnType<typeof tf.engine>['runKernel']>[2];

function run<R extends T | T[]>(kernel: string, inputs: tf.NamedTensorMap, attrs?: Record<string, unknown>): R {
  return tf.engine().runKernel(kernel, inputs, attrs as Attrs) as R;
}

export const add = <X extends T>(a: X, b: T): X => run<X>('Add', { a, b });
export const sub = <X extends T>(a: T, b: X): X => run<X>('Sub', { a, b });
export const mul = <X extends T>(a: X, b: T): X => run<X>('Multiply', { a, b });
export const sigmoid = <X extends T>(x: X): X => run<X>('Sigmoid', { x });
export const tanh = <X extends T>(x: X): X => run<X>('Tanh', { x });
export const square = <X extends T>(x: X): X => run<X>('Square', { x });
export const sign = <X extends T>(x: X): X => run<X>('Sign', { x });
export const clip = <X extends T>(x: X, lo: number, hi: number): X =>
  run<X>('ClipByValue', { x }, { clipValueMin: lo, clipValueMax: hi });
/** `condition ? t : e`, elementwise; all three of one shape. */
export const select = <X extends T>(condition: T, t: X, e: X): X => run<X>('Select', { condition, t, e });
export const concat = <X extends T>(xs: readonly X[], axis: number): X =>
  xs.length === 1 ? (xs[0] as X) : run<X>('Concat', xs as unknown as tf.NamedTensorMap, { axis });
export const reshape = <X extends T>(x: T, shape: number[]): X => run<X>('Reshape', { x }, { shape });

/**
 * `a @ b` on `[1, m, k] x [1, k, n]`. No transpose flags: with either flag
 * the WASM kernel leaves XNNPACK for a naive loop, 10 to 25 times slower
 * (measured: a [32, 384] x [384, 128] step product 7.8 ms vs 0.6 ms); the
 * callers transpose once instead.
 */
export const matMul = (a: T3, b: T3): T3 => run<T3>('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });

/** `[1, m, n]` to `[1, n, m]`. */
export const transpose = (x: T3): T3 => run<T3>('Transpose', { x }, { perm: [0, 2, 1] });

export type GateActivation = 'linear' | 'sigmoid';

/** `activation(a @ w + bias)` as one kernel; `bias` is 1-D (the WASM kernel takes no other). */
export const gate = (a: T3, w: T3, bias: tf.Tensor1D, activation: GateActivation): T3 =>
  run<T3>('_FusedMatMul', { a, b: w, bias }, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 });
