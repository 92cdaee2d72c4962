import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { lossFn, registeredLossKinds } from '../../../src/runtime/layers/registry.js';
import '../../../src/runtime/layers/losses.js';
import type { Params } from '../../../src/runtime/builder-types.js';
import { BACKENDS, expectAllFinite, expectClose, postMask, randInt, randn, useBackend } from './layers-helpers.js';

const MEAN: Params = { weight: 1, reduction: 'mean' };

function loss(kind: string, pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor | undefined, params: Params): tf.Scalar {
  return lossFn(kind)!(pred, target, mask, params);
}

/** The real steps of a post-padded `[B, T, ...]` tensor, concatenated into `[N, ...]`. */
function compress(x: tf.Tensor, lengths: number[]): tf.Tensor {
  const parts = lengths.flatMap((n, b) => (n > 0 ? [tf.slice(x, [b, 0], [1, n]).squeeze([0])] : []));
  return tf.concat(parts, 0);
}

/** Puts `junk` at padded steps of a `[B, T, ...]` tensor. */
function spoil(x: tf.Tensor, mask: tf.Tensor, junk: number): tf.Tensor {
  let m = tf.greater(mask, 0.5);
  while (m.rank < x.rank) m = tf.expandDims(m, -1);
  return tf.where(tf.broadcastTo(m, x.shape), x, tf.fill(x.shape, junk, x.dtype));
}

