/**
 * Which time steps a masked recurrence has to run, read once from the mask.
 *
 * A step where no row is real changes nothing (every state is carried, every
 * output is 0), so it is not run at all: this is what stops the recurrence
 * at the batch's longest row (post), before its first real step (pre), and
 * across steps that are holes in every row. A step where every row is real
 * needs no select at all.
 */
import { tf } from '../tf.js';

export interface StepPlan {
  readonly batch: number;
  readonly time: number;
  /** Time steps with at least one real row, in processing order. */
  readonly steps: readonly number[];
  /** Per entry of `steps`: `null` when every row is real, else 1 for real rows, 0 for masked ones. */
  readonly rows: readonly (Uint8Array | null)[];
}

/** `mask` is `[B, T]` row-major, real where non-zero. */
export function planSteps(mask: ArrayLike<number>, batch: number, time: number, reverse: boolean): StepPlan {
  const steps: number[] = [];
  const rows: (Uint8Array | null)[] = [];
  for (let k = 0; k < time; k++) {
    const t = reverse ? time - 1 - k : k;
    const flags = new Uint8Array(batch);
    let real = 0;
    for (let b = 0; b < batch; b++) {
      if (mask[b * time + t] !== 0) {
        flags[b] = 1;
        real++;
      }
    }
    if (real === 0) continue;
    steps.push(t);
    rows.push(real === batch ? null : flags);
  }
  return { batch, time, steps, rows };
}

function sameFlags(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The `[1, B, width]` bool condition of each partial step, for the `Select`
 * kernel (full shape: the CPU kernel mis-handles a rank-1 condition, and
 * `tf.where`'s broadcasting costs three extra kernels per call). Consecutive
 * steps with the same pattern share one tensor: with post or pre padding the
 * pattern changes only where some row starts or ends. Tensors are created in
 * the caller's scope.
 */
export function stepConditions(plan: StepPlan, width: number): (tf.Tensor3D | null)[] {
  const out: (tf.Tensor3D | null)[] = [];
  let last: Uint8Array | null = null;
  let lastTensor: tf.Tensor3D | null = null;
  for (const flags of plan.rows) {
    if (flags === null) {
      out.push(null);
      continue;
    }
    if (last === null || lastTensor === null || !sameFlags(last, flags)) {
      const values = new Uint8Array(plan.batch * width);
      for (let b = 0; b < plan.batch; b++) if (flags[b] === 1) values.fill(1, b * width, (b + 1) * width);
      lastTensor = tf.tensor3d(values, [1, plan.batch, width], 'bool');
      last = flags;
    }
    out.push(lastTensor);
  }
  return out;
}

/**
 * The rows `[b, t, :]` of a row-major `[B, T, F]` array at planned step `i`
 * (`t = steps[i]`), as a `[B * F]` array; zeros for the rows masked there,
 * so that nothing a padded step holds (1e30, NaN) reaches the math.
 */
export function stepRows(data: ArrayLike<number>, plan: StepPlan, features: number, i: number): Float32Array {
  const { batch, time } = plan;
  const t = plan.steps[i] as number;
  const flags = plan.rows[i];
  const out = new Float32Array(batch * features);
  for (let b = 0; b < batch; b++) {
    if (flags && flags[b] === 0) continue;
    const from = (b * time + t) * features;
    for (let f = 0; f < features; f++) out[b * features + f] = data[from + f] as number;
  }
  return out;
}

/**
 * Every planned step's rows, transposed, and a row of ones: `[F + 1, n * B]`,
 * column `i * B + b` holding row `[b, steps[i], :]` (zeros where that row is
 * masked) over a 1 (a product with it also sums the bias gradient).
 */
export function planColumns(data: ArrayLike<number>, plan: StepPlan, features: number): Float32Array {
  const { batch, time, steps } = plan;
  const width = steps.length * batch;
  const out = new Float32Array((features + 1) * width);
  out.fill(1, features * width);
  steps.forEach((t, i) => {
    const flags = plan.rows[i];
    for (let b = 0; b < batch; b++) {
      if (flags && flags[b] === 0) continue;
      const from = (b * time + t) * features;
      const col = i * batch + b;
      for (let f = 0; f < features; f++) out[f * width + col] = data[from + f] as number;
    }
  });
  return out;
}

/** `[n * B, F]` rows of the planned steps back to `[B, T, F]`, zeros at the steps not in `plan`. */
export function scatterRows(rows: ArrayLike<number>, plan: StepPlan, features: number): Float32Array {
  const { batch, time, steps } = plan;
  const out = new Float32Array(batch * time * features);
  steps.forEach((t, i) => {
    for (let b = 0; b < batch; b++) {
      const from = (i * batch + b) * features;
      const to = (b * time + t) * features;
      for (let f = 0; f < features; f++) out[to + f] = rows[from + f] as number;
    }
  });
  return out;
}
