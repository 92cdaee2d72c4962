/**
 * Masking properties of the gru/lstm layers (MASKING.md R1-R4), on the CPU
 * and WASM backends: per-sequence equivalence for post, pre and holes rows,
 * exact zeros at padded steps, final state per direction, empty rows, no
 * NaN/Inf from whatever padded steps hold, padding invariance of outputs and
 * gradients, and the hand-written BPTT against the tape's gradients.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { MaskedGRU, MaskedLSTM, type Direction, type MaskedGRUArgs } from '../../../src/runtime/layers/rnn.js';
import { layerFactory } from '../../../src/runtime/layers/registry.js';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);

const T = 7;
const C = 3;
const U = 4;
/** Real steps per row: post (full, short), pre, holes, empty. */
const ROWS: number[][] = [[0, 1, 2, 3, 4, 5, 6], [0, 1, 2], [3, 4, 5, 6], [0, 2, 3, 6], []];
const B = ROWS.length;

interface Config {
  label: string;
  make: (args: Omit<MaskedGRUArgs, 'units'>) => tf.layers.Layer;
}
const CONFIGS: Config[] = [
  { label: 'gru reset_after sigmoid', make: (a) => new MaskedGRU({ units: U, ...a }) },
  { label: 'gru tfjs form (reset_after false, hard_sigmoid)', make: (a) => new MaskedGRU({ units: U, resetAfter: false, recurrentActivation: 'hard_sigmoid', ...a }) },
  { label: 'gru reset_after hard_sigmoid', make: (a) => new MaskedGRU({ units: U, recurrentActivation: 'hard_sigmoid', ...a }) },
  { label: 'lstm sigmoid', make: (a) => new MaskedLSTM({ units: U, ...a }) },
  { label: 'lstm hard_sigmoid', make: (a) => new MaskedLSTM({ units: U, recurrentActivation: 'hard_sigmoid', ...a }) },
];
const DIRECTIONS: Direction[] = ['forward', 'backward', 'both'];

function maskTensor(rows: number[][], time = T): tf.Tensor2D {
  const m = new Float32Array(rows.length * time);
  rows.forEach((real, b) => real.forEach((t) => (m[b * time + t] = 1)));
  return tf.tensor2d(m, [rows.length, time]);
}

/** Random features at real steps, `pad` elsewhere. */
function features(rows: number[][], pad: number, seed: number, time = T): tf.Tensor3D {
  return tf.tidy(() => {
    const x = tf.randomUniform([rows.length, time, C], -2, 2, 'float32', seed);
    const m = tf.expandDims(maskTensor(rows, time), 2);
    return tf.where(tf.greater(m, 0), x, tf.fill(x.shape, pad)) as tf.Tensor3D;
  });
}

/** A layer built with random non-zero biases, so that pads would show if they leaked. */
function built(config: Config, direction: Direction, sequences: boolean, extra: Partial<MaskedGRUArgs> = {}): tf.layers.Layer {
  const layer = config.make({ direction, sequences, seed: 5, ...extra });
  layer.apply([features(ROWS, 0, 1), maskTensor(ROWS)]);
  layer.setWeights(layer.getWeights().map((w, i) => (i % 3 === 2 ? tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 20 + i) : w)));
  return layer;
}

function copyOf(config: Config, layer: tf.layers.Layer, direction: Direction, sequences: boolean, extra: Partial<MaskedGRUArgs> = {}): tf.layers.Layer {
  const twin = config.make({ direction, sequences, seed: 5, ...extra });
  twin.apply([features(ROWS, 0, 1), maskTensor(ROWS)]);
  twin.setWeights(layer.getWeights());
  return twin;
}

function run(layer: tf.layers.Layer, x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return layer.apply([x, mask]) as tf.Tensor;
}

/** Gradients of sum(out * probe) w.r.t. x and every weight. */
function grads(layer: tf.layers.Layer, x: tf.Tensor, mask: tf.Tensor, probe: tf.Tensor): tf.Tensor[] {
  const xv = tf.variable(x);
  const ws = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(run(layer, xv, mask), probe)) as tf.Scalar, [xv, ...ws]);
  const out = [xv, ...ws].map((v) => g[v.name] as tf.Tensor);
  xv.dispose();
  return out;
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return worst;
}

function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): void {
  const scale = Math.max(1, ...Array.from(b.dataSync(), Math.abs));
  expect(maxDiff(a, b)).toBeLessThanOrEqual(tol * scale);
}

function allFinite(t: tf.Tensor): boolean {
  return t.dataSync().every((v) => Number.isFinite(v));
}

