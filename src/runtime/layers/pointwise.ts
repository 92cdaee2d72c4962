/**
 * Pointwise layers: output step t depends on input step t only. They take
 * `[B, C]` as well as `[B, T, C]` and never see the mask.
 */
import { tf } from '../tf.js';
import { matMul2d } from './matmul.js';
import { activate, ACTIVATIONS, type ActivationName, LEAKY_RELU_ALPHA, activationName } from './activations.js';
import {
  type ConfigDict,
  type Kwargs,
  type LayerArgs,
  type Shape,
  isTraining,
  paramBool,
  paramInt,
  paramNumber,
  paramString,
  splitShapes,
} from './common.js';
import { hashSeed, mulberry32Threshold, SeqnetGlorotUniform, SeqnetUniform, seedFor } from './init.js';
import { registerLayerKind } from './registry.js';

function zerosInitializer(): ReturnType<typeof tf.initializers.zeros> {
  return tf.initializers.zeros();
}

/** Applies a `[rows, C] -> [rows, F]` map to the last axis of a tensor of any rank. */
function onLastAxis(x: tf.Tensor, f: (rows: tf.Tensor2D) => tf.Tensor2D): tf.Tensor {
  if (x.rank === 2) return f(x as tf.Tensor2D);
  const lead = x.shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const y = f(tf.reshape(x, [rows, x.shape[x.rank - 1]!]));
  return tf.reshape(y, [...lead, y.shape[1]]);
}

// ---------------------------------------------------------------- dense

export interface SeqnetDenseArgs extends LayerArgs {
  units: number;
  /** Default true. */
  useBias?: boolean;
  /** Fused activation, default 'none'. */
  activation?: ActivationName;
  /** Slope for a fused `leaky_relu`. */
  alpha?: number;
  /** Weight seed; default derived from the base seed and the layer name. */
  seed?: number;
}

export class SeqnetDense extends tf.layers.Layer {
  static className = 'SeqnetDense';
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: ActivationName;
  readonly alpha: number;
  readonly seed: number;
  private kernel!: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: SeqnetDenseArgs) {
    super(args);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.activation = activationName(args.activation ?? 'none');
    this.alpha = args.alpha ?? LEAKY_RELU_ALPHA;
    this.seed = args.seed ?? seedFor(this.name);
  }

  override build(inputShape: Shape | Shape[]): void {
    const [shape] = splitShapes(inputShape);
    const inDim = shape[shape.length - 1];
    if (inDim == null) throw new Error(`seqnet runtime: dense '${this.name}' needs a known feature size`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', new SeqnetGlorotUniform({ seed: hashSeed(this.seed, 'kernel') }));
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', zerosInitializer());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [shape] = splitShapes(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (x.size === 0) return tf.zeros([...x.shape.slice(0, -1), this.units]);
      const kernel = this.kernel.read();
      let y = onLastAxis(x, (rows) => matMul2d(rows, kernel as tf.Tensor2D));
      if (this.bias) y = tf.add(y, this.bias.read());
      return activate(y, this.activation, this.alpha);
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), units: this.units, useBias: this.useBias, activation: this.activation, alpha: this.alpha, seed: this.seed };
  }
}
tf.serialization.registerClass(SeqnetDense);

// ---------------------------------------------------------------- activations

export interface SeqnetActivationArgs extends LayerArgs {
  activation: ActivationName;
  /** Slope of `leaky_relu`. */
  alpha?: number;
}

export class SeqnetActivation extends tf.layers.Layer {
  static className = 'SeqnetActivation';
  readonly activation: ActivationName;
  readonly alpha: number;

  constructor(args: SeqnetActivationArgs) {
    super(args);
    this.activation = activationName(args.activation);
    this.alpha = args.alpha ?? LEAKY_RELU_ALPHA;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return splitShapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => activate(Array.isArray(inputs) ? inputs[0]! : inputs, this.activation, this.alpha));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), activation: this.activation, alpha: this.alpha };
  }
}
tf.serialization.registerClass(SeqnetActivation);

// ---------------------------------------------------------------- dropout

export interface SeqnetDropoutArgs extends LayerArgs {
  rate: number;
  /** Seeds the layer's own random stream (default: from the layer name and the base seed). */
  seed?: number;
}

/**
 * Inverted dropout, active only when called with `{ training: true }`. The
 * keep mask comes from the layer's own seeded stream, drawn in JS into one
 * array: tf.dropout draws through tf.randomUniform (a seedrandom call per
 * element, about 4 ms for [32, 200, 32]) and then compares, casts and divides
 * on the backend; this is one multiply, and training is reproducible from
 * the model's seed.
 */
export class SeqnetDropout extends tf.layers.Layer {
  static className = 'SeqnetDropout';
  readonly rate: number;
  readonly seed: number;
  private state: number;

  constructor(args: SeqnetDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = (args.seed ?? seedFor(this.name)) >>> 0;
    this.state = hashSeed(this.seed, 'dropout');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return splitShapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!isTraining(kwargs) || this.rate <= 0 || x.size === 0) return tf.clone(x);
    if (this.rate >= 1) return tf.zerosLike(x);
    return tf.tidy(() => tf.mul(x, tf.tensor(this.keepScale(x.size), x.shape, 'float32')));
  }

  /** 0 (dropped) or 1 / (1 - rate) per element. */
  private keepScale(size: number): Float32Array {
    const out = new Float32Array(size);
    this.state = mulberry32Threshold(this.state, out, this.rate * 4294967296, 1 / (1 - this.rate));
    return out;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeqnetDropout);

// ---------------------------------------------------------------- cast

