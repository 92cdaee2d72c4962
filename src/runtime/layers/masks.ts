/**
 * Mask sources, window output masks and fill nodes (MASKING.md sections 6-8).
 * Masks are float32 0/1 `[B, T]` tensors, passed explicitly: tfjs-layers'
 * implicit mask propagation is never used.
 */
import { tf } from '../tf.js';
import type { Layout } from '../builder-types.js';
import { type ConfigDict, type LayerArgs, type Shape, isShapeList, broadcastBool, lessThan } from './common.js';
import { outputLength, outputLengthOrNull, outputLengthTensor, type WindowGeometry, type WindowMode } from './windowing.js';

/** `[B, T]` float 0/1 -> broadcastable over the trailing dims of `x`. */
function maskLike(mask: tf.Tensor, x: tf.Tensor): tf.Tensor {
  let m = mask;
  while (m.rank < x.rank) m = tf.expandDims(m, -1);
  return m;
}

/** Step positions `0..T-1` as float32 `[1, T]`. */
function positions(steps: number): tf.Tensor {
  return tf.expandDims(tf.range(0, steps, 1, 'float32'), 0);
}

/** The 0/1 mask `[B, T]` of rows with `lengths` `[B, 1]` real steps: the first ones (post) or the last ones (pre). */
function lengthsMask(lengths: tf.Tensor, steps: number, layout: Layout): tf.Tensor {
  const t = positions(steps);
  return layout === 'pre' ? lessThan(tf.sub(steps - 1, t), lengths) : lessThan(t, lengths);
}

// ---------------------------------------------------------------- mask source

export interface MaskSourceArgs extends LayerArgs {
  source: 'zeros' | 'value' | 'lengths' | 'input';
  /** The pad value of a `value` source. */
  value?: number;
  layout: Layout;
}

/**
 * Called on `[x]` (zeros, value) or `[x, aux]` (aux: lengths `i32 [B]`, or a
 * mask `bool`/float 0/1 `[B, T]`); returns the mask, float32 0/1 `[B, T]`.
 * `Sanitize` applies it to `x`. They are two layers, not one with two
 * outputs, because tfjs-layers' executor runs a layer once per output it
 * fetches: a two-output mask source ran (and was differentiated) twice.
 */
export class MaskSource extends tf.layers.Layer {
  static className = 'SeqnetMaskSource';
  readonly source: MaskSourceArgs['source'];
  readonly value: number;
  readonly layout: Layout;

  constructor(args: MaskSourceArgs) {
    super(args);
    this.source = args.source;
    this.value = args.value ?? 0;
    this.layout = args.layout;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const x = isShapeList(inputShape) ? inputShape[0]! : inputShape;
    return [x[0]!, x[1]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[0]!;
      const [batch, steps] = x.shape as [number, number];
      if (batch === 0 || steps === 0) return tf.zeros([batch, steps]);
      return this.mask(x, list[1]);
    });
  }

  private mask(x: tf.Tensor, aux: tf.Tensor | undefined): tf.Tensor {
    const steps = x.shape[1]!;
    switch (this.source) {
      case 'zeros':
      case 'value': {
        const pad = this.source === 'zeros' ? 0 : this.value;
        const differs = tf.notEqual(x, tf.scalar(pad, x.dtype));
        const nonPad = tf.cast(x.rank > 2 ? tf.any(tf.reshape(differs, [x.shape[0]!, steps, -1]), -1) : differs, 'float32');
        return this.fromNonPad(nonPad, steps);
      }
      case 'lengths': {
        if (!aux) throw new Error(`seqnet runtime: mask source '${this.name}' needs its lengths input`);
        return lengthsMask(tf.expandDims(tf.cast(aux, 'float32'), 1), steps, this.layout);
      }
      case 'input': {
        if (!aux) throw new Error(`seqnet runtime: mask source '${this.name}' needs its mask input`);
        return tf.cast(tf.notEqual(tf.cast(aux, 'float32'), 0), 'float32');
      }
    }
  }

  /**
   * With a declared layout, the mask runs up to the last (from the first)
   * non-pad step: an all-pad step inside a sequence is a real zero step.
   */
  private fromNonPad(nonPad: tf.Tensor, steps: number): tf.Tensor {
    const t = positions(steps);
    if (this.layout === 'post') {
      return lengthsMask(tf.max(tf.mul(nonPad, tf.add(t, 1)), 1, true), steps, 'post');
    }
    if (this.layout === 'pre') {
      return lengthsMask(tf.max(tf.mul(nonPad, tf.sub(steps, t)), 1, true), steps, 'pre');
    }
    return nonPad;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), source: this.source, value: this.value, layout: this.layout };
  }
}
tf.serialization.registerClass(MaskSource);

