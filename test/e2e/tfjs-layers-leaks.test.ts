/**
 * MASKING.md section 1, row by row: the tfjs-layers construction (Masking(0)
 * as the mask source) and the equivalent seqnet model, same weights, same
 * padded data. The tfjs-layers result is wrong by the number the table says;
 * seqnet's equals the reference, which is the same tfjs-layers construction
 * run on the unpadded sequence (where there is nothing to leak).
 *
 * CPU backend: tfjs-layers' Conv1D cannot train on WASM (no
 * Conv2DBackpropFilter in tfjs 4.22), and both sides must share one engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiate } from '../../src/emit/instantiate.js';
import type { CompiledModel } from '../../src/runtime/index.js';
import { tf } from '../../src/runtime/tf.js';
import { compiled } from '../helpers/compile.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function seqnet(text: string): CompiledModel {
  return instantiate(compiled(text), { seed: 1 });
}

function weight(m: CompiledModel, name: string): tf.LayerVariable {
  const w = m.weights.find((v) => v.originalName === name);
  if (!w) throw new Error(`no weight ${name} in ${m.weights.map((v) => v.originalName).join(', ')}`);
  return w;
}

/** A tfjs-layers model `input -> Masking(0) -> ...layers`, for [B, T, features] inputs of any T. */
function layersModel(features: number, layers: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape: [null, features] });
  let h = tf.layers.masking({ maskValue: 0 }).apply(input) as tf.SymbolicTensor;
  for (const l of layers) h = l.apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h });
}

function run(model: tf.LayersModel, x: number[][][], training = false): number[][][] {
  return tf.tidy(() => (model.apply(tf.tensor3d(x), { training }) as tf.Tensor).arraySync() as number[][][]);
}

