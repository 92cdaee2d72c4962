/**
 * What the GRU and LSTM recurrences share: their options, the per-gate
 * weight matrices built once per call, and the assembly of outputs.
 */
import { tf } from '../tf.js';
import * as k from './rnn-kernels.js';
import { planSteps, stepConditions, type StepPlan } from './rnn-plan.js';

export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

export interface RecurrenceSpec {
  readonly units: number;
  /** Process real steps from the last to the first (direction `backward`). */
  readonly reverse: boolean;
  /** `[B, T, units]` (true) or the final state `[B, units]` (false). */
  readonly sequences: boolean;
  readonly recurrentActivation: RecurrentActivation;
}

export interface GruSpec extends RecurrenceSpec {
  /** Keras 3's default (bias `[2, 3U]`); false is tfjs-layers' GRU (bias `[3U]`). */
  readonly resetAfter: boolean;
}

export type LstmSpec = RecurrenceSpec;

/**
 * How the recurrence is differentiated: `bptt` runs the whole recurrence as
 * one `tf.customGrad` op with a hand-written backward pass through time;
 * `tape` runs plain tfjs ops and lets the tape differentiate them (slower;
 * kept as the reference the tests compare `bptt` with).
 */
export type RecurrenceImpl = 'bptt' | 'tape';

/** The inputs of one direction of a recurrent layer. */
export interface RecurrenceInputs {
  /** `[B, T, C]`; whatever padded steps hold never reaches the math. */
  readonly x: tf.Tensor3D;
  /** `[B, T]`, real where non-zero. */
  readonly mask: tf.Tensor2D;
  readonly kernel: tf.Tensor2D;
  readonly recurrentKernel: tf.Tensor2D;
  readonly bias: tf.Tensor;
}

/**
 * Columns `[c0, c1)` of a row-major `[rows, cols]` matrix, stacked under
 * the previous blocks of `out` starting at row `rowOffset`; scaled by `scale`.
 */
export function copyColumns(
  src: ArrayLike<number>, rows: number, cols: number, c0: number, c1: number,
  out: Float32Array, rowOffset: number, scale: number,
): void {
  const width = c1 - c0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) out[(rowOffset + r) * width + c] = (src[r * cols + c0 + c] as number) * scale;
  }
}

/**
 * One gate's weights for the `[x_t, h]` concatenation trick: the gate's
 * columns of `kernel` stacked over those of `recurrentKernel` (`[C + U, U]`,
 * as `[1, C + U, U]`), so a gate is one fused matMul of `concat(x_t, h)`.
 * `hard_sigmoid` gates are prescaled (`0.2 a + 0.5` folded into the weights
 * and bias) so that only a clip remains to do per step.
 */
export function stackedGateWeights(
  kernel: ArrayLike<number>, recurrent: ArrayLike<number> | null, bias: ArrayLike<number>,
  inFeatures: number, units: number, gates: number, gate: number, hard: boolean,
): { w: tf.Tensor3D; b: tf.Tensor1D } {
  const scale = hard ? 0.2 : 1;
  const shift = hard ? 0.5 : 0;
  const rows = inFeatures + (recurrent === null ? 0 : units);
  const w = new Float32Array(rows * units);
  copyColumns(kernel, inFeatures, gates * units, gate * units, (gate + 1) * units, w, 0, scale);
  if (recurrent !== null) copyColumns(recurrent, units, gates * units, gate * units, (gate + 1) * units, w, inFeatures, scale);
  const b = new Float32Array(units);
  for (let u = 0; u < units; u++) b[u] = (bias[gate * units + u] as number) * scale + shift;
  return { w: tf.tensor3d(w, [1, rows, units]), b: tf.tensor1d(b) };
}

/** A recurrent-activation gate `act(a @ w + b)` with prescaled weights for `hard_sigmoid`. */
export function activeGate(a: tf.Tensor3D, w: { w: tf.Tensor3D; b: tf.Tensor1D }, hard: boolean): tf.Tensor3D {
  return hard ? k.clip(k.gate(a, w.w, w.b, 'linear'), 0, 1) : k.gate(a, w.w, w.b, 'sigmoid');
}

/**
 * `d act / d a * dOut` from the gate's output `s`: `s (1 - s)` for sigmoid,
 * `0.2` inside the clip range of `hard_sigmoid` (0 where it saturated).
 */