export interface SeqnetCastArgs extends LayerArgs {
  to: 'float32' | 'int32';
}

export class SeqnetCast extends tf.layers.Layer {
  static className = 'SeqnetCast';
  readonly to: 'float32' | 'int32';

  constructor(args: SeqnetCastArgs) {
    super(args);
    this.to = args.to;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return splitShapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.cast(Array.isArray(inputs) ? inputs[0]! : inputs, this.to);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), to: this.to };
  }
}
tf.serialization.registerClass(SeqnetCast);

// ---------------------------------------------------------------- embedding

export interface SeqnetEmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  seed?: number;
}

/**
 * Row lookup whose gradient is a `scatterND` (summing duplicate ids): tfjs'
 * gather gradient needs UnsortedSegmentSum, which the WASM backend lacks.
 */
function lookupRows(table: tf.Tensor, flatIds: tf.Tensor1D): tf.Tensor {
  const shape = table.shape;
  const f = tf.customGrad((...args: unknown[]) => {
    const [t, save] = args as [tf.Tensor, (tensors: tf.Tensor[]) => void];
    // Saved through the engine: the layer's tidy disposes `flatIds` before backprop runs.
    save([flatIds]);
    return {
      value: tf.gather(t, flatIds),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved[0]!, 1), dy, shape),
    };
  });
  return f(table);
}

export class SeqnetEmbedding extends tf.layers.Layer {
  static className = 'SeqnetEmbedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly seed: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: SeqnetEmbeddingArgs) {
    super(args);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.seed = args.seed ?? seedFor(this.name);
  }

  override build(): void {
    this.embeddings = this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      'float32',
      new SeqnetUniform({ seed: hashSeed(this.seed, 'embeddings'), minval: -0.05, maxval: 0.05 }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...splitShapes(inputShape)[0], this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = Array.isArray(inputs) ? inputs[0]! : inputs;
      const outShape = [...ids.shape, this.outputDim];
      if (ids.size === 0) return tf.zeros(outShape);
      // Out-of-range ids (at padded steps the mask source has zeroed them; a
      // real out-of-range id is the caller's error) are clamped, never a crash.
      const flat = tf.reshape(tf.cast(ids, 'int32'), [ids.size]);
      const clamped = tf.minimum(tf.maximum(flat, tf.scalar(0, 'int32')), tf.scalar(this.inputDim - 1, 'int32')) as tf.Tensor1D;
      return tf.reshape(lookupRows(this.embeddings.read(), clamped), outShape);
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, seed: this.seed };
  }
}
tf.serialization.registerClass(SeqnetEmbedding);

// ---------------------------------------------------------------- add, concat

/** `[B, C]` meets `[B, T, C]` by broadcasting over time (MASKING.md section 3). */
function overTime(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (a.rank === b.rank) return [a, b];
  const steps = (a.rank > b.rank ? a : b).shape[1]!;
  const lift = (v: tf.Tensor) => tf.tile(tf.expandDims(v, 1), [1, steps, 1]);
  return a.rank < b.rank ? [lift(a), b] : [a, lift(b)];
}

function longerShape(shapes: Shape[]): Shape {
  return shapes.reduce((best, s) => (s.length > best.length ? s : best), shapes[0]!);
}

export class SeqnetAdd extends tf.layers.Layer {
  static className = 'SeqnetAdd';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return longerShape(inputShape as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = inputs as tf.Tensor[];
      const [x, y] = overTime(a!, b!);
      return tf.add(x, y);
    });
  }
}
tf.serialization.registerClass(SeqnetAdd);

export class SeqnetConcat extends tf.layers.Layer {
  static className = 'SeqnetConcat';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    const out = [...longerShape(shapes)];
    const dims = shapes.map((s) => s[s.length - 1]);
    out[out.length - 1] = dims.some((d) => d == null) ? null : dims.reduce((p: number, d) => p + d!, 0);
    return out;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = inputs as tf.Tensor[];
      const [x, y] = overTime(a!, b!);
      return tf.concat([x, y], -1);
    });
  }
}
tf.serialization.registerClass(SeqnetConcat);

// ---------------------------------------------------------------- kinds

registerLayerKind('dense', (name, p) => {
  return new SeqnetDense({
    name,
    units: paramInt('dense', p, 'units'),
    useBias: paramBool('dense', p, 'bias', true),
    activation: paramString('dense', p, 'activation', ACTIVATIONS, 'none'),
  });
});

for (const kind of ['relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'elu', 'softmax'] as const) {
  registerLayerKind(kind, (name) => new SeqnetActivation({ name, activation: kind }));
}
registerLayerKind('leaky_relu', (name, p) => {
  return new SeqnetActivation({ name, activation: 'leaky_relu', alpha: paramNumber('leaky_relu', p, 'alpha', LEAKY_RELU_ALPHA) });
});

registerLayerKind('dropout', (name, p) => new SeqnetDropout({ name, rate: paramNumber('dropout', p, 'rate'), ...(typeof p['seed'] === 'number' ? { seed: p['seed'] } : {}) }));

registerLayerKind('cast', (name, p) => {
  const to = paramString('cast', p, 'to', ['f32', 'i32', 'float32', 'int32']);
  return new SeqnetCast({ name, to: to === 'f32' || to === 'float32' ? 'float32' : 'int32' });
});

registerLayerKind('embedding', (name, p) => {
  return new SeqnetEmbedding({ name, inputDim: paramInt('embedding', p, 'vocab'), outputDim: paramInt('embedding', p, 'dim') });
});

registerLayerKind('add', (name) => new SeqnetAdd({ name }));
registerLayerKind('concat', (name) => new SeqnetConcat({ name }));