/** Output rows of `out` ([B, T, F]) at step t. */
function at(out: tf.Tensor, b: number, t: number): tf.Tensor {
  return tf.slice(out, [b, t, 0], [1, 1, -1]).reshape([-1]);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`masked recurrences on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    it('really runs on the requested backend', () => {
      expect(tf.getBackend()).toBe(backend);
    });

    for (const config of CONFIGS) {
      describe(config.label, () => {
        for (const direction of DIRECTIONS) {
          it(`${direction}: each row equals itself run alone and unpadded (R1), padded outputs are exactly 0 (R3)`, () => {
            tf.tidy(() => {
              const layer = built(config, direction, true);
              const final = copyOf(config, layer, direction, false);
              const x = features(ROWS, 0.75, 2);
              const out = run(layer, x, maskTensor(ROWS));
              const last = run(final, x, maskTensor(ROWS));
              const width = direction === 'both' ? 2 * U : U;
              expect(out.shape).toEqual([B, T, width]);
              expect(last.shape).toEqual([B, width]);
              const values = out.arraySync() as number[][][];
              ROWS.forEach((real, b) => {
                for (let t = 0; t < T; t++) if (!real.includes(t)) expect(values[b]![t]!.every((v) => v === 0)).toBe(true);
                if (real.length === 0) {
                  // The initial state, exactly.
                  expect(Array.from(tf.slice(last, [b, 0], [1, -1]).dataSync()).every((v) => v === 0)).toBe(true);
                  return;
                }
                const alone = tf.stack(real.map((t) => tf.slice(x, [b, t, 0], [1, 1, -1]).reshape([C])), 0).expandDims(0);
                const aloneOut = run(layer, alone, tf.ones([1, real.length]));
                real.forEach((t, j) => expectClose(at(out, b, t), at(aloneOut, 0, j)));
                expectClose(tf.slice(last, [b, 0], [1, -1]), run(final, alone, tf.ones([1, real.length])));
              });
            });
          });

          it(`${direction}: the final state is the output at the last (forward) or first (backward) real step`, () => {
            tf.tidy(() => {
              const layer = built(config, direction, true);
              const final = copyOf(config, layer, direction, false);
              const x = features(ROWS, 0, 3);
              const out = run(layer, x, maskTensor(ROWS));
              const last = run(final, x, maskTensor(ROWS));
              ROWS.forEach((real, b) => {
                if (real.length === 0) return;
                const first = real[0] as number;
                const end = real[real.length - 1] as number;
                const expected = direction === 'forward' ? at(out, b, end)
                  : direction === 'backward' ? at(out, b, first)
                    : tf.concat([tf.slice(at(out, b, end), [0], [U]), tf.slice(at(out, b, first), [U], [U])]);
                expectClose(tf.slice(last, [b, 0], [1, -1]).reshape([-1]), expected);
              });
            });
          });
        }

        for (const sequences of [true, false]) {
          const kind = sequences ? 'sequences' : 'final state';
          it(`${kind}: pads of 1e30, NaN or Inf change neither outputs nor gradients, and never leak NaN (R2, R4)`, () => {
            tf.tidy(() => {
              const layer = built(config, 'both', sequences);
              const mask = maskTensor(ROWS);
              const clean = features(ROWS, 0, 4);
              const probe = tf.randomUniform(run(layer, clean, mask).shape, -1, 1, 'float32', 9);
              const ref = run(layer, clean, mask);
              const refGrads = grads(layer, clean, mask, probe);
              for (const pad of [1e30, -1e30, Number.NaN, Number.POSITIVE_INFINITY]) {
                const dirty = features(ROWS, pad, 4);
                const out = run(layer, dirty, mask);
                expect(allFinite(out)).toBe(true);
                expect(maxDiff(out, ref)).toBe(0);
                const g = grads(layer, dirty, mask, probe);
                g.forEach((gi, i) => {
                  expect(allFinite(gi)).toBe(true);
                  expectClose(gi, refGrads[i] as tf.Tensor);
                });
                // No gradient reaches a padded input.
                const gx = (g[0] as tf.Tensor).arraySync() as number[][][];
                ROWS.forEach((real, b) => {
                  for (let t = 0; t < T; t++) if (!real.includes(t)) expect(gx[b]![t]!.every((v) => v === 0)).toBe(true);
                });
              }
            });
          });

          it(`${kind}: appending padded steps changes no real output and no weight gradient (R2)`, () => {
            tf.tidy(() => {
              const layer = built(config, 'both', sequences);
              const x = features(ROWS, 0, 5);
              const longer = tf.concat([x, tf.fill([B, 3, C], 0.5)], 1);
              const mask = maskTensor(ROWS);
              const longMask = maskTensor(ROWS, T + 3);
              const out = run(layer, x, mask);
              const longOut = run(layer, longer, longMask);
              const probe = tf.randomUniform(out.shape, -1, 1, 'float32', 10);
              const longProbe = sequences ? tf.concat([probe, tf.randomUniform([B, 3, 2 * U], -1, 1, 'float32', 11)], 1) : probe;
              expectClose(sequences ? tf.slice(longOut, [0, 0, 0], [B, T, -1]) : longOut, out);
              if (sequences) expect(tf.slice(longOut, [0, T, 0], [B, 3, -1]).dataSync().every((v) => v === 0)).toBe(true);
              const g = grads(layer, x, mask, probe);
              const gl = grads(layer, longer, longMask, longProbe);
              g.slice(1).forEach((gi, i) => expectClose(gl[i + 1] as tf.Tensor, gi));
              expectClose(tf.slice(gl[0] as tf.Tensor, [0, 0, 0], [B, T, C]), g[0] as tf.Tensor);
            });
          });

          it(`${kind}: the hand-written BPTT gives the tape's gradients`, () => {
            tf.tidy(() => {
              for (const direction of DIRECTIONS) {
                const layer = built(config, direction, sequences);
                const tape = copyOf(config, layer, direction, sequences, { implementation: 'tape' });
                const x = features(ROWS, 0.3, 6);
                const mask = maskTensor(ROWS);
                expectClose(run(layer, x, mask), run(tape, x, mask));
                const probe = tf.randomUniform(run(layer, x, mask).shape, -1, 1, 'float32', 12);
                const a = grads(layer, x, mask, probe);
                const b = grads(tape, x, mask, probe);
                a.forEach((g, i) => expectClose(g, b[i] as tf.Tensor));
              }
            });
          });
        }
      });
    }

    it('a batch with no real step at all gives zeros and zero, finite gradients', () => {
      tf.tidy(() => {
        for (const config of CONFIGS) {
          for (const sequences of [true, false]) {
            const layer = built(config, 'both', sequences);
            const none = ROWS.map(() => []);
            const x = features(none, Number.NaN, 7);
            const mask = maskTensor(none);
            const out = run(layer, x, mask);
            expect(out.dataSync().every((v) => v === 0)).toBe(true);
            const g = grads(layer, x, mask, tf.onesLike(out));
            g.forEach((gi) => expect(gi.dataSync().every((v) => v === 0)).toBe(true));
          }
        }
      });
    });

    it('a sequence with no step at all (T = 0) gives an empty sequence or the initial state', () => {
      tf.tidy(() => {
        for (const config of CONFIGS) {
          for (const implementation of ['bptt', 'tape'] as const) {
            for (const sequences of [true, false]) {
              const layer = built(config, 'both', sequences, { implementation });
              const x = tf.zeros([2, 0, C]);
              const mask = tf.zeros([2, 0]);
              const out = run(layer, x, mask);
              expect(out.shape).toEqual(sequences ? [2, 0, 2 * U] : [2, 2 * U]);
              expect(out.dataSync().every((v) => v === 0)).toBe(true);
              // The tape has nothing to differentiate then (no op connects the weights).
              if (implementation === 'tape') continue;
              const g = grads(layer, x, mask, tf.onesLike(out));
              expect(g[0]!.shape).toEqual([2, 0, C]);
              g.slice(1).forEach((gi) => expect(gi.dataSync().every((v) => v === 0)).toBe(true));
            }
          }
        }
      });
    });

    it('a bool mask works like a float one', () => {
      tf.tidy(() => {
        const layer = built(CONFIGS[0] as Config, 'both', true);
        const x = features(ROWS, 0, 8);
        expect(maxDiff(run(layer, x, tf.cast(maskTensor(ROWS), 'bool')), run(layer, x, maskTensor(ROWS)))).toBe(0);
      });
    });

    it('leaks no tensor in inference or in a training step', () => {
      const layer = built(CONFIGS[0] as Config, 'both', true);
      const lstm = built(CONFIGS[3] as Config, 'both', false);
      const x = features(ROWS, 0, 8);
      const mask = maskTensor(ROWS);
      const opt = tf.train.sgd(0.01);
      const step = () => {
        tf.tidy(() => {
          run(layer, x, mask);
          run(lstm, x, mask);
        });
        tf.tidy(() => {
          opt.minimize(() => tf.add(tf.sum(run(layer, x, mask)), tf.sum(run(lstm, x, mask))) as tf.Scalar);
        });
      };
      step();
      const before = tf.memory().numTensors;
      step();
      step();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('weights, initialisation and registration', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('initial weights are deterministic in the seed, Glorot/orthogonal/zero, forget bias 1', () => {
    tf.tidy(() => {
      const make = (seed: number, name: string) => {
        const l = new MaskedLSTM({ name, units: 8, seed });
        l.apply([tf.zeros([1, 2, 6]), tf.ones([1, 2])]);
        return l.getWeights();
      };
      const a = make(1, 'enc');
      const b = make(1, 'other');
      const c = make(2, 'enc');
      a.forEach((w, i) => expect(maxDiff(w, b[i] as tf.Tensor)).toBe(0));
      expect(maxDiff(a[0] as tf.Tensor, c[0] as tf.Tensor)).toBeGreaterThan(0);
      const [kernel, rec, bias] = a as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const limit = Math.sqrt(6 / (6 + 32));
      expect(kernel.dataSync().every((v) => Math.abs(v) <= limit)).toBe(true);
      // [U, 4U] with orthonormal rows.
      expectClose(tf.matMul(rec, rec, false, true), tf.eye(8));
      expect(Array.from(bias.dataSync())).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(16).fill(0)]);
    });
  });

  it('the registry builds gru and lstm from resolved parameters, with Keras weight names', () => {
    tf.tidy(() => {
      const gru = layerFactory('gru')!('enc', { units: 3, sequences: false, direction: 'both', recurrent_activation: 'hard_sigmoid', reset_after: true });
      const out = gru.apply([tf.zeros([2, 4, 5]), tf.ones([2, 4])]) as tf.Tensor;
      expect(out.shape).toEqual([2, 6]);
      expect(gru.weights.map((w) => [w.originalName, w.shape])).toEqual([
        ['enc/forward/kernel', [5, 9]], ['enc/forward/recurrent_kernel', [3, 9]], ['enc/forward/bias', [2, 9]],
        ['enc/backward/kernel', [5, 9]], ['enc/backward/recurrent_kernel', [3, 9]], ['enc/backward/bias', [2, 9]],
      ]);
      const lstm = layerFactory('lstm')!('dec', { units: 2, sequences: true, direction: 'backward', recurrent_activation: 'sigmoid' });
      expect((lstm.apply([tf.zeros([2, 4, 5]), tf.ones([2, 4])]) as tf.Tensor).shape).toEqual([2, 4, 2]);
      expect(lstm.weights.map((w) => [w.originalName, w.shape])).toEqual([['dec/kernel', [5, 8]], ['dec/recurrent_kernel', [2, 8]], ['dec/bias', [8]]]);
      const plain = layerFactory('gru')!('g', { units: 3, sequences: true, direction: 'forward', recurrent_activation: 'sigmoid', reset_after: false });
      plain.apply([tf.zeros([1, 2, 5]), tf.ones([1, 2])]);
      expect(plain.weights.map((w) => w.shape)).toEqual([[5, 9], [3, 9], [9]]);
    });
  });

  it('rejects an unknown direction or recurrent activation', () => {
    expect(() => layerFactory('gru')!('g', { units: 2, sequences: true, direction: 'sideways', recurrent_activation: 'sigmoid', reset_after: true }))
      .toThrow(/direction must be forward, backward or both, got sideways/);
    expect(() => layerFactory('lstm')!('l', { units: 2, sequences: true, direction: 'forward', recurrent_activation: 'relu' }))
      .toThrow(/recurrent activation must be sigmoid or hard_sigmoid, got relu/);
  });

  it('works in a symbolic model and survives a JSON round trip', async () => {
    const x = tf.input({ shape: [null, 5] });
    const m = tf.input({ shape: [null] });
    const gru = new MaskedGRU({ name: 'enc', units: 3, direction: 'both', seed: 9, recurrentActivation: 'hard_sigmoid' });
    const y = gru.apply([x, m]) as tf.SymbolicTensor;
    expect(y.shape).toEqual([null, null, 6]);
    const model = tf.model({ inputs: [x, m], outputs: y });
    const copy = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    copy.setWeights(model.getWeights());
    const xs = features(ROWS, 0, 3).slice([0, 0, 0], [B, T, C]).pad([[0, 0], [0, 0], [0, 2]]);
    const ms = maskTensor(ROWS);
    expect(maxDiff(copy.predict([xs, ms]) as tf.Tensor, model.predict([xs, ms]) as tf.Tensor)).toBe(0);
    const layer = copy.getLayer('enc') as MaskedGRU;
    expect(layer).toBeInstanceOf(MaskedGRU);
    expect([layer.direction, layer.recurrentActivation, layer.resetAfter, layer.units]).toEqual(['both', 'hard_sigmoid', true, 3]);
  });
});