describe.each(BACKENDS)('losses on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('registers the four loss kinds', () => {
    expect(registeredLossKinds()).toEqual(['binary_crossentropy', 'crossentropy', 'mae', 'mse']);
  });

  it('crossentropy without a mask matches tfjs (logits and probabilities; ids and one-hot)', () => {
    const logits = randn([6, 4], 1, 2);
    const ids = randInt([6], 0, 4, 2);
    const onehot = tf.oneHot(ids, 4).cast('float32');
    const ref = tf.losses.softmaxCrossEntropy(onehot, logits);
    expectClose(loss('crossentropy', logits, ids, undefined, { ...MEAN, from_logits: true }), ref);
    expectClose(loss('crossentropy', logits, onehot, undefined, { ...MEAN, from_logits: true }), ref);
    const probs = tf.softmax(logits);
    expectClose(loss('crossentropy', probs, ids, undefined, { ...MEAN, from_logits: false }), tf.mean(tf.metrics.categoricalCrossentropy(onehot, probs)));
    const g1 = tf.grad((p: tf.Tensor) => loss('crossentropy', p, ids, undefined, { ...MEAN, from_logits: true }))(logits);
    const g2 = tf.grad((p: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, p))(logits);
    expectClose(g1, g2);
  });

  it('crossentropy class ids: an id outside 0..C-1 at a real step is an all-zero target (one class too)', () => {
    const logits = randn([2, 3, 4], 3, 2);
    const ids = tf.tensor2d([[0, 3, 7], [-1, 2, 1]], [2, 3], 'int32');
    const keep = tf.tensor3d([[[1], [1], [0]], [[0], [1], [1]]]);
    const onehot = tf.mul(tf.oneHot(tf.clipByValue(ids, 0, 3).reshape([-1]) as tf.Tensor1D, 4).reshape([2, 3, 4]).cast('float32'), keep);
    const mask = tf.ones([2, 3]);
    const params = { ...MEAN, from_logits: true };
    expectClose(loss('crossentropy', logits, ids, mask, params), loss('crossentropy', logits, onehot, mask, params));
    const one = randn([2, 3, 1], 4);
    const oneIds = tf.tensor2d([[0, 1, 0], [-1, 0, 0]], [2, 3], 'int32');
    const oneHot = tf.tensor3d([[[1], [0], [1]], [[0], [1], [1]]]);
    expectClose(loss('crossentropy', one, oneIds, mask, params), loss('crossentropy', one, oneHot, mask, params));
  });

  it('crossentropy over a masked batch is the mean over real steps, ignoring out-of-range padded ids and NaN predictions', () => {
    const lengths = [4, 2, 0];
    const mask = postMask(lengths, 4);
    const logits = randn([3, 4, 5], 3, 2);
    const ids = randInt([3, 4], 0, 5, 4);
    const params = { ...MEAN, from_logits: true };
    const ref = tf.losses.softmaxCrossEntropy(tf.oneHot(compress(ids, lengths), 5).cast('float32'), compress(logits, lengths));
    const value = loss('crossentropy', logits, ids, mask, params);
    expectClose(value, ref);
    const refGrad = tf.grad((p: tf.Tensor) => loss('crossentropy', p, ids, mask, params))(logits);
    for (const junk of [-1, -100, 99]) {
      const badIds = spoil(ids, mask, junk);
      const badLogits = spoil(logits, mask, NaN);
      expectClose(loss('crossentropy', badLogits, badIds, mask, params), ref);
      const g = tf.grad((p: tf.Tensor) => loss('crossentropy', p, badIds, mask, params))(badLogits);
      expectAllFinite(g);
      expectClose(g, refGrad);
    }
    // One-hot targets with NaN at padded steps.
    const onehot = spoil(tf.oneHot(ids, 5).cast('float32'), mask, NaN);
    expectClose(loss('crossentropy', logits, onehot, mask, params), ref);
    // Probabilities: padded steps of zeros would divide 0 by 0 without the sanitizing.
    const probs = spoil(tf.softmax(logits), mask, 0);
    expectClose(loss('crossentropy', probs, ids, mask, { ...MEAN, from_logits: false }), ref, 1e-5, 1e-4);
    const gp = tf.grad((p: tf.Tensor) => loss('crossentropy', p, ids, mask, { ...MEAN, from_logits: false }))(probs);
    expectAllFinite(gp);
  });

  it('reduction sum, weight, and a batch without real steps', () => {
    const lengths = [3, 1];
    const mask = postMask(lengths, 3);
    const logits = randn([2, 3, 4], 5);
    const ids = randInt([2, 3], 0, 4, 6);
    const mean = loss('crossentropy', logits, ids, mask, { from_logits: true, weight: 1, reduction: 'mean' });
    const sum = loss('crossentropy', logits, ids, mask, { from_logits: true, weight: 1, reduction: 'sum' });
    expectClose(sum, tf.mul(mean, 4));
    expectClose(loss('crossentropy', logits, ids, mask, { from_logits: true, weight: 0.5, reduction: 'mean' }), tf.mul(mean, 0.5));
    const none = postMask([0, 0], 3);
    const empty = loss('crossentropy', spoil(logits, none, NaN), spoil(ids, none, -1), none, { from_logits: true, weight: 1, reduction: 'mean' });
    expectClose(empty, 0, 0, 0);
    const g = tf.grad((p: tf.Tensor) => loss('crossentropy', p, ids, none, { from_logits: true, weight: 1, reduction: 'mean' }))(logits);
    expectClose(g, tf.zeros(g.shape), 0, 0);
  });

  it('binary_crossentropy, mse and mae match tfjs over the real steps, padded junk ignored', () => {
    const lengths = [5, 3, 0, 1];
    const mask = postMask(lengths, 5);
    const pred = tf.sigmoid(randn([4, 5, 2], 7));
    const target = tf.cast(tf.greater(randn([4, 5, 2], 8), 0), 'float32');
    const realPred = compress(pred, lengths);
    const realTarget = compress(target, lengths);
    const cases: [string, tf.Tensor][] = [
      ['binary_crossentropy', tf.mean(tf.metrics.binaryCrossentropy(realTarget, realPred))],
      ['mse', tf.losses.meanSquaredError(realTarget, realPred)],
      ['mae', tf.losses.absoluteDifference(realTarget, realPred)],
    ];
    for (const [kind, ref] of cases) {
      expectClose(loss(kind, pred, target, mask, MEAN), ref, 1e-5, 1e-4);
      const badPred = spoil(pred, mask, NaN);
      const badTarget = spoil(target, mask, Infinity);
      expectClose(loss(kind, badPred, badTarget, mask, MEAN), ref, 1e-5, 1e-4);
      const g = tf.grad((p: tf.Tensor) => loss(kind, p, badTarget, mask, MEAN))(badPred);
      expectAllFinite(g);
      expectClose(spoil(g, tf.sub(1, mask), 0), tf.zeros(g.shape), 0, 0);
    }
    // Per-step scalars [B, T] (no feature axis) and rows [B] without a mask.
    expectClose(loss('mse', tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[0, 0, 30]]), postMask([2], 3), MEAN), 2.5);
    expectClose(loss('mae', tf.tensor1d([1, -1]), tf.tensor1d([0, 0]), undefined, MEAN), 1);
    // A [B, T] target for a [B, T, 1] prediction is aligned, not broadcast to [B, T, T].
    expectClose(loss('mse', tf.tensor3d([[[1], [2], [3]]]), tf.tensor2d([[0, 0, 30]]), postMask([2], 3), MEAN), 2.5);
    expectClose(loss('binary_crossentropy', tf.tensor2d([[0, 0]]), tf.tensor2d([[1, 0]]), undefined, { ...MEAN, from_logits: true }), Math.log(2), 1e-6);
  });
});