describe('tfjs-layers lets padding leak; seqnet does not (MASKING.md section 1)', () => {
  it('Dense(bias) -> Conv1D(k=3, same): the last real step reads the bias written at a padded step, 14 instead of 12', () => {
    // Every kernel and the dense bias are ones: a real step of the dense is 1 + 1 + 1 = 3 per unit,
    // a padded one is the bias, 1. The conv at the last real step sums 3 steps x 2 units.
    const dense = tf.layers.dense({ units: 2, kernelInitializer: 'ones', biasInitializer: 'ones' });
    const conv = tf.layers.conv1d({ filters: 1, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'ones' });
    const theirs = layersModel(2, [dense, conv]);
    const padded = [[[1, 1], [1, 1], [1, 1], [0, 0]]];
    const unpadded = [[[1, 1], [1, 1], [1, 1]]];

    const reference = run(theirs, unpadded)[0]!.map((s) => s[0]);
    expect(reference).toEqual([12, 18, 12]);
    const leaked = run(theirs, padded)[0]!.map((s) => s[0]);
    expect(leaked[2]).toBe(14);

    const ours = seqnet(`model DenseConv {
      input x: f32[B, T, 2] masked by zeros, padded post;
      h = dense(x, units: 2);
      c = conv1d(h, filters: 1, kernel: 3, bias: false);
      output c;
    }`);
    for (const name of ['h/kernel', 'h/bias', 'c/kernel']) {
      const w = weight(ours, name);
      w.write(tf.onesLike(w.read()));
    }
    const out = ours.predict({ x: tf.tensor3d(padded) });
    const c = (out['c']!.arraySync() as number[][][])[0]!.map((s) => s[0]);
    expect(c).toEqual([12, 18, 12, 0]);
    expect(out['c_mask']!.arraySync()).toEqual([[1, 1, 1, 0]]);
    tf.dispose(Object.values(out));
  });

  it('BatchNormalization in training: tfjs-layers takes moments over padded steps too (mean 1.5, variance 1.25 instead of 2 and 2/3)', async () => {
    const padded = [[[1], [2], [3], [0]]];
    const unpadded = [[[1], [2], [3]]];
    // momentum 0: after one training step the moving statistics are exactly the batch moments.
    const refBn = tf.layers.batchNormalization({ momentum: 0 });
    const reference = run(layersModel(1, [refBn]), unpadded, true)[0]!.map((s) => s[0]!);
    const [, , refMean, refVar] = refBn.getWeights().map((w) => w.dataSync()[0]!);
    expect(refMean).toBeCloseTo(2, 6);
    expect(refVar).toBeCloseTo(2 / 3, 6);
    expect(reference[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3 + 1e-3), 5);

    const bn = tf.layers.batchNormalization({ momentum: 0 });
    const leaked = run(layersModel(1, [bn]), padded, true)[0]!.map((s) => s[0]!);
    const [, , mean, variance] = bn.getWeights().map((w) => w.dataSync()[0]!);
    expect(mean).toBeCloseTo(1.5, 6);
    expect(variance).toBeCloseTo(1.25, 6);
    expect(leaked[0]).toBeCloseTo(-0.5 / Math.sqrt(1.25 + 1e-3), 5);
    expect(Math.abs(leaked[0]! - reference[0]!)).toBeGreaterThan(0.7);

    const ours = seqnet(`model Norm {
      input x: f32[B, T, 1] masked by zeros, padded post;
      target y: f32[B, T, 1];
      h = batchnorm(x, momentum: 0);
      output h;
      loss mse(h, y);
    }`);
    const x = tf.tensor3d(padded);
    const out = ours.predict({ x }, { training: true });
    const h = (out['h']!.arraySync() as number[][][])[0]!.map((s) => s[0]!);
    for (let t = 0; t < 3; t++) expect(Math.abs(h[t]! - reference[t]!)).toBeLessThan(1e-5);
    expect(Math.abs(h[3]!)).toBe(0);
    tf.dispose(Object.values(out));
    // One training step that moves no trainable weight: the moving statistics are the real-step moments.
    ours.trainStep({ x }, { y: tf.zeros([1, 4, 1]) }, tf.train.sgd(0));
    expect(weight(ours, 'h/moving_mean').read().dataSync()[0]).toBeCloseTo(refMean, 5);
    expect(weight(ours, 'h/moving_variance').read().dataSync()[0]).toBeCloseTo(refVar, 5);
  });

  it('GlobalAveragePooling1D divides by T, ignoring the mask: 2 instead of 3', () => {
    const theirs = layersModel(1, [tf.layers.globalAveragePooling1d()]);
    const pool = (x: number[][][]) => tf.tidy(() => (theirs.predict(tf.tensor3d(x)) as tf.Tensor).dataSync()[0]);
    expect(pool([[[2], [4]]])).toBe(3);
    expect(pool([[[2], [4], [0]]])).toBe(2);

    const ours = seqnet(`model Pool {
      input x: f32[B, T, 1] masked by zeros, padded post;
      p = global_avgpool(x);
      output p;
    }`);
    const out = ours.predict({ x: tf.tensor3d([[[2], [4], [0]], [[3], [3], [3]]]) });
    expect(Array.from(out['p']!.dataSync())).toEqual([3, 3]);
    tf.dispose(Object.values(out));
  });

  it('GRU, return sequences: tfjs-layers repeats the last real output at padded steps; seqnet writes zeros', () => {
    const gru = tf.layers.gru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 5 }), recurrentInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 6 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 7 }) });
    const theirs = layersModel(2, [gru]);
    const unpadded = [[[0.5, -1], [1, 0.25]]];
    const padded = [[[0.5, -1], [1, 0.25], [0, 0], [0, 0]]];
    const reference = run(theirs, unpadded)[0]!;
    const leaked = run(theirs, padded)[0]!;
    // Real steps are right; each padded step holds the last real output, not 0.
    for (let t = 0; t < 2; t++) leaked[t]!.forEach((v, j) => expect(Math.abs(v - reference[t]![j]!)).toBeLessThan(1e-6));
    expect(leaked[2]).toEqual(leaked[1]);
    expect(leaked[3]).toEqual(leaked[1]);
    expect(Math.max(...leaked[3]!.map(Math.abs))).toBeGreaterThan(0.05);

    const ours = seqnet(`model Rnn {
      input x: f32[B, T, 2] masked by zeros, padded post;
      r = gru(x, units: 3, reset_after: false);
      output r;
    }`);
    // Same layout as tfjs-layers' GRU (kernel, recurrent_kernel, bias; gates z, r, h).
    const [k, rk, b] = gru.getWeights();
    weight(ours, 'r/kernel').write(k!);
    weight(ours, 'r/recurrent_kernel').write(rk!);
    weight(ours, 'r/bias').write(b!);
    const out = ours.predict({ x: tf.tensor3d(padded) });
    const r = (out['r']!.arraySync() as number[][][])[0]!;
    for (let t = 0; t < 2; t++) r[t]!.forEach((v, j) => expect(Math.abs(v - reference[t]![j]!)).toBeLessThan(1e-5));
    expect(r[2]).toEqual([0, 0, 0]);
    expect(r[3]).toEqual([0, 0, 0]);
    tf.dispose(Object.values(out));
  });

  it('loss in model.fit / model.evaluate: tfjs-layers averages over every step, padded ones included', async () => {
    const kernel = tf.tensor2d([[0.5, -0.25, 1], [-1, 0.75, 0.5]]);
    const bias = tf.tensor1d([0.1, -0.2, 0.3]);
    const make = () => {
      const dense = tf.layers.dense({ units: 3, activation: 'softmax' });
      const m = layersModel(2, [dense]);
      dense.setWeights([kernel, bias]);
      m.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
      return { m, dense };
    };
    const xs = [[0.5, 1], [1, -2]];
    const ys = [1, 2];
    const padded = tf.tensor3d([[...xs, [0, 0], [0, 0]]]);
    const paddedY = tf.tensor3d([[[ys[0]!], [ys[1]!], [0], [0]]]);
    const unpadded = tf.tensor3d([xs]);
    const unpaddedY = tf.tensor3d([ys.map((y) => [y])]);

    // Reference: the mean cross-entropy over the 2 real steps. A padded step holds softmax(bias) and
    // target 0, so tfjs-layers adds -log softmax(bias)[0] for each.
    const ref = make().m;
    const refLoss = (ref.evaluate(unpadded, unpaddedY) as tf.Scalar).dataSync()[0]!;
    const leak = make().m;
    const leakLoss = (leak.evaluate(padded, paddedY) as tf.Scalar).dataSync()[0]!;
    const b = bias.arraySync();
    const padTerm = Math.log(b.reduce((sum, v) => sum + Math.exp(v), 0)) - b[0]!;
    expect(leakLoss).toBeCloseTo((2 * refLoss + 2 * padTerm) / 4, 5);
    expect(Math.abs(leakLoss - refLoss)).toBeGreaterThan(0.05);

    // One fit step: tfjs-layers reports the all-steps loss and follows its gradient.
    const refFit = make();
    const refHist = await refFit.m.fit(unpadded, unpaddedY, { epochs: 1, verbose: 0, shuffle: false });
    const leakFit = make();
    const leakHist = await leakFit.m.fit(padded, paddedY, { epochs: 1, verbose: 0, shuffle: false });
    expect(refHist.history['loss']![0]).toBeCloseTo(refLoss, 5);
    expect(leakHist.history['loss']![0]).toBeCloseTo(leakLoss, 5);
    const refW = refFit.dense.getWeights()[0]!.dataSync();
    const leakW = leakFit.dense.getWeights()[0]!.dataSync();
    const gap = Math.max(...Array.from(refW, (v, i) => Math.abs(v - leakW[i]!)));
    expect(gap).toBeGreaterThan(0.01);

    const ours = seqnet(`model Tag {
      input x: f32[B, T, 2] masked by zeros, padded post;
      target y: i32[B, T];
      logits = dense(x, units: 3);
      output logits;
      loss crossentropy(logits, y, from_logits: true);
    }`);
    weight(ours, 'logits/kernel').write(kernel);
    weight(ours, 'logits/bias').write(bias);
    const y = tf.tensor2d([[ys[0]!, ys[1]!, 0, 0]], undefined, 'int32');
    expect(ours.loss({ x: padded }, { y }).dataSync()[0]).toBeCloseTo(refLoss, 5);
    const evaluated = await ours.evaluate([{ x: xs, y: ys }, { x: [[2, 1]], y: [0] }]);
    const third = tf.tidy(() => (ref.evaluate(tf.tensor3d([[[2, 1]]]), tf.tensor3d([[[0]]])) as tf.Scalar).dataSync()[0]!);
    expect(evaluated.loss).toBeCloseTo((2 * refLoss + third) / 3, 5);
    // The same step with seqnet: the weights land where the unpadded step put them.
    const step = ours.trainStep({ x: padded }, { y }, tf.train.sgd(0.5));
    expect(step).toBeCloseTo(refLoss, 5);
    const ourW = weight(ours, 'logits/kernel').read().dataSync();
    ourW.forEach((v, i) => expect(Math.abs(v - refW[i]!)).toBeLessThan(1e-5));
  });
});
