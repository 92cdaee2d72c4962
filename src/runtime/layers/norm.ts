/**
 * Normalization layers. layernorm is pointwise; batchnorm's training moments
 * are taken over the real steps of the whole batch only (MASKING.md R2).
 */
import { tf } from '../tf.js';
import {
  type ConfigDict,
  type Kwargs,
  type LayerArgs,
  type Shape,
  atLeastOne,
  featureMask,
  isTraining,
  paramNumber,
  splitInputs,
  splitShapes,
} from './common.js';
import { registerLayerKind } from './registry.js';

function featureSize(layer: string, inputShape: Shape | Shape[]): number {
  const [shape] = splitShapes(inputShape);
  const c = shape[shape.length - 1];
  if (c == null) throw new Error(`seqnet runtime: '${layer}' needs a known feature size`);
  return c;
}

// ---------------------------------------------------------------- layernorm

export interface SeqnetLayerNormArgs extends LayerArgs {
  /** Default 1e-3 (Keras). */
  epsilon?: number;
}

/** Normalizes over the feature axis; `gamma`, `beta` `[C]` as Keras' LayerNormalization. */
export class SeqnetLayerNorm extends tf.layers.Layer {
  static className = 'SeqnetLayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: SeqnetLayerNormArgs) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = featureSize(this.name, inputShape);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return splitShapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = splitInputs(inputs);
      if (x.size === 0) return tf.clone(x);
      const mean = tf.mean(x, -1, true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), -1, true);
      const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, this.gamma.read()), this.beta.read());
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(SeqnetLayerNorm);

// ---------------------------------------------------------------- batchnorm

export interface SeqnetBatchNormArgs extends LayerArgs {
  /** Default 0.99 (Keras): moving = moving * momentum + batch * (1 - momentum). */
  momentum?: number;
  /** Default 1e-3 (Keras). */
  epsilon?: number;
}

/**
 * Keras' BatchNormalization with masked moments. Called on `x` (`[B, C]`,
 * or `[B, T, C]` with every step real) or `[x, mask]`.
 *
 * Call kwargs: `training: true` normalizes with the batch moments over real
 * steps (biased variance, as Keras), differentiably; it also updates
 * `moving_mean`/`moving_variance` unless `updateStats: false` is passed
 * (API.md: `loss(..., { training: true })` updates nothing, `trainStep`
 * does). A batch with no real step leaves the moving statistics as they are.
 * Otherwise the moving statistics normalize.
 */
export class SeqnetBatchNorm extends tf.layers.Layer {
  static className = 'SeqnetBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: SeqnetBatchNormArgs) {
    super(args);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = featureSize(this.name, inputShape);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return splitShapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = splitInputs(inputs);
      if (x.size === 0) return tf.clone(x);
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (isTraining(kwargs)) {
        const moments = this.batchMoments(x, mask);
        mean = moments.mean;
        variance = moments.variance;
        if (kwargs['updateStats'] !== false) this.updateMovingStats(moments);
      } else {
        mean = this.movingMean.read();
        variance = this.movingVariance.read();
      }
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, this.gamma.read()), this.beta.read());
    });
  }

  /** Moments over all real steps of the batch, dividing by max(count, 1). */
  private batchMoments(x: tf.Tensor, mask: tf.Tensor | undefined): { mean: tf.Tensor; variance: tf.Tensor; count: tf.Tensor } {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (mask === undefined || x.rank === 2) {
      const count = tf.scalar(x.size / x.shape[x.rank - 1]!);
      const mean = tf.mean(x, axes);
      const variance = tf.mean(tf.square(tf.sub(x, mean)), axes);
      return { mean, variance, count };
    }
    const m = featureMask(mask);
    const count = tf.sum(mask);
    const denom = atLeastOne(count);
    const mean = tf.div(tf.sum(tf.mul(x, m), axes), denom);
    const variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(x, mean)), m), axes), denom);
    return { mean, variance, count };
  }

  private updateMovingStats(moments: { mean: tf.Tensor; variance: tf.Tensor; count: tf.Tensor }): void {
    tf.tidy(() => {
      const any = tf.greater(moments.count, 0);
      const blend = (moving: tf.LayerVariable, batch: tf.Tensor) => {
        const old = moving.read();
        const next = tf.add(tf.mul(old, this.momentum), tf.mul(batch, 1 - this.momentum));
        moving.write(tf.where(tf.broadcastTo(any, old.shape), next, old));
      };
      blend(this.movingMean, moments.mean);
      blend(this.movingVariance, moments.variance);
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(SeqnetBatchNorm);

registerLayerKind('layernorm', (name, p) => new SeqnetLayerNorm({ name, epsilon: paramNumber('layernorm', p, 'epsilon', 1e-3) }));
registerLayerKind('batchnorm', (name, p) => {
  return new SeqnetBatchNorm({
    name,
    momentum: paramNumber('batchnorm', p, 'momentum', 0.99),
    epsilon: paramNumber('batchnorm', p, 'epsilon', 1e-3),
  });
});
