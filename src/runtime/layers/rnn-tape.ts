/**
 * The recurrences written as plain, differentiable tfjs ops, straight from
 * the equations: the tape computes their gradients. They are the reference
 * the hand-written backward passes are tested against, and the "tape"
 * lever of the benchmark. Same step plan (all-masked steps skipped); the
 * input projection is hoisted per chunk of steps (WASM's Slice copies its
 * whole input per call, so unstacking a whole-sequence projection is
 * quadratic in T).
 */
import { tf } from '../tf.js';
import type { GruSpec, LstmSpec, RecurrenceInputs } from './rnn-common.js';
import { planSteps, stepConditions, type StepPlan } from './rnn-plan.js';

const CHUNK = 10;

/** `x W_g + b_g` for each gate g at each planned step (`[B, U]` each), projected per chunk of steps. */
function projectSteps(x: tf.Tensor3D, plan: StepPlan, weights: tf.Tensor2D[], biases: tf.Tensor1D[]): tf.Tensor2D[][] {
  const [B, , C] = x.shape;
  const out: tf.Tensor2D[][] = weights.map(() => []);
  for (let i0 = 0; i0 < plan.steps.length; i0 += CHUNK) {
    const chunk = plan.steps.slice(i0, i0 + CHUNK);
    const t0 = Math.min(...chunk);
    const len = Math.max(...chunk) - t0 + 1;
    const rows = tf.reshape(tf.slice(x, [0, t0, 0], [B, len, C]), [B * len, C]);
    weights.forEach((w, g) => {
      const projected = tf.add(tf.matMul(rows, w), biases[g] as tf.Tensor1D);
      const steps = tf.unstack(tf.reshape(projected, [B, len, -1]), 1) as tf.Tensor2D[];
      for (const t of chunk) (out[g] as tf.Tensor2D[]).push(steps[t - t0] as tf.Tensor2D);
    });
  }
  return out;
}

/**
 * Padded steps never reach the math, whatever they hold: a 1e30 there would
 * overflow x W, and a NaN in the unselected branch of a `where` still makes
 * its gradient NaN.
 */
function sanitize(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.where(tf.expandDims(tf.greater(mask, 0), 2), x, tf.zerosLike(x));
}

function recurrentActivation(spec: { recurrentActivation: string }): (a: tf.Tensor2D) => tf.Tensor2D {
  // tfjs-layers' hard sigmoid (Keras 2): clip(0.2 x + 0.5, 0, 1).
  return spec.recurrentActivation === 'hard_sigmoid'
    ? (a) => tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1) as tf.Tensor2D
    : (a) => tf.sigmoid(a);
}

/** Runs `step` over the plan; returns the sequence or the final state. */
function runPlan(
  plan: StepPlan, units: number, sequences: boolean, states: number,
  step: (i: number, state: tf.Tensor2D[]) => tf.Tensor2D[],
): tf.Tensor {
  const { batch: B, time: T } = plan;
  const zero = tf.zeros([B, units]) as tf.Tensor2D;
  const conditions = stepConditions(plan, units);
  let state: tf.Tensor2D[] = Array.from({ length: states }, () => zero);
  const outputs: tf.Tensor2D[] = new Array<tf.Tensor2D>(T).fill(zero);
  plan.steps.forEach((t, i) => {
    const next = step(i, state);
    const cond = conditions[i];
    if (cond) {
      const c2 = tf.reshape(cond, [B, units]);
      outputs[t] = tf.where(c2, next[0] as tf.Tensor2D, zero);
      state = next.map((s, j) => tf.where(c2, s, state[j] as tf.Tensor2D));
    } else {
      outputs[t] = next[0] as tf.Tensor2D;
      state = next;
    }
  });
  if (!sequences) return state[0] as tf.Tensor2D;
  return T === 0 ? tf.zeros([B, 0, units]) : tf.stack(outputs, 1);
}

export function gruTape(inputs: RecurrenceInputs, spec: GruSpec): tf.Tensor {
  const { mask, kernel, recurrentKernel, bias } = inputs;
  const x = sanitize(inputs.x, mask);
  const U = spec.units;
  const plan = planSteps(mask.dataSync(), x.shape[0], x.shape[1], spec.reverse);
  const act = recurrentActivation(spec);
  const w = tf.split(kernel, 3, 1) as tf.Tensor2D[];
  const [uz, ur, uh] = tf.split(recurrentKernel, 3, 1) as tf.Tensor2D[];
  const bIn = spec.resetAfter ? tf.reshape(tf.slice(bias, [0, 0], [1, 3 * U]), [3 * U]) : bias;
  const bRec = spec.resetAfter ? (tf.split(tf.reshape(tf.slice(bias, [1, 0], [1, 3 * U]), [3 * U]), 3) as tf.Tensor1D[]) : null;
  const [xz, xr, xh] = projectSteps(x, plan, w, tf.split(bIn, 3) as tf.Tensor1D[]) as tf.Tensor2D[][];
  return runPlan(plan, U, spec.sequences, 1, (i, [h]) => {
    const hp = h as tf.Tensor2D;
    const rz = tf.matMul(hp, uz as tf.Tensor2D);
    const rr = tf.matMul(hp, ur as tf.Tensor2D);
    const z = act(tf.add(xz[i] as tf.Tensor2D, bRec ? tf.add(rz, bRec[0] as tf.Tensor1D) : rz));
    const r = act(tf.add(xr[i] as tf.Tensor2D, bRec ? tf.add(rr, bRec[1] as tf.Tensor1D) : rr));
    const hh = bRec
      ? tf.tanh(tf.add(xh[i] as tf.Tensor2D, tf.mul(r, tf.add(tf.matMul(hp, uh as tf.Tensor2D), bRec[2] as tf.Tensor1D))))
      : tf.tanh(tf.add(xh[i] as tf.Tensor2D, tf.matMul(tf.mul(r, hp), uh as tf.Tensor2D)));
    return [tf.add(tf.mul(z, hp), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D];
  });
}

export function lstmTape(inputs: RecurrenceInputs, spec: LstmSpec): tf.Tensor {
  const { mask, kernel, recurrentKernel, bias } = inputs;
  const x = sanitize(inputs.x, mask);
  const plan = planSteps(mask.dataSync(), x.shape[0], x.shape[1], spec.reverse);
  const act = recurrentActivation(spec);
  const u = tf.split(recurrentKernel, 4, 1) as tf.Tensor2D[];
  const [xi, xf, xc, xo] = projectSteps(x, plan, tf.split(kernel, 4, 1) as tf.Tensor2D[], tf.split(bias, 4) as tf.Tensor1D[]) as tf.Tensor2D[][];
  return runPlan(plan, spec.units, spec.sequences, 2, (s, [h, c]) => {
    const hp = h as tf.Tensor2D;
    const pre = (xs: tf.Tensor2D[], g: number): tf.Tensor2D => tf.add(xs[s] as tf.Tensor2D, tf.matMul(hp, u[g] as tf.Tensor2D));
    const i = act(pre(xi as tf.Tensor2D[], 0));
    const f = act(pre(xf as tf.Tensor2D[], 1));
    const g = tf.tanh(pre(xc as tf.Tensor2D[], 2));
    const o = act(pre(xo as tf.Tensor2D[], 3));
    const cn: tf.Tensor2D = tf.add(tf.mul(f, c as tf.Tensor2D), tf.mul(i, g));
    return [tf.mul(o, tf.tanh(cn)), cn];
  });
}
