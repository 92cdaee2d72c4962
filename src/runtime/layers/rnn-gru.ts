/**
 * The masked GRU recurrence (one direction), Keras 3 equations, gates z, r, h:
 *
 *   z = ra(x Wz + h Uz + bz),  r = ra(x Wr + h Ur + br)
 *   reset_after:  hh = tanh(x Wh + bxh + r * (h Uh + brh))   (bias [2, 3U], Keras)
 *   otherwise:    hh = tanh(x Wh + (r * h) Uh + bh)         (bias [3U], tfjs-layers)
 *   h' = z * h + (1 - z) * hh
 *
 * At a masked step the state is carried and the output is 0.
 */
import { tf } from '../tf.js';
import * as k from './rnn-kernels.js';
import {
  activeGate, activeGateGrad, assembleSequence, constants, recurrenceCall, copyColumns, stackedGateWeights, stepGradients, tanhGrad,
  transposed, type GruSpec, type RecurrenceImpl, type RecurrenceInputs,
} from './rnn-common.js';
import { planColumns, scatterRows, stepConditions, stepRows, type StepPlan } from './rnn-plan.js';
import { gruTape } from './rnn-tape.js';

/** `[B, T, U]` (sequences) or `[B, U]`; padded steps of `x` may hold anything. */
export function gruRecurrence(inputs: RecurrenceInputs, spec: GruSpec, impl: RecurrenceImpl = 'bptt'): tf.Tensor {
  if (impl === 'tape') return gruTape(inputs, spec);
  const { x, mask, kernel, recurrentKernel, bias } = inputs;
  // Without a tape recording this op, nothing is kept for a backward pass.
  return gruOp(spec, tf.engine().isTapeOn())(x, mask, kernel, recurrentKernel, bias);
}

/** Per step, what the backward pass reads. */
interface Step {
  hPrev: tf.Tensor3D;
  z: tf.Tensor3D;
  r: tf.Tensor3D;
  hh: tf.Tensor3D;
  /** h - hh */
  d: tf.Tensor3D;
  /** reset_after: h Uh + brh; otherwise: r * h (the input of Uh). */
  inner: tf.Tensor3D;
}
const STEP_FIELDS = 6;

/** What the backward pass reads besides the steps: `[xᵀ with a ones row, Wᵀ, Uᵀ]` (reset_after) or `[xᵀ with a ones row, Wᵀ, Uzrᵀ, Uhᵀ]`. */
function headerSize(resetAfter: boolean): number {
  return resetAfter ? 3 : 4;
}

