/**
 * Time reductions over the real steps of each row (`[B, T, C]` to
 * `[B, C]`). A row with no real step gives 0, never -inf or NaN, and so
 * does its gradient; an empty time axis is handled in JS (WASM reductions
 * over an empty axis return garbage).
 */
import { tf } from '../tf.js';
import { type ConfigDict, type LayerArgs, type Shape, atLeastOne, splitInputs, splitShapes, broadcastBool } from './common.js';
import { gradOp } from './grad-op.js';
import { registerLayerKind } from './registry.js';

abstract class TimeReduction extends tf.layers.Layer {
  constructor(args: LayerArgs) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [shape] = splitShapes(inputShape);
    return [shape[0]!, ...shape.slice(2)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, maybeMask] = splitInputs(inputs);
      const [batch, steps] = x.shape as [number, number];
      const outShape = [batch, ...x.shape.slice(2)];
      if (x.size === 0 || steps === 0) return tf.zeros(outShape);
      const mask = maybeMask ? tf.cast(maybeMask, 'float32') : tf.ones([batch, steps]);
      return this.reduce(x, mask);
    });
  }

  /** `mask` is float32 `[B, T]`. */
  protected abstract reduce(x: tf.Tensor, mask: tf.Tensor): tf.Tensor;

  override getConfig(): ConfigDict {
    return super.getConfig();
  }
}

/** Mask as `[B, T, 1, ...]` to broadcast over the feature dims of `x`. */
function overFeatures(mask: tf.Tensor, x: tf.Tensor): tf.Tensor {
  let m = mask;
  while (m.rank < x.rank) m = tf.expandDims(m, -1);
  return m;
}

/**
 * Mean over real steps: the sum divided by max(count, 1). Padded steps must
 * hold zeros (the compiler's fill; `needs: zeros`).
 */
export class SeqnetGlobalAvgPool extends TimeReduction {
  static className = 'SeqnetGlobalAvgPool';

  protected reduce(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const total = tf.sum(x, 1);
    return tf.div(total, overFeatures(atLeastOne(tf.sum(mask, 1)), total));
  }
}
tf.serialization.registerClass(SeqnetGlobalAvgPool);

/**
 * Max over real steps; 0 for a row without one. The gradient is written out:
 * tf.max's own compares `x` with the max broadcast over time (`Equal [B, T, C]`
 * against `[B, 1, C]`), and WASM's comparison kernels broadcast about 100x
 * slower than its arithmetic (32 ms vs 0.3 ms at [32, 200, 32]; 42 of the
 * classifier's 53 ms training step). Same rule as tf.max: every step equal
 * to the max gets the gradient, padded steps none.
 */
export class SeqnetGlobalMaxPool extends TimeReduction {
  static className = 'SeqnetGlobalMaxPool';

  protected reduce(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return maskedMax(x, overFeatures(mask, x));
  }
}

/**
 * `x` `[B, T, ...]`, `real` float 0/1 `[B, T, 1, ...]`. Tensors the gradient
 * reads go through `save`: the layer's tidy disposes everything else before
 * the backward pass runs. The mask gets a (zero) gradient only if asked.
 */
function maskedMax(x: tf.Tensor, real: tf.Tensor): tf.Tensor {
  return gradOp(
    [x, real],
    (save) => {
      const hidden = tf.where(broadcastBool(tf.greater(real, 0.5), x.shape), x, tf.fill(x.shape, -Infinity));
      const pooled = tf.max(hidden, 1, true);
      const hasReal = tf.greater(tf.max(real, 1, true), 0.5);
      save([hidden, pooled, real, tf.cast(hasReal, 'float32')]);
      return tf.squeeze(tf.where(broadcastBool(hasReal, pooled.shape), pooled, tf.zerosLike(pooled)), [1]);
    },
    (dy, saved) => {
      const [h, p, r, rowReal] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return [
        () => {
          // A same-shape Equal (fast); `r` zeroes padded steps even where they tie with a -inf max.
          const atMax = tf.cast(tf.equal(h, tf.add(tf.zerosLike(h), p)), 'float32');
          return tf.mul(tf.mul(atMax, r), tf.mul(tf.expandDims(dy, 1), rowReal));
        },
        () => tf.zerosLike(r),
      ];
    },
  );
}
tf.serialization.registerClass(SeqnetGlobalMaxPool);

/**
 * The value at the last real step of each row (any layout), selected by a
 * one-hot product rather than a gather, whose gradient the WASM backend
 * lacks; 0 for a row without one.
 */
export class SeqnetLast extends TimeReduction {
  static className = 'SeqnetLast';

  protected reduce(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const steps = x.shape[1]!;
    const position = tf.add(tf.range(0, steps, 1, 'float32'), 1);
    const realPosition = tf.mul(tf.greater(mask, 0.5).cast('float32'), position);
    const last = tf.max(realPosition, 1, true);
    const pick = tf.logicalAnd(tf.equal(realPosition, last), tf.greater(last, 0));
    return tf.sum(tf.where(broadcastBool(overFeatures(pick, x), x.shape), x, tf.zerosLike(x)), 1);
  }
}
tf.serialization.registerClass(SeqnetLast);

registerLayerKind('global_avgpool', (name) => new SeqnetGlobalAvgPool({ name }));
registerLayerKind('global_maxpool', (name) => new SeqnetGlobalMaxPool({ name }));
registerLayerKind('last', (name) => new SeqnetLast({ name }));
