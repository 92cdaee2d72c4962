/**
 * What the demo measures, the same way for both sides: masked loss and
 * accuracy over real steps (from class probabilities), and padding
 * invariance (MASKING.md R2): how much real-step outputs, the training loss
 * and its gradient move when the same batch gets extra padded steps.
 */
import type { CompiledModel } from '../src/runtime/index.js';
import { tf } from '../src/runtime/index.js';

/** A trained model seen from outside: class probabilities, and the loss it trains on with its gradient. */
export interface Side {
  /** Class probabilities `[B, T, C]` of a padded batch (inference mode, or training mode: batch statistics). */
  probs(x: tf.Tensor, training: boolean): tf.Tensor;
  /** The loss the side minimizes in training, and its gradient for every trainable weight; updates nothing. */
  lossAndGrads(x: tf.Tensor, y: tf.Tensor): { loss: number; grads: tf.Tensor[] };
}

export function seqnetSide(model: CompiledModel, output: string): Side {
  return {
    probs: (x, training) =>
      tf.tidy(() => {
        const out = model.predict({ x }, { training });
        return tf.softmax(out[output]!);
      }),
    lossAndGrads: (x, y) => {
      const { loss, grads } = model.gradients({ x }, { y }, { training: true });
      return { loss, grads: model.trainableWeights.map((w) => grads[w.originalName]!) };
    },
  };
}

/** tfjs-layers updates batch-norm moving statistics on every training-mode call: put them back afterwards. */
function keepingWeights<T>(model: tf.LayersModel, f: () => T): T {
  const saved = model.getWeights().map((w) => w.clone());
  try {
    return f();
  } finally {
    model.setWeights(saved);
    tf.dispose(saved);
  }
}

export function layersSide(model: tf.LayersModel): Side {
  const probs = (x: tf.Tensor, training: boolean): tf.Tensor => model.apply(x, { training }) as tf.Tensor;
  return {
    probs: (x, training) => (training ? keepingWeights(model, () => tf.tidy(() => probs(x, true))) : tf.tidy(() => probs(x, false))),
    lossAndGrads: (x, y) =>
      keepingWeights(model, () => {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        // What model.fit minimizes: sparse categorical crossentropy (probabilities clipped to
        // [1e-7, 1 - 1e-7], as tfjs-layers does) averaged over every step.
        const { value, grads } = tf.variableGrads(() => {
          const p = probs(x, true);
          const picked = tf.sum(tf.mul(tf.clipByValue(p, 1e-7, 1 - 1e-7), tf.oneHot(tf.cast(y, 'int32'), p.shape[2]!)), -1);
          return tf.mean(tf.neg(tf.log(picked))) as tf.Scalar;
        }, vars);
        const loss = value.dataSync()[0]!;
        value.dispose();
        return { loss, grads: vars.map((v) => grads[v.name]!) };
      }),
  };
}

/** 1 at real steps, 0 at padded ones: `[B, T]` from post-padding lengths. */
export function lengthMask(lengths: readonly number[], T: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.less(tf.range(0, T).expandDims(0), tf.tensor1d(Array.from(lengths), 'int32').expandDims(1)), 'float32') as tf.Tensor2D);
}

export interface Scores {
  lossSum: number;
  correct: number;
  steps: number;
}

/** Cross-entropy sum and correct predictions over the real steps of one padded batch. */
export function maskedScores(probs: tf.Tensor, y: tf.Tensor, lengths: readonly number[]): Scores {
  const [lossSum, correct, steps] = tf.tidy(() => {
    const mask = lengthMask(lengths, probs.shape[1]!);
    const classes = probs.shape[2]!;
    const picked = tf.sum(tf.mul(probs, tf.oneHot(tf.cast(y, 'int32'), classes)), -1);
    const nll = tf.neg(tf.log(tf.clipByValue(picked, 1e-7, 1)));
    const hit = tf.cast(tf.equal(tf.argMax(probs, -1), tf.cast(y, 'int32')), 'float32');
    return [tf.sum(tf.mul(nll, mask)), tf.sum(tf.mul(hit, mask)), tf.sum(mask)].map((t) => t.dataSync()[0]!);
  });
  return { lossSum: lossSum!, correct: correct!, steps: steps! };
}

export interface Invariance {
  /** max |difference| of class probabilities at real steps, inference mode. */
  readonly inference: number;
  /** The same in training mode (batch statistics, as during fit). */
  readonly training: number;
  /** |difference| of the training loss. */
  readonly loss: number;
  /** max |difference| of its gradient, over every trainable weight. */
  readonly gradient: number;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor, weight?: tf.Tensor): number {
  return tf.tidy(() => {
    let d = tf.abs(tf.sub(a, b));
    if (weight !== undefined) d = tf.mul(d, weight);
    return tf.max(d).dataSync()[0]!;
  });
}

/** How `side` changes when the batch `(x, y)` is padded `extra` steps further (post). */
export function invariance(side: Side, x: tf.Tensor, y: tf.Tensor, lengths: readonly number[], extra: number): Invariance {
  const T = x.shape[1]!;
  const xl = tf.pad(x, [[0, 0], [0, extra], [0, 0]]);
  const yl = tf.pad(y, [[0, 0], [0, extra]]);
  const mask = tf.tidy(() => lengthMask(lengths, T).expandDims(-1));
  try {
    const outputs = (training: boolean): number => {
      const a = side.probs(x, training);
      const long = side.probs(xl, training);
      const b = tf.slice(long, [0, 0, 0], [-1, T, -1]);
      try {
        return maxAbsDiff(a, b, mask);
      } finally {
        tf.dispose([a, long, b]);
      }
    };
    const inference = outputs(false);
    const training = outputs(true);
    const short = side.lossAndGrads(x, y);
    const long = side.lossAndGrads(xl, yl);
    const gradient = Math.max(...short.grads.map((g, i) => maxAbsDiff(g, long.grads[i]!)));
    tf.dispose([...short.grads, ...long.grads]);
    return { inference, training, loss: Math.abs(short.loss - long.loss), gradient };
  } finally {
    tf.dispose([xl, yl, mask]);
  }
}