function gruOp(spec: GruSpec, recording: boolean) {
  const { units: U, reverse, sequences, resetAfter } = spec;
  const hard = spec.recurrentActivation === 'hard_sigmoid';
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const { mask, save, B, C, plan, n, c, conditions, xData, kData, uData, bData } = recurrenceCall(args, U, reverse);
    // reset_after's bias is [input; recurrent]: z and r add both rows, h keeps them apart.
    const bIn = resetAfter ? bData.subarray(0, 3 * U) : bData;
    const bRec = resetAfter ? bData.subarray(3 * U, 6 * U) : new Float32Array(3 * U);
    const bZr = new Float32Array(3 * U);
    for (let i = 0; i < 2 * U; i++) bZr[i] = (bIn[i] as number) + (bRec[i] as number);
    const wz = stackedGateWeights(kData, uData, bZr, C, U, 3, 0, hard);
    const wr = stackedGateWeights(kData, uData, bZr, C, U, 3, 1, hard);
    // reset_after: x Wh + bxh and h Uh + brh apart; otherwise [x, r h] [Wh; Uh] + bh in one.
    const wh = resetAfter
      ? stackedGateWeights(kData, null, bIn, C, U, 3, 2, false)
      : stackedGateWeights(kData, uData, bIn, C, U, 3, 2, false);
    const uh = resetAfter ? stackedGateWeights(uData, null, bRec, U, U, 3, 2, false) : null;

    let h: tf.Tensor3D = c.zero;
    /** h is also the last output (a step where every row is real): keep it. */
    let hIsOutput = false;
    const outputs: tf.Tensor3D[] = [];
    const steps: Step[] = [];
    plan.steps.forEach((_, i) => {
      // One scope per step: only the state, the output and what backward reads outlive it.
      const [hNext, y, ...kept] = tf.tidy(() => {
        const xt = tf.tensor3d(stepRows(xData, plan, C, i), [1, B, C]);
        const xh = k.concat([xt, h], 2);
        const z = activeGate(xh, wz, hard);
        const r = activeGate(xh, wr, hard);
        let inner: tf.Tensor3D;
        let hh: tf.Tensor3D;
        if (uh !== null) {
          inner = k.gate(h, uh.w, uh.b, 'linear');
          hh = k.tanh(k.add(k.gate(xt, wh.w, wh.b, 'linear'), k.mul(r, inner)));
        } else {
          inner = k.mul(r, h);
          hh = k.tanh(k.gate(k.concat([xt, inner], 2), wh.w, wh.b, 'linear'));
        }
        const d = k.sub(h, hh);
        const hn = k.add(hh, k.mul(z, d));
        const cond = conditions[i];
        const next = cond ? k.select(cond, hn, h) : hn;
        // The zeroed output only matters when the layer returns sequences.
        const out = sequences && cond ? k.select(cond, hn, c.zero) : hn;
        return [next, out, ...(recording ? [h, z, r, hh, d, inner] : [])];
      }) as tf.Tensor3D[];
      if (recording) {
        const [hPrev, z, r, hh, d, inner] = kept as tf.Tensor3D[];
        steps.push({ hPrev, z, r, hh, d, inner } as Step);
      } else if (h !== c.zero && !hIsOutput) {
        h.dispose();
      }
      if (sequences) outputs.push(y as tf.Tensor3D);
      hIsOutput = sequences && y === hNext;
      h = hNext as tf.Tensor3D;
    });

    const value = sequences ? assembleSequence(plan, outputs, c.zero) : k.reshape<tf.Tensor2D>(h, [B, U]);
    if (!recording) return { value, gradFunc: () => [] };
    // Transposed once here, so that no matMul of the backward pass needs a transpose flag.
    const header: tf.Tensor[] = [tf.tensor3d(planColumns(xData, plan, C), [1, C + 1, n * B]), transposed(kData, C, 3 * U)];
    if (resetAfter) {
      header.push(transposed(uData, U, 3 * U));
    } else {
      const uzr = new Float32Array(U * 2 * U);
      copyColumns(uData, U, 3 * U, 0, 2 * U, uzr, 0, 1);
      const uhOnly = new Float32Array(U * U);
      copyColumns(uData, U, 3 * U, 2 * U, 3 * U, uhOnly, 0, 1);
      header.push(transposed(uzr, U, 2 * U), transposed(uhOnly, U, U));
    }
    save([...header, ...steps.flatMap((s) => [s.hPrev, s.z, s.r, s.hh, s.d, s.inner])]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const head = headerSize(resetAfter);
        const stepAt = (i: number): Step => {
          const [hPrev, z, r, hh, d, inner] = saved.slice(head + i * STEP_FIELDS, head + (i + 1) * STEP_FIELDS) as tf.Tensor3D[];
          return { hPrev, z, r, hh, d, inner } as Step;
        };
        const grads = gruBackward(dy, plan, spec, hard, stepAt, saved.slice(0, head) as tf.Tensor3D[], C);
        return [grads.dx, tf.zerosLike(mask), grads.dKernel, grads.dRec, grads.dBias];
      });
    return { value, gradFunc };
  });
}

interface GruGrads {
  dx: tf.Tensor;
  dKernel: tf.Tensor;
  dRec: tf.Tensor;
  dBias: tf.Tensor;
}

