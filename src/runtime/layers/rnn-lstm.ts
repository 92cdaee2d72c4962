/**
 * The masked LSTM recurrence (one direction), Keras equations, gates i, f, c, o:
 *
 *   [i, f, g, o] = [ra, ra, tanh, ra](x W + h U + b)
 *   c' = f * c + i * g,  h' = o * tanh(c')
 *
 * At a masked step both states are carried and the output is 0.
 */
import { tf } from '../tf.js';
import * as k from './rnn-kernels.js';
import {
  activeGate, activeGateGrad, assembleSequence, constants, recurrenceCall, stackedGateWeights, stepGradients, tanhGrad,
  transposed, type LstmSpec, type RecurrenceImpl, type RecurrenceInputs,
} from './rnn-common.js';
import { planColumns, scatterRows, stepConditions, stepRows, type StepPlan } from './rnn-plan.js';
import { lstmTape } from './rnn-tape.js';

/** `[B, T, U]` (sequences) or the final `h`, `[B, U]`; padded steps of `x` may hold anything. */
export function lstmRecurrence(inputs: RecurrenceInputs, spec: LstmSpec, impl: RecurrenceImpl = 'bptt'): tf.Tensor {
  if (impl === 'tape') return lstmTape(inputs, spec);
  const { x, mask, kernel, recurrentKernel, bias } = inputs;
  // Without a tape recording this op, nothing is kept for a backward pass.
  return lstmOp(spec, tf.engine().isTapeOn())(x, mask, kernel, recurrentKernel, bias);
}

interface Step {
  hPrev: tf.Tensor3D;
  cPrev: tf.Tensor3D;
  i: tf.Tensor3D;
  f: tf.Tensor3D;
  g: tf.Tensor3D;
  o: tf.Tensor3D;
  /** tanh(c') */
  tc: tf.Tensor3D;
}
const STEP_FIELDS = 7;
const HEADER = 3; // xᵀ (plus a ones row), Wᵀ, Uᵀ

function lstmOp(spec: LstmSpec, recording: boolean) {
  const { units: U, reverse, sequences } = spec;
  const hard = spec.recurrentActivation === 'hard_sigmoid';
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const { mask, save, B, C, plan, n, c, conditions, xData, kData, uData, bData } = recurrenceCall(args, U, reverse);
    const wi = stackedGateWeights(kData, uData, bData, C, U, 4, 0, hard);
    const wf = stackedGateWeights(kData, uData, bData, C, U, 4, 1, hard);
    const wg = stackedGateWeights(kData, uData, bData, C, U, 4, 2, false);
    const wo = stackedGateWeights(kData, uData, bData, C, U, 4, 3, hard);

    let h: tf.Tensor3D = c.zero;
    let cell: tf.Tensor3D = c.zero;
    /** h is also the last output (a step where every row is real): keep it. */
    let hIsOutput = false;
    const outputs: tf.Tensor3D[] = [];
    const steps: Step[] = [];
    plan.steps.forEach((_, s) => {
      // One scope per step: only the states, the output and what backward reads outlive it.
      const [hNext, cNext, y, ...kept] = tf.tidy(() => {
        const xh = k.concat([tf.tensor3d(stepRows(xData, plan, C, s), [1, B, C]), h], 2);
        const i = activeGate(xh, wi, hard);
        const f = activeGate(xh, wf, hard);
        const g = k.tanh(k.gate(xh, wg.w, wg.b, 'linear'));
        const o = activeGate(xh, wo, hard);
        const cn = k.add(k.mul(f, cell), k.mul(i, g));
        const tc = k.tanh(cn);
        const hn = k.mul(o, tc);
        const cond = conditions[s];
        return [
          cond ? k.select(cond, hn, h) : hn,
          cond ? k.select(cond, cn, cell) : cn,
          // The zeroed output only matters when the layer returns sequences.
          sequences && cond ? k.select(cond, hn, c.zero) : hn,
          ...(recording ? [h, cell, i, f, g, o, tc] : []),
        ];
      }) as tf.Tensor3D[];
      if (recording) {
        const [hPrev, cPrev, i, f, g, o, tc] = kept as tf.Tensor3D[];
        steps.push({ hPrev, cPrev, i, f, g, o, tc } as Step);
      } else {
        if (h !== c.zero && !hIsOutput) h.dispose();
        if (cell !== c.zero) cell.dispose();
      }
      if (sequences) outputs.push(y as tf.Tensor3D);
      hIsOutput = sequences && y === hNext;
      h = hNext as tf.Tensor3D;
      cell = cNext as tf.Tensor3D;
    });

    const value = sequences ? assembleSequence(plan, outputs, c.zero) : k.reshape<tf.Tensor2D>(h, [B, U]);
    if (!recording) return { value, gradFunc: () => [] };
    // Transposed once here, so that no matMul of the backward pass needs a transpose flag.
    save([
      tf.tensor3d(planColumns(xData, plan, C), [1, C + 1, n * B]),
      transposed(kData, C, 4 * U),
      transposed(uData, U, 4 * U),
      ...steps.flatMap((s) => [s.hPrev, s.cPrev, s.i, s.f, s.g, s.o, s.tc]),
    ]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const stepAt = (i: number): Step => {
          const o = HEADER + i * STEP_FIELDS;
          const [hPrev, cPrev, ig, f, g, og, tc] = saved.slice(o, o + STEP_FIELDS) as tf.Tensor3D[];
          return { hPrev, cPrev, i: ig, f, g, o: og, tc } as Step;
        };
        const [xT, kernelT, recT] = saved as tf.Tensor3D[];
        const grads = lstmBackward(dy, plan, spec, hard, stepAt, xT as tf.Tensor3D, kernelT as tf.Tensor3D, recT as tf.Tensor3D, C);
        return [grads.dx, tf.zerosLike(mask), grads.dKernel, grads.dRec, grads.dBias];
      });
    return { value, gradFunc };
  });
}