/** A layer on `[x, mask]` whose output has `x`'s shape. */
abstract class ValueWithMask extends tf.layers.Layer {
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }
}

/**
 * `[x, mask]` to `where(mask, x, 0)`: a `where`, not a multiply, so NaN and
 * Inf at padded steps do not get through (0 * NaN is NaN).
 */
export class Sanitize extends ValueWithMask {
  static className = 'SeqnetSanitize';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as [tf.Tensor, tf.Tensor];
      if (x.size === 0) return tf.clone(x);
      const real = broadcastBool(tf.greater(maskLike(mask, x), 0.5), x.shape);
      return tf.where(real, x, tf.zerosLike(x));
    });
  }
}
tf.serialization.registerClass(Sanitize);

// ---------------------------------------------------------------- window mask

export interface WindowMaskArgs extends LayerArgs {
  kernel: number;
  stride: number;
  dilation: number;
  mode: WindowMode;
  layout: 'post' | 'pre';
}

/**
 * The output mask of a window layer from the input mask's lengths
 * (MASKING.md section 7): `t < L'` (post) or `t >= T' - L'` (pre).
 */
export class WindowMask extends tf.layers.Layer {
  static className = 'SeqnetWindowMask';
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly mode: WindowMode;
  readonly layout: 'post' | 'pre';

  constructor(args: WindowMaskArgs) {
    super(args);
    this.kernel = args.kernel;
    this.stride = args.stride;
    this.dilation = args.dilation;
    this.mode = args.mode;
    this.layout = args.layout;
  }

  get geometry(): WindowGeometry {
    return { kernel: this.kernel, stride: this.stride, dilation: this.dilation, mode: this.mode };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const m = isShapeList(inputShape) ? inputShape[0]! : inputShape;
    return [m[0]!, outputLengthOrNull(this.geometry, m[1])];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const mask = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [batch, steps] = mask.shape as [number, number];
      const outSteps = outputLength(this.geometry, steps);
      if (batch === 0 || outSteps === 0) return tf.zeros([batch, outSteps]);
      const lengths = tf.sum(tf.cast(tf.notEqual(tf.cast(mask, 'float32'), 0), 'float32'), 1, true);
      const outLengths = outputLengthTensor(this.geometry, lengths);
      return lengthsMask(outLengths, outSteps, this.layout);
    });
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      kernel: this.kernel,
      stride: this.stride,
      dilation: this.dilation,
      mode: this.mode,
      layout: this.layout,
    };
  }
}
tf.serialization.registerClass(WindowMask);

// ---------------------------------------------------------------- fill

/** A fill node: `x * mask` over every trailing dim (every pad is finite, MASKING.md section 3). */
export class Fill extends ValueWithMask {
  static className = 'SeqnetFill';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as tf.Tensor[];
      return tf.mul(x!, maskLike(tf.cast(mask!, x!.dtype), x!));
    });
  }
}
tf.serialization.registerClass(Fill);

// ---------------------------------------------------------------- run-time layout checks

/**
 * The first row of `mask` (`[B, T]`, bool or 0/1) that breaks `layout`
 * (post: real steps are a prefix; pre: a suffix), or -1. `holes` accepts
 * every mask. Reads the tensor synchronously.
 */
export function checkLayout(mask: tf.Tensor2D, layout: Layout): number {
  if (layout === 'holes') return -1;
  const rows = mask.arraySync() as (number | boolean)[][];
  for (let b = 0; b < rows.length; b++) {
    const row = rows[b]!;
    let seenEdge = false;
    for (let i = 0; i < row.length; i++) {
      // A pre row read backwards must be a post row.
      const real = Boolean(layout === 'post' ? row[i] : row[row.length - 1 - i]);
      if (!real) seenEdge = true;
      else if (seenEdge) return b;
    }
  }
  return -1;
}

/** The first row whose length lies outside `[0, steps]`, or -1. Reads the tensor synchronously. */
export function checkLengths(lengths: tf.Tensor1D, steps: number): number {
  const values = lengths.dataSync();
  for (let b = 0; b < values.length; b++) {
    const n = values[b]!;
    if (!(n >= 0 && n <= steps) || !Number.isInteger(n)) return b;
  }
  return -1;
}

// ---------------------------------------------------------------- all real

/**
 * The mask of a value without padding: every step real (`[B, T]` ones). A
 * layer that reads a mask (an RNN, a pool) gets this one when its input is
 * not masked, so that every such layer is always called on `[x, mask]`.
 */
export class AllReal extends tf.layers.Layer {
  static className = 'SeqnetAllReal';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [s[0]!, s[1]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.ones([x.shape[0]!, x.shape[1]!], 'float32');
  }
}
tf.serialization.registerClass(AllReal);