function gruBackward(
  dy: tf.Tensor, plan: StepPlan, spec: GruSpec, hard: boolean, stepAt: (i: number) => Step,
  header: tf.Tensor3D[], C: number,
): GruGrads {
  const { units: U, sequences, resetAfter } = spec;
  const { batch: B, time: T } = plan;
  const n = plan.steps.length;
  const [xT, kernelT, recT, uhT] = header as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D | undefined];
  if (n === 0) {
    return {
      dx: tf.zeros([B, T, C]), dKernel: tf.zeros([C, 3 * U]), dRec: tf.zeros([U, 3 * U]),
      dBias: tf.zeros(resetAfter ? [2, 3 * U] : [3 * U]),
    };
  }
  const c = constants(B, U);
  const conditions = stepConditions(plan, U);
  const dyAt = sequences ? stepGradients(dy as tf.Tensor3D, plan) : null;

  let dh: tf.Tensor3D = sequences ? c.zero : k.reshape<tf.Tensor3D>(dy, [1, B, U]);
  /** Per step [daz, dar, dah]: the gradient of x W + b_in. */
  const dIns: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  /** reset_after: [daz, dar, dph], the gradient of h U + b_rec; otherwise [daz, dar]. */
  const dRecs: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  /** dah, and (otherwise only) r * h, the input of Uh. */
  const dahs: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  const rhs: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  const hPrevs: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  for (let i = n - 1; i >= 0; i--) {
    const s = stepAt(i);
    hPrevs[i] = s.hPrev;
    // One scope per step: only dh and the per-step gradients outlive it.
    const kept = tf.tidy(() => {
      const g = dyAt ? k.add(dh, dyAt(plan.steps[i] as number)) : dh;
      const cond = conditions[i];
      // A masked row's output is the constant 0 and its state is carried: only dh passes, to h_prev.
      const gn = cond ? k.select(cond, g, c.zero) : g;
      const carry = cond ? k.select(cond, c.zero, dh) : null;
      const dz = k.mul(gn, s.d);
      const gz = k.mul(gn, s.z);
      const dah = tanhGrad(k.sub(gn, gz), s.hh, c);
      let dhPrev: tf.Tensor3D;
      let dRec: tf.Tensor3D;
      let dIn: tf.Tensor3D;
      if (resetAfter) {
        const daz = activeGateGrad(dz, s.z, hard, c);
        const dar = activeGateGrad(k.mul(dah, s.inner), s.r, hard, c);
        dRec = k.concat([daz, dar, k.mul(dah, s.r)], 2);
        dIn = k.concat([daz, dar, dah], 2);
        dhPrev = k.add(gz, k.matMul(dRec, recT));
      } else {
        const drh = k.matMul(dah, uhT as tf.Tensor3D);
        const daz = activeGateGrad(dz, s.z, hard, c);
        const dar = activeGateGrad(k.mul(drh, s.hPrev), s.r, hard, c);
        dRec = k.concat([daz, dar], 2);
        dIn = k.concat([dRec, dah], 2);
        dhPrev = k.add(k.add(gz, k.mul(drh, s.r)), k.matMul(dRec, recT));
      }
      // dah and r * h feed only the Uh gradient of reset_after: false.
      return [carry ? k.add(dhPrev, carry) : dhPrev, dIn, dRec, ...(resetAfter ? [] : [dah])];
    });
    [dh, dIns[i], dRecs[i]] = kept as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    if (!resetAfter) {
      dahs[i] = kept[3] as tf.Tensor3D;
      rhs[i] = s.inner;
    }
  }

  const dIn = k.concat(dIns, 1); // [1, nB, 3U]
  // xᵀ carries a row of ones: the last row of xᵀ dIn is the input bias' gradient.
  const dKernelAndBias = k.matMul(xT, dIn);
  const dKernel = k.reshape(tf.slice(dKernelAndBias, [0, 0, 0], [1, C, 3 * U]), [C, 3 * U]);
  const dBiasIn = k.reshape(tf.slice(dKernelAndBias, [0, C, 0], [1, 1, 3 * U]), [1, 3 * U]);
  const hT = k.transpose(k.concat(hPrevs, 1));
  let dRec: tf.Tensor;
  let dBias: tf.Tensor;
  if (resetAfter) {
    const withOnes = k.concat([hT, tf.ones([1, 1, n * B]) as tf.Tensor3D], 1);
    const dRecAndBias = k.matMul(withOnes, k.concat(dRecs, 1));
    dRec = tf.slice(dRecAndBias, [0, 0, 0], [1, U, 3 * U]);
    dBias = k.concat([dBiasIn, k.reshape(tf.slice(dRecAndBias, [0, U, 0], [1, 1, 3 * U]), [1, 3 * U])], 0);
  } else {
    const dRecZr = k.matMul(hT, k.concat(dRecs, 1));
    const dRecH = k.matMul(k.transpose(k.concat(rhs, 1)), k.concat(dahs, 1));
    dRec = k.concat([dRecZr, dRecH], 2);
    dBias = k.reshape(dBiasIn, [3 * U]);
  }
  const dxRows = k.matMul(dIn, kernelT);
  const dx = tf.tensor3d(scatterRows(dxRows.dataSync(), plan, C), [B, T, C]);
  return { dx, dKernel, dRec: k.reshape(dRec, [U, 3 * U]), dBias };
}