function lstmBackward(
  dy: tf.Tensor, plan: StepPlan, spec: LstmSpec, hard: boolean, stepAt: (i: number) => Step,
  xT: tf.Tensor3D, kernelT: tf.Tensor3D, recT: tf.Tensor3D, C: number,
): { dx: tf.Tensor; dKernel: tf.Tensor; dRec: tf.Tensor; dBias: tf.Tensor } {
  const { units: U, sequences } = spec;
  const { batch: B, time: T } = plan;
  const n = plan.steps.length;
  if (n === 0) {
    return { dx: tf.zeros([B, T, C]), dKernel: tf.zeros([C, 4 * U]), dRec: tf.zeros([U, 4 * U]), dBias: tf.zeros([4 * U]) };
  }
  const c = constants(B, U);
  const conditions = stepConditions(plan, U);
  const dyAt = sequences ? stepGradients(dy as tf.Tensor3D, plan) : null;

  let dh: tf.Tensor3D = sequences ? c.zero : k.reshape<tf.Tensor3D>(dy, [1, B, U]);
  let dc: tf.Tensor3D = c.zero;
  const dA: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  const hPrevs: tf.Tensor3D[] = new Array<tf.Tensor3D>(n);
  for (let j = n - 1; j >= 0; j--) {
    const s = stepAt(j);
    hPrevs[j] = s.hPrev;
    // One scope per step: only the state gradients and the gates' gradient outlive it.
    const kept = tf.tidy(() => {
      const gh = dyAt ? k.add(dh, dyAt(plan.steps[j] as number)) : dh;
      const cond = conditions[j];
      // Masked rows: output constant 0, both states carried.
      const ghn = cond ? k.select(cond, gh, c.zero) : gh;
      const dcn = cond ? k.select(cond, dc, c.zero) : dc;
      const dct = k.add(dcn, tanhGrad(k.mul(ghn, s.o), s.tc, c));
      const dai = activeGateGrad(k.mul(dct, s.g), s.i, hard, c);
      const daf = activeGateGrad(k.mul(dct, s.cPrev), s.f, hard, c);
      const dag = tanhGrad(k.mul(dct, s.i), s.g, c);
      const dao = activeGateGrad(k.mul(ghn, s.tc), s.o, hard, c);
      const dAj = k.concat([dai, daf, dag, dao], 2);
      const dhPrev = k.matMul(dAj, recT);
      const dcPrev = k.mul(dct, s.f);
      return [
        cond ? k.add(dhPrev, k.select(cond, c.zero, dh)) : dhPrev,
        cond ? k.add(dcPrev, k.select(cond, c.zero, dc)) : dcPrev,
        dAj,
      ];
    });
    [dh, dc, dA[j]] = kept as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  }
  const dAll = k.concat(dA, 1);
  // xᵀ carries a row of ones: the last row of xᵀ dA is the bias' gradient.
  const dKernelAndBias = k.matMul(xT, dAll);
  const dKernel = k.reshape(tf.slice(dKernelAndBias, [0, 0, 0], [1, C, 4 * U]), [C, 4 * U]);
  const dBias = k.reshape(tf.slice(dKernelAndBias, [0, C, 0], [1, 1, 4 * U]), [4 * U]);
  const dRec = k.reshape(k.matMul(k.transpose(k.concat(hPrevs, 1)), dAll), [U, 4 * U]);
  const dxRows = k.matMul(dAll, kernelT);
  const dx = tf.tensor3d(scatterRows(dxRows.dataSync(), plan, C), [B, T, C]);
  return { dx, dKernel, dRec, dBias };
}
