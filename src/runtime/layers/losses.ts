/**
 * Masked loss terms (MASKING.md R2, R4): the mean over the real steps of the
 * whole batch (`reduction: mean`, dividing by max(count, 1)) or their sum,
 * times `weight`; without a mask (no time axis), over the rows. Targets and
 * predictions at padded steps are replaced with `where` before any loss
 * math, so out-of-range ids, NaN or Inf there reach neither the value nor
 * the gradient (a gradient through `where` is NaN if the other branch is).
 */
import { tf } from '../tf.js';
import type { Params } from '../builder-types.js';
import { paramBool, paramNumber, paramString, broadcastBool } from './common.js';
import { registerLossKind } from './registry.js';

/** Keras' backend epsilon, used to clip probabilities. */
export const EPSILON = 1e-7;

const REDUCTIONS = ['mean', 'sum'] as const;

interface Prepared {
  pred: tf.Tensor;
  target: tf.Tensor;
}

/** `mask` `[B, T]` as a boolean broadcast to `shape`. */
function realAt(mask: tf.Tensor, shape: number[]): tf.Tensor {
  let m = tf.greater(tf.cast(mask, 'float32'), 0.5);
  while (m.rank < shape.length) m = tf.expandDims(m, -1);
  return broadcastBool(m, shape);
}

/** Replaces padded steps of `x` with `safe` (a value at which the loss math is finite). */
function sanitize(x: tf.Tensor, mask: tf.Tensor | undefined, safe: number): tf.Tensor {
  if (!mask) return x;
  return tf.where(realAt(mask, x.shape), x, tf.fill(x.shape, safe, x.dtype));
}

/** Mean over every axis past the row/step axes (`base` = 2 with a mask, else 1), as Keras' mean over the last axis. */
function perStep(loss: tf.Tensor, base: number): tf.Tensor {
  if (loss.rank <= base) return loss;
  const axes = Array.from({ length: loss.rank - base }, (_, i) => base + i);
  return tf.mean(loss, axes);
}

function reduceMasked(perStepLoss: tf.Tensor, mask: tf.Tensor | undefined, params: Params, kind: string): tf.Scalar {
  const weight = paramNumber(kind, params, 'weight', 1);
  const reduction = paramString(kind, params, 'reduction', REDUCTIONS, 'mean');
  if (perStepLoss.size === 0) return tf.scalar(0);
  let total: tf.Tensor;
  let count: tf.Tensor;
  if (mask) {
    const m = tf.cast(tf.greater(tf.cast(mask, 'float32'), 0.5), 'float32');
    total = tf.sum(tf.mul(perStepLoss, m));
    count = tf.sum(m);
  } else {
    total = tf.sum(perStepLoss);
    count = tf.scalar(perStepLoss.size);
  }
  const reduced = reduction === 'sum' ? total : tf.div(total, tf.maximum(count, 1));
  return tf.mul(reduced, weight) as tf.Scalar;
}

function baseRank(mask: tf.Tensor | undefined): number {
  return mask ? 2 : 1;
}

/** A target without the prediction's trailing unit axis (`[B, T]` for `[B, T, 1]`) gets it back, instead of broadcasting to `[B, T, T]`. */
function alignTarget(pred: tf.Tensor, target: tf.Tensor): tf.Tensor {
  if (target.rank === pred.rank - 1 && pred.shape[pred.rank - 1] === 1) return tf.expandDims(target, -1);
  return target;
}

