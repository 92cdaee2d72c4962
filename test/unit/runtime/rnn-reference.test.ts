/**
 * The masked GRU/LSTM layers against independent references, with no
 * padding: tfjs-layers' own GRU (reset_after false) and LSTM with the same
 * weights, and a plain-ops transcription of Keras 3's reset_after GRU.
 * Outputs and gradients (every weight and the input), both directions,
 * sequences and final state, on the CPU and WASM backends.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { MaskedGRU, MaskedLSTM } from '../../../src/runtime/layers/rnn.js';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);

const B = 3;
const T = 6;
const C = 4;
const U = 5;

function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.mul(tf.randomUniform(shape, -1, 1, 'float32', seed), scale);
}

function expectClose(actual: tf.Tensor, expected: tf.Tensor, tol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let maxRef = 0;
  for (const v of e) maxRef = Math.max(maxRef, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (e[i] as number)));
  // 1e-5, relative to the scale of the reference when it exceeds 1.
  expect(worst).toBeLessThanOrEqual(tol * Math.max(1, maxRef));
}

/** Output and gradients of sum(out * probe) w.r.t. [x, ...weights]. */
function outputAndGrads(
  run: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, weights: tf.Variable[], probeSeed: number,
): { out: tf.Tensor; grads: tf.Tensor[] } {
  const xv = tf.variable(x);
  const out = run(xv);
  const probe = rand(out.shape, probeSeed);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(run(xv), probe)) as tf.Scalar, [xv, ...weights]);
  return { out, grads: [grads[xv.name] as tf.Tensor, ...weights.map((w) => grads[w.name] as tf.Tensor)] };
}

function ours(layer: tf.layers.Layer, mask: tf.Tensor) {
  return (x: tf.Tensor) => layer.apply([x, mask]) as tf.Tensor;
}

