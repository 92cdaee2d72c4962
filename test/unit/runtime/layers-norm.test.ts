import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { SeqnetBatchNorm, SeqnetLayerNorm } from '../../../src/runtime/layers/norm.js';
import { layerFactory } from '../../../src/runtime/layers/registry.js';
import {
  BACKENDS,
  expectAllFinite,
  expectClose,
  fillPadded,
  gradsOf,
  postMask,
  randn,
  trainableVars,
  useBackend,
} from './layers-helpers.js';

/** gamma, beta, moving_mean, moving_variance with non-trivial values. */
function bnWeights(c: number, seed: number): tf.Tensor[] {
  return [randn([c], seed), randn([c], seed + 1), randn([c], seed + 2), tf.abs(randn([c], seed + 3)).add(0.5)];
}

/** The real steps of a post-padded batch, concatenated into one unpadded `[1, N, C]` row. */
function realSteps(x: tf.Tensor, lengths: number[]): tf.Tensor {
  const parts = lengths.flatMap((n, b) => (n > 0 ? [tf.slice(x, [b, 0, 0], [1, n, x.shape[2]!])] : []));
  return tf.concat(parts, 1);
}

describe.each(BACKENDS)('normalization layers on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('layernorm matches tfjs LayerNormalization on [B, C] and [B, T, C], values and gradients', () => {
    for (const shape of [
      [4, 6],
      [2, 3, 6],
    ]) {
      const x = randn(shape, 1, 3);
      const theirs = tf.layers.layerNormalization({ epsilon: 1e-3 });
      theirs.apply(x);
      theirs.setWeights([randn([6], 2), randn([6], 3)]);
      const mine = new SeqnetLayerNorm({ epsilon: 1e-3 });
      mine.apply(x);
      mine.setWeights(theirs.getWeights());
      expect(mine.weights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'beta']);
      const y = mine.apply(x) as tf.Tensor;
      expectClose(y, theirs.apply(x) as tf.Tensor);
      const r = randn(shape, 4);
      const mg = gradsOf(() => mine.apply(x) as tf.Tensor, r, trainableVars(mine));
      const tg = gradsOf(() => theirs.apply(x) as tf.Tensor, r, trainableVars(theirs));
      mg.forEach((g, i) => expectClose(g, tg[i]!));
      const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mine.apply(xx) as tf.Tensor, r)))(x);
      const tx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(theirs.apply(xx) as tf.Tensor, r)))(x);
      expectClose(dx, tx, 1e-5, 1e-4);
    }
  });

  it('batchnorm inference matches tfjs BatchNormalization given the same four weights', () => {
    for (const shape of [
      [5, 4],
      [2, 3, 4],
    ]) {
      const x = randn(shape, 5, 2);
      const theirs = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
      theirs.apply(x);
      theirs.setWeights(bnWeights(4, 6));
      const mine = new SeqnetBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
      mine.apply(x);
      mine.setWeights(theirs.getWeights());
      expect(mine.weights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
      expect(mine.trainableWeights.length).toBe(2);
      const y = mine.apply(x) as tf.Tensor;
      expectClose(y, theirs.apply(x) as tf.Tensor);
      const r = randn(shape, 7);
      const mg = gradsOf(() => mine.apply(x) as tf.Tensor, r, trainableVars(mine));
      const tg = gradsOf(() => theirs.apply(x) as tf.Tensor, r, trainableVars(theirs));
      mg.forEach((g, i) => expectClose(g, tg[i]!));
    }
  });

  it('batchnorm training on an unpadded batch matches tfjs: outputs, gradients, moving statistics', () => {
    for (const shape of [
      [6, 4],
      [2, 5, 4],
    ]) {
      const x = randn(shape, 8, 2).add(1);
      const theirs = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
      theirs.apply(x);
      theirs.setWeights(bnWeights(4, 9));
      const mine = new SeqnetBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
      mine.apply(x);
      mine.setWeights(theirs.getWeights());
      const args = shape.length === 3 ? [x, tf.ones([2, 5])] : x;
      const y = mine.apply(args, { training: true }) as tf.Tensor;
      expectClose(y, theirs.apply(x, { training: true }) as tf.Tensor);
      expectClose(mine.getWeights()[2]!, theirs.getWeights()[2]!);
      expectClose(mine.getWeights()[3]!, theirs.getWeights()[3]!);
      const r = randn(shape, 10);
      const mg = gradsOf(() => mine.apply(args, { training: true, updateStats: false }) as tf.Tensor, r, trainableVars(mine));
      const tg = gradsOf(() => theirs.apply(x, { training: true }) as tf.Tensor, r, trainableVars(theirs));
      mg.forEach((g, i) => expectClose(g, tg[i]!));
      // The gradient flows through the batch moments (it would not with the moments held constant).
      const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mine.apply(shape.length === 3 ? [xx, tf.ones([2, 5])] : xx, { training: true, updateStats: false }) as tf.Tensor, r)))(x);
      const tx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(theirs.apply(xx, { training: true }) as tf.Tensor, r)))(x);
      expectClose(dx, tx, 1e-5, 1e-4);
    }
  });

  it('batchnorm training takes moments over real steps only, whatever the padding holds', () => {
    const lengths = [5, 2, 0, 3];
    const steps = 6;
    const mask = postMask(lengths, steps);
    const clean = fillPadded(randn([4, steps, 3], 11, 2).add(3), mask, 0);
    const dirty = fillPadded(clean, mask, 1e3);
    const compressed = realSteps(clean, lengths);
    const init = bnWeights(3, 12);

    // Hand computation over the 10 real steps.
    const rows = compressed.reshape([10, 3]).arraySync() as number[][];
    const mean = [0, 1, 2].map((c) => rows.reduce((a, r) => a + r[c]!, 0) / rows.length);
    const variance = [0, 1, 2].map((c) => rows.reduce((a, r) => a + (r[c]! - mean[c]!) ** 2, 0) / rows.length);

    const outputs: tf.Tensor[] = [];
    const gammaGrads: tf.Tensor[] = [];
    for (const x of [clean, dirty]) {
      const bn = new SeqnetBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
      bn.apply([x, mask]);
      bn.setWeights(init);
      const y = bn.apply([x, mask], { training: true }) as tf.Tensor;
      outputs.push(fillPadded(y, mask, 0));
      expectClose(bn.getWeights()[2]!, tf.add(tf.mul(init[2]!, 0.9), tf.mul(tf.tensor1d(mean), 0.1)));
      expectClose(bn.getWeights()[3]!, tf.add(tf.mul(init[3]!, 0.9), tf.mul(tf.tensor1d(variance), 0.1)), 1e-5, 1e-5);
      const r = fillPadded(randn([4, steps, 3], 13), mask, 0);
      gammaGrads.push(gradsOf(() => bn.apply([x, mask], { training: true, updateStats: false }) as tf.Tensor, r, trainableVars(bn))[0]!);
    }
    const expected = tf.mul(tf.div(tf.sub(clean, tf.tensor1d(mean)), tf.sqrt(tf.add(tf.tensor1d(variance), 1e-3))), init[0]!).add(init[1]!);
    expectClose(outputs[0]!, fillPadded(expected, mask, 0), 1e-5, 1e-5);
    expectClose(outputs[1]!, outputs[0]!, 1e-5, 1e-5);
    expectClose(gammaGrads[1]!, gammaGrads[0]!, 1e-5, 1e-5);

    // The same as the unpadded batch of real steps.
    const plain = new SeqnetBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
    plain.apply(compressed);
    plain.setWeights(init);
    expectClose(realSteps(outputs[0]!, lengths), plain.apply(compressed, { training: true }) as tf.Tensor, 1e-5, 1e-5);
  });

  it('batchnorm updates nothing with updateStats: false, at inference, or for a batch without real steps', () => {
    const bn = new SeqnetBatchNorm({});
    expect([bn.momentum, bn.epsilon]).toEqual([0.99, 1e-3]);
    const x = randn([2, 4, 3], 14).add(5);
    bn.apply([x, tf.ones([2, 4])]);
    const before = bn.getWeights().map((w) => Array.from(w.dataSync()));
    bn.apply([x, tf.ones([2, 4])], { training: true, updateStats: false });
    bn.apply([x, tf.ones([2, 4])]);
    const y = bn.apply([x, tf.zeros([2, 4])], { training: true }) as tf.Tensor;
    expectAllFinite(y);
    expect(bn.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    const [dg, db] = gradsOf(() => bn.apply([x, tf.zeros([2, 4])], { training: true }) as tf.Tensor, tf.zeros([2, 4, 3]), trainableVars(bn));
    expectAllFinite(dg!);
    expectAllFinite(db!);
    bn.apply([x, tf.ones([2, 4])], { training: true });
    expect(Array.from(bn.getWeights()[2]!.dataSync())).not.toEqual(before[2]);
  });

  it('registers layernorm and batchnorm with resolved .seqnet parameters', () => {
    const ln = layerFactory('layernorm')!('ln', { epsilon: 1e-5 }) as SeqnetLayerNorm;
    expect([ln.name, ln.epsilon]).toEqual(['ln', 1e-5]);
    const bn = layerFactory('batchnorm')!('bn', { momentum: 0.9, epsilon: 1e-4 }) as SeqnetBatchNorm;
    expect([bn.name, bn.momentum, bn.epsilon]).toEqual(['bn', 0.9, 1e-4]);
  });
});