export function activeGateGrad(dOut: tf.Tensor3D, s: tf.Tensor3D, hard: boolean, c: Constants): tf.Tensor3D {
  const slope = k.mul(s, k.sub(c.one, s));
  return hard ? k.mul(dOut, k.mul(k.sign(slope), c.fifth)) : k.mul(dOut, slope);
}

/** `dOut * (1 - y^2)`: the gradient through `y = tanh(a)`. */
export function tanhGrad(dOut: tf.Tensor3D, y: tf.Tensor3D, c: Constants): tf.Tensor3D {
  return k.mul(dOut, k.sub(c.one, k.square(y)));
}

/** The transpose of a row-major `[rows, cols]` matrix, as `[1, cols, rows]`. */
export function transposed(src: ArrayLike<number>, rows: number, cols: number): tf.Tensor3D {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c] as number;
  return tf.tensor3d(out, [1, cols, rows]);
}

export interface Constants {
  readonly one: tf.Scalar;
  readonly fifth: tf.Scalar;
  /** `[1, B, U]` zeros. */
  readonly zero: tf.Tensor3D;
}

export function constants(batch: number, units: number): Constants {
  return { one: tf.scalar(1), fifth: tf.scalar(0.2), zero: tf.zeros([1, batch, units]) };
}

/**
 * `[B, T, U]` from the outputs of the planned steps (`[1, B, U]` each),
 * zeros at the steps the plan skipped.
 */
export function assembleSequence(plan: StepPlan, outputs: readonly tf.Tensor3D[], zero: tf.Tensor3D): tf.Tensor3D {
  const { batch, time } = plan;
  const units = zero.shape[2];
  if (time === 0 || batch === 0) return tf.zeros([batch, time, units]);
  const byStep: tf.Tensor3D[] = new Array<tf.Tensor3D>(time).fill(zero);
  plan.steps.forEach((t, i) => {
    byStep[t] = outputs[i] as tf.Tensor3D;
  });
  // Time-major concat is a contiguous copy per step; one transpose puts batch first.
  return tf.transpose(k.concat(byStep, 0), [1, 0, 2]);
}

/** The rows `[1, B, F]` of a `[B, T, F]` gradient at step t, from one read-back (no per-step Slice). */
export function stepGradients(dy: tf.Tensor3D, plan: StepPlan): (t: number) => tf.Tensor3D {
  const data = dy.dataSync();
  const [batch, time, features] = dy.shape;
  return (t: number) => {
    const out = new Float32Array(batch * features);
    for (let b = 0; b < batch; b++) {
      const from = (b * time + t) * features;
      out.set(data.subarray(from, from + features), b * features);
    }
    return tf.tensor3d(out, [1, plan.batch, features]);
  };
}

/**
 * A recurrence op's arguments (`x, mask, kernel, recurrentKernel, bias`,
 * then customGrad's `save`) and what the GRU and the LSTM both read before
 * their first step: the step plan, the masks per step, the weights and the
 * input as flat arrays.
 */
export interface RecurrenceCall {
  readonly mask: tf.Tensor2D;
  readonly save: tf.GradSaveFunc;
  readonly B: number;
  readonly C: number;
  readonly plan: StepPlan;
  /** The number of planned steps. */
  readonly n: number;
  readonly c: Constants;
  readonly conditions: ReturnType<typeof stepConditions>;
  readonly xData: Float32Array;
  readonly kData: Float32Array;
  readonly uData: Float32Array;
  readonly bData: Float32Array;
}

export function recurrenceCall(args: readonly (tf.Tensor | tf.GradSaveFunc)[], units: number, reverse: boolean): RecurrenceCall {
  const [x, mask, kernel, recurrentKernel, bias] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor];
  const [B, T, C] = x.shape;
  const plan = planSteps(mask.dataSync(), B, T, reverse);
  return {
    mask,
    save: args[5] as tf.GradSaveFunc,
    B,
    C,
    plan,
    n: plan.steps.length,
    c: constants(B, units),
    conditions: stepConditions(plan, units),
    xData: x.dataSync() as Float32Array,
    kData: kernel.dataSync() as Float32Array,
    uData: recurrentKernel.dataSync() as Float32Array,
    bData: bias.dataSync() as Float32Array,
  };
}