function weightsOf(layer: tf.layers.Layer): tf.Variable[] {
  return layer.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Keras 3 reset_after GRU, one direction, from the equations. */
function kerasGruReference(x: tf.Tensor3D, kernel: tf.Tensor2D, rec: tf.Tensor2D, bias: tf.Tensor2D, backwards: boolean, sequences: boolean, hard: boolean): tf.Tensor {
  const ra = (a: tf.Tensor) => (hard ? tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1) : tf.sigmoid(a));
  const [bIn, bRec] = tf.unstack(bias) as [tf.Tensor1D, tf.Tensor1D];
  let h: tf.Tensor = tf.zeros([x.shape[0], U]);
  const outs: tf.Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = backwards ? T - 1 - s : s;
    const xt = tf.squeeze(tf.slice(x, [0, t, 0], [-1, 1, -1]), [1]);
    const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, kernel), bIn), 3, 1);
    const [iz, ir, ih] = tf.split(tf.add(tf.matMul(h, rec), bRec), 3, 1);
    const z = ra(tf.add(xz!, iz!));
    const r = ra(tf.add(xr!, ir!));
    const hh = tf.tanh(tf.add(xh!, tf.mul(r, ih!)));
    h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    outs[t] = h;
  }
  return sequences ? tf.stack(outs, 1) : h;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`reference equivalence on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    it('really runs on the requested backend', () => {
      expect(tf.getBackend()).toBe(backend);
    });

    const x = () => rand([B, T, C], 11) as tf.Tensor3D;
    const ones = () => tf.ones([B, T]);

    for (const goBackwards of [false, true]) {
      for (const sequences of [true, false]) {
        const label = `${goBackwards ? 'backward' : 'forward'}, ${sequences ? 'sequences' : 'final state'}`;

        it(`GRU reset_after false + hard_sigmoid = tfjs-layers GRU (${label})`, () => {
          tf.tidy(() => {
            const mine = new MaskedGRU({
              units: U, sequences, direction: goBackwards ? 'backward' : 'forward',
              recurrentActivation: 'hard_sigmoid', resetAfter: false, seed: 3,
            });
            const theirs = tf.layers.gru({
              units: U, returnSequences: sequences, goBackwards, recurrentActivation: 'hardSigmoid',
              recurrentInitializer: 'glorotUniform',
            });
            mine.apply([x(), ones()]);
            theirs.apply(x());
            theirs.setWeights(mine.getWeights());
            const a = outputAndGrads(ours(mine, ones()), x(), weightsOf(mine), 5);
            // tfjs-layers returns a backward sequence in processing order; ours stays aligned with the input.
            const b = outputAndGrads(
              (xx) => {
                const y = theirs.apply(xx) as tf.Tensor;
                return goBackwards && sequences ? tf.reverse(y, 1) : y;
              },
              x(), weightsOf(theirs), 5,
            );
            expectClose(a.out, b.out);
            a.grads.forEach((g, i) => expectClose(g, b.grads[i] as tf.Tensor));
          });
        });

        for (const activation of ['sigmoid', 'hard_sigmoid'] as const) {
          it(`GRU reset_after true (${activation}) = Keras 3 equations (${label})`, () => {
            tf.tidy(() => {
              const mine = new MaskedGRU({ units: U, sequences, direction: goBackwards ? 'backward' : 'forward', recurrentActivation: activation, seed: 7 });
              mine.apply([x(), ones()]);
              // Non-zero biases in both rows, so the input/recurrent split is exercised.
              const [k, r] = mine.getWeights();
              mine.setWeights([k!, r!, rand([2, 3 * U], 9, 0.5)]);
              const [kv, rv, bv] = weightsOf(mine);
              const a = outputAndGrads(ours(mine, ones()), x(), [kv!, rv!, bv!], 8);
              const b = outputAndGrads(
                (xx) => kerasGruReference(xx as tf.Tensor3D, kv as tf.Tensor2D, rv as tf.Tensor2D, bv as tf.Tensor2D, goBackwards, sequences, activation === 'hard_sigmoid'),
                x(), [kv!, rv!, bv!], 8,
              );
              expectClose(a.out, b.out);
              a.grads.forEach((g, i) => expectClose(g, b.grads[i] as tf.Tensor));
            });
          });

          it(`LSTM (${activation}) = tfjs-layers LSTM (${label})`, () => {
            tf.tidy(() => {
              const mine = new MaskedLSTM({ units: U, sequences, direction: goBackwards ? 'backward' : 'forward', recurrentActivation: activation, seed: 12 });
              const theirs = tf.layers.lstm({
                units: U, returnSequences: sequences, goBackwards,
                recurrentActivation: activation === 'sigmoid' ? 'sigmoid' : 'hardSigmoid', recurrentInitializer: 'glorotUniform',
              });
              mine.apply([x(), ones()]);
              theirs.apply(x());
              const [k, r] = mine.getWeights();
              mine.setWeights([k!, r!, rand([4 * U], 13, 0.5)]);
              theirs.setWeights(mine.getWeights());
              const a = outputAndGrads(ours(mine, ones()), x(), weightsOf(mine), 14);
              const b = outputAndGrads(
                (xx) => {
                  const y = theirs.apply(xx) as tf.Tensor;
                  return goBackwards && sequences ? tf.reverse(y, 1) : y;
                },
                x(), weightsOf(theirs), 14,
              );
              expectClose(a.out, b.out);
              a.grads.forEach((g, i) => expectClose(g, b.grads[i] as tf.Tensor));
            });
          });
        }
      }
    }

    it('direction both concatenates forward and backward, with the Keras names', () => {
      tf.tidy(() => {
        const both = new MaskedGRU({ name: 'enc', units: U, direction: 'both', seed: 1 });
        const out = both.apply([x(), ones()]) as tf.Tensor;
        expect(out.shape).toEqual([B, T, 2 * U]);
        expect(both.weights.map((w) => w.originalName)).toEqual([
          'enc/forward/kernel', 'enc/forward/recurrent_kernel', 'enc/forward/bias',
          'enc/backward/kernel', 'enc/backward/recurrent_kernel', 'enc/backward/bias',
        ]);
        const [fk, fr, fb, bk, br, bb] = both.getWeights();
        const fwd = new MaskedGRU({ units: U, seed: 2 });
        const bwd = new MaskedGRU({ units: U, direction: 'backward', seed: 2 });
        fwd.apply([x(), ones()]);
        bwd.apply([x(), ones()]);
        fwd.setWeights([fk!, fr!, fb!]);
        bwd.setWeights([bk!, br!, bb!]);
        expectClose(out, tf.concat([fwd.apply([x(), ones()]) as tf.Tensor, bwd.apply([x(), ones()]) as tf.Tensor], 2));
      });
    });
  });
}
