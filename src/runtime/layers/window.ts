/**
 * Window layers (conv1d, maxpool1d, avgpool1d), built from matMul and
 * element-wise ops over (time-major) views of the explicitly padded input
 * (windowing.ts): tf.conv1d cannot train on WASM (no
 * Conv2DBackpropFilter), and the explicit pad keeps `same` independent of
 * `T` (MASKING.md section 7). An input shorter than the window gives zero
 * output steps; sizes are checked in JS because WASM is fragile on empty axes.
 */
import { tf } from '../tf.js';
import { matMul2d } from './matmul.js';
import { activate, ACTIVATIONS, type ActivationName, LEAKY_RELU_ALPHA, activationName } from './activations.js';
import {
  type ConfigDict,
  type LayerArgs,
  type Shape,
  atLeastOne,
  paramBool,
  paramInt,
  paramString,
  splitInputs,
  splitShapes,
  broadcastBool,
} from './common.js';
import { hashSeed, SeqnetGlorotUniform, seedFor } from './init.js';
import { registerLayerKind } from './registry.js';
import {
  localWindowMask,
  outputLength,
  outputLengthOrNull,
  type WindowGeometry,
  type WindowMode,
  sliceRows,
  swapBatchTime,
  windowViews,
} from './windowing.js';

const WINDOW_MODES = ['same', 'valid', 'causal'] as const;

// ---------------------------------------------------------------- conv1d

export interface SeqnetConv1DArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  /** Default 1. */
  strides?: number;
  /** Default 1. */
  dilationRate?: number;
  /** Default 'same'. */
  padding?: WindowMode;
  /** Default true. */
  useBias?: boolean;
  /** Fused activation, default 'none'. */
  activation?: ActivationName;
  alpha?: number;
  seed?: number;
}

/** Kernel `[kernel, inChannels, filters]` and bias `[filters]`, as tfjs-layers' Conv1D. */
export class SeqnetConv1D extends tf.layers.Layer {
  static className = 'SeqnetConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly dilationRate: number;
  readonly padding: WindowMode;
  readonly useBias: boolean;
  readonly activation: ActivationName;
  readonly alpha: number;
  readonly seed: number;
  private kernel!: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: SeqnetConv1DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.dilationRate = args.dilationRate ?? 1;
    this.padding = args.padding ?? 'same';
    this.useBias = args.useBias ?? true;
    this.activation = activationName(args.activation ?? 'none');
    this.alpha = args.alpha ?? LEAKY_RELU_ALPHA;
    this.seed = args.seed ?? seedFor(this.name);
  }

  get geometry(): WindowGeometry {
    return { kernel: this.kernelSize, stride: this.strides, dilation: this.dilationRate, mode: this.padding };
  }

  override build(inputShape: Shape | Shape[]): void {
    const [shape] = splitShapes(inputShape);
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`seqnet runtime: conv1d '${this.name}' needs a known channel count`);
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize, channels, this.filters],
      'float32',
      new SeqnetGlorotUniform({ seed: hashSeed(this.seed, 'kernel') }),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [shape] = splitShapes(inputShape);
    return [shape[0]!, outputLengthOrNull(this.geometry, shape[1]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = splitInputs(inputs);
      const [batch, steps, channels] = x.shape as [number, number, number];
      const g = this.geometry;
      const outLen = outputLength(g, steps);
      if (batch === 0 || outLen === 0 || channels === 0) return tf.zeros([batch, outLen, this.filters]);
      // One matMul per tap on time-major views; a concatenation (im2col) would
      // need a strided slice in its gradient, per element on the CPU backend.
      // (Not tf.unstack: its gradient fails for a single tap.)
      const kernel = this.kernel.read();
      const tap = (i: number) => tf.reshape(sliceRows(kernel, i, 1), [channels, this.filters]) as tf.Tensor2D;
      const rows = outLen * batch;
      const sum = windowViews(x, g, outLen, 0)
        .map((view, i) => matMul2d(tf.reshape(view, [rows, channels]) as tf.Tensor2D, tap(i)))
        .reduce((acc, v) => tf.add(acc, v));
      let y = swapBatchTime(tf.reshape(sum, [outLen, batch, this.filters]));
      if (this.bias) y = tf.add(y, this.bias.read());
      return activate(y, this.activation, this.alpha);
    });
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      dilationRate: this.dilationRate,
      padding: this.padding,
      useBias: this.useBias,
      activation: this.activation,
      alpha: this.alpha,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(SeqnetConv1D);

// ---------------------------------------------------------------- pools