/** Class-id targets (`[B, T]`/`[B]`) become one-hot; padded ids become 0 before `oneHot` sees them. */
function categoricalTargets(pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
  const classes = pred.shape[pred.rank - 1]!;
  if (target.rank === pred.rank - 1) {
    // A float id tensor may hold NaN at padded steps: replace before the cast.
    const ids = target.dtype === 'int32' ? sanitize(target, mask, 0) : tf.cast(sanitize(target, mask, 0), 'int32');
    // tf.oneHot needs a depth of at least 2; comparing with the class range works for one class too
    // (but WASM broadcasts comparisons slowly: 10 ms for [32, 200] ids over 10 classes, so only there).
    if (classes >= 2) return tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, classes).reshape([...ids.shape, classes]).cast('float32');
    return tf.cast(tf.equal(tf.expandDims(ids, -1), tf.range(0, classes, 1, 'int32')), 'float32');
  }
  return sanitize(tf.cast(target, 'float32'), mask, 0);
}

function crossentropy(predIn: tf.Tensor, targetIn: tf.Tensor, mask: tf.Tensor | undefined, params: Params): tf.Scalar {
  return tf.tidy(() => {
    const fromLogits = paramBool('crossentropy', params, 'from_logits', true);
    const target = categoricalTargets(predIn, targetIn, mask);
    // Padded predictions: logits 0, probabilities 1 (uniform after normalizing).
    const pred = sanitize(predIn, mask, fromLogits ? 0 : 1);
    let logp: tf.Tensor;
    if (fromLogits) {
      logp = tf.logSoftmax(pred, -1);
    } else {
      // Keras normalises by the sum; a row of zeros (a pooled row with no real step) would give 0 / 0.
      const sum = tf.sum(pred, -1, true);
      // tf.step has a (zero) gradient, where a comparison has none.
      const nonZero = tf.step(tf.sub(tf.abs(sum), EPSILON));
      const normed = tf.div(pred, tf.add(tf.mul(sum, nonZero), tf.sub(1, nonZero)));
      logp = tf.log(tf.clipByValue(normed, EPSILON, 1 - EPSILON));
    }
    const perStepLoss = tf.neg(tf.sum(tf.mul(target, logp), -1));
    return reduceMasked(perStepLoss, mask, params, 'crossentropy');
  });
}

function binaryCrossentropy(predIn: tf.Tensor, targetIn: tf.Tensor, mask: tf.Tensor | undefined, params: Params): tf.Scalar {
  return tf.tidy(() => {
    const fromLogits = paramBool('binary_crossentropy', params, 'from_logits', false);
    const target = sanitize(tf.cast(alignTarget(predIn, targetIn), 'float32'), mask, 0);
    const pred = sanitize(predIn, mask, fromLogits ? 0 : 0.5);
    let loss: tf.Tensor;
    if (fromLogits) {
      // max(x, 0) - x * t + log(1 + exp(-|x|)): stable for large |x|.
      loss = tf.add(tf.sub(tf.relu(pred), tf.mul(pred, target)), tf.log1p(tf.exp(tf.neg(tf.abs(pred)))));
    } else {
      const p = tf.clipByValue(pred, EPSILON, 1 - EPSILON);
      loss = tf.neg(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p)))));
    }
    return reduceMasked(perStep(loss, baseRank(mask)), mask, params, 'binary_crossentropy');
  });
}

function elementwise(kind: 'mse' | 'mae') {
  return (predIn: tf.Tensor, targetIn: tf.Tensor, mask: tf.Tensor | undefined, params: Params): tf.Scalar =>
    tf.tidy(() => {
      const target = sanitize(tf.cast(alignTarget(predIn, targetIn), 'float32'), mask, 0);
      const pred = sanitize(predIn, mask, 0);
      const diff = tf.sub(pred, target);
      const loss = kind === 'mse' ? tf.square(diff) : tf.abs(diff);
      return reduceMasked(perStep(loss, baseRank(mask)), mask, params, kind);
    });
}

export const crossentropyLoss = crossentropy;
export const binaryCrossentropyLoss = binaryCrossentropy;
export const mseLoss = elementwise('mse');
export const maeLoss = elementwise('mae');

registerLossKind('crossentropy', crossentropy);
registerLossKind('binary_crossentropy', binaryCrossentropy);
registerLossKind('mse', mseLoss);
registerLossKind('mae', maeLoss);