export interface SeqnetPool1DArgs extends LayerArgs {
  poolSize: number;
  /** Default: poolSize. */
  strides?: number;
  /** Default 'valid'. */
  padding?: WindowMode;
}

abstract class MaskedPool1D extends tf.layers.Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: WindowMode;

  constructor(args: SeqnetPool1DArgs) {
    super(args);
    this.poolSize = args.poolSize;
    this.strides = args.strides ?? args.poolSize;
    this.padding = args.padding ?? 'valid';
  }

  get geometry(): WindowGeometry {
    return { kernel: this.poolSize, stride: this.strides, dilation: 1, mode: this.padding };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [shape] = splitShapes(inputShape);
    return [shape[0]!, outputLengthOrNull(this.geometry, shape[1]), shape[2]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, maybeMask] = splitInputs(inputs);
      const [batch, steps, channels] = x.shape as [number, number, number];
      const outLen = outputLength(this.geometry, steps);
      if (batch === 0 || outLen === 0 || channels === 0) return tf.zeros([batch, outLen, channels]);
      const mask = maybeMask ? tf.cast(maybeMask, 'float32') : tf.ones([batch, steps]);
      return this.pool(x, mask, outLen);
    });
  }

  protected abstract pool(x: tf.Tensor, mask: tf.Tensor, outLen: number): tf.Tensor;

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/**
 * Max over the real steps of each window: padded steps and the explicit pad
 * are -inf inside; output steps that are padded (or whose window holds no
 * real step) are set to exactly 0, so no -inf leaves the layer.
 */
export class SeqnetMaxPool1D extends MaskedPool1D {
  static className = 'SeqnetMaxPool1D';

  protected pool(x: tf.Tensor, mask: tf.Tensor, outLen: number): tf.Tensor {
    const g = this.geometry;
    const real = broadcastBool(tf.greater(tf.expandDims(mask, -1), 0.5), x.shape);
    const hidden = tf.where(real, x, tf.fill(x.shape, -Infinity));
    // Successive maximum: ties send the gradient to the earliest step, as tfjs' MaxPool does.
    const pooled = swapBatchTime(windowViews(hidden, g, outLen, -Infinity).reduce((acc, v) => tf.maximum(acc, v)));
    const outReal = tf.greater(tf.expandDims(localWindowMask(mask, g, outLen), -1), 0.5);
    return tf.where(broadcastBool(outReal, pooled.shape), pooled, tf.zerosLike(pooled));
  }
}
tf.serialization.registerClass(SeqnetMaxPool1D);

/**
 * Mean over the real steps of each window (the sum over the window divided
 * by its real-step count, at least 1). Padded input steps must hold zeros
 * where a real output's window reaches them (the compiler's fill).
 */
export class SeqnetAvgPool1D extends MaskedPool1D {
  static className = 'SeqnetAvgPool1D';

  protected pool(x: tf.Tensor, mask: tf.Tensor, outLen: number): tf.Tensor {
    const g = this.geometry;
    const total = windowViews(x, g, outLen, 0).reduce((acc, v) => tf.add(acc, v));
    const count = windowViews(tf.expandDims(mask, -1), g, outLen, 0).reduce((acc, v) => tf.add(acc, v));
    return swapBatchTime(tf.div(total, atLeastOne(count)));
  }
}
tf.serialization.registerClass(SeqnetAvgPool1D);

// ---------------------------------------------------------------- kinds

registerLayerKind('conv1d', (name, p) => {
  return new SeqnetConv1D({
    name,
    filters: paramInt('conv1d', p, 'filters'),
    kernelSize: paramInt('conv1d', p, 'kernel'),
    strides: paramInt('conv1d', p, 'stride', 1),
    dilationRate: paramInt('conv1d', p, 'dilation', 1),
    padding: paramString('conv1d', p, 'padding', WINDOW_MODES, 'same'),
    useBias: paramBool('conv1d', p, 'bias', true),
    activation: paramString('conv1d', p, 'activation', ACTIVATIONS, 'none'),
  });
});

for (const kind of ['maxpool1d', 'avgpool1d'] as const) {
  registerLayerKind(kind, (name, p) => {
    const poolSize = paramInt(kind, p, 'size');
    const args: SeqnetPool1DArgs = {
      name,
      poolSize,
      strides: paramInt(kind, p, 'stride', poolSize),
      padding: paramString(kind, p, 'padding', WINDOW_MODES, 'valid'),
    };
    return kind === 'maxpool1d' ? new SeqnetMaxPool1D(args) : new SeqnetAvgPool1D(args);
  });
}
