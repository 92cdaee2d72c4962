/**
 * The baselines of issue 7: the bench models as plain tfjs-layers builds
 * them, with `Masking(0)` (what its documentation suggests for padded
 * sequences) or without any masking (the speed reference for masking
 * overhead), trained with `model.trainOnBatch`.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter`, so a tfjs-layers
 * Conv1D cannot train on WASM. `registerConvFilterGrad` registers one,
 * composed from the backend's own native `Conv3DBackpropFilterV2` (a 1-D
 * convolution is a 3-D one with depth and height 1), and checks it against
 * tfjs' CPU kernel before use. On the CPU backend tfjs' own kernel reads
 * every element through `TensorBuffer.get` (about 40 s per tagger step at
 * T = 50), so there the same check guards a flat-array kernel with the
 * same loops. Either changes how fast the baseline runs, not what it
 * computes.
 */
import { flatBackpropFilter } from '../examples/demo-cpu-conv.js';
import { initBackend, tf } from '../src/runtime/index.js';

// ------------------------------------------------------- Conv1D on WASM

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

interface KernelArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: unknown;
  attrs: ConvAttrs;
}

const pair = (v: number | [number, number] | undefined): [number, number] => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);

/**
 * The filter gradient of a channels-last stride-1 conv2d through the WASM
 * Conv3DBackpropFilterV2: inputs and result are reshaped by metadata only
 * (the kernel reads buffers by data id). tfjs' WASM Conv3DBackpropFilterV2
 * gives wrong results at stride 2 (measured), and the benchmarks only use
 * stride 1, so anything else is refused rather than computed.
 */
function wasmFilterGrad(conv3d: tf.KernelConfig): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { x, dy } = args.inputs;
    const a = args.attrs;
    const [sH, sW] = pair(a.strides);
    const [dH, dW] = pair(a.dilations);
    if (a.dataFormat !== 'NHWC' || sH !== 1 || sW !== 1 || dH !== 1 || dW !== 1 || typeof a.pad !== 'string') {
      throw new Error(`bench: the composed Conv2DBackpropFilter handles NHWC, stride 1, dilation 1 only (got ${JSON.stringify(a)})`);
    }
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const [, oH, oW, F] = dy.shape as [number, number, number, number];
    const out = conv3d.kernelFunc({
      inputs: { x: { ...x, shape: [B, 1, H, W, C] }, dy: { ...dy, shape: [B, 1, oH, oW, F] } },
      backend: args.backend as tf.KernelBackend,
      attrs: { strides: [1, 1, 1], pad: a.pad, filterShape: [1, ...a.filterShape] } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    return { ...out, shape: [...a.filterShape] };
  }) as unknown as tf.KernelFunc;
}

/** The CPU filter gradient over flat arrays: the demo's copy of tfjs' loops, NHWC (as tfjs-layers' Conv1D calls it). */
function cpuFilterGrad(args: KernelArgs): tf.TensorInfo {
  if (args.attrs.dataFormat !== 'NHWC') throw new Error('bench: the flat CPU Conv2DBackpropFilter handles NHWC only');
  return flatBackpropFilter(args.inputs.x, args.inputs.dy, args.backend as Parameters<typeof flatBackpropFilter>[2], args.attrs as Parameters<typeof flatBackpropFilter>[3]);
}

/** Filter gradients of conv1d-shaped cases (stride 1, 'same' and 'valid'), as arrays, on the current backend. */
function filterGradCases(): number[][] {
  return tf.tidy(() => {
    const x = tf.randomNormal([3, 1, 11, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([1, 3, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    return (['same', 'valid'] as const).map((pad) =>
      Array.from(tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 1, pad))))(w).dataSync()),
    );
  });
}

const registered = new Set<string>();

/**
 * Makes tfjs-layers' Conv1D trainable (WASM) or fast enough to train (CPU)
 * on the current backend; returns what was done, for the results' notes.
 * The kernel is checked against tfjs' CPU kernel on two cases first.
 */
export async function registerConvFilterGrad(): Promise<string> {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return `${backend}: tfjs' own Conv2DBackpropFilter`;
  const mine = (): tf.KernelConfig => {
    if (backend === 'cpu') return { kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: cpuFilterGrad as unknown as tf.KernelFunc };
    const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
    if (conv3d === undefined) throw new Error('bench: the WASM backend has no Conv3DBackpropFilterV2');
    return { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: wasmFilterGrad(conv3d) };
  };
  if (registered.has(backend)) return describe(backend);
  // Through initBackend, which also keeps tfjs' CPU backend from printing its tfjs-node advert.
  await initBackend({ backend: 'cpu', env: {} });
  const reference = filterGradCases();
  await initBackend({ backend, env: {} });
  const original = tf.getKernel('Conv2DBackpropFilter', backend);
  if (original !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', backend);
  tf.registerKernel(mine());
  const got = filterGradCases();
  const worst = Math.max(...got.flatMap((g, i) => g.map((v, j) => Math.abs(v - reference[i]![j]!) / Math.max(1, Math.abs(reference[i]![j]!)))));
  if (!(worst < 1e-4)) {
    tf.unregisterKernel('Conv2DBackpropFilter', backend);
    if (original !== undefined) tf.registerKernel(original);
    throw new Error(`bench: the composed Conv2DBackpropFilter on ${backend} differs from tfjs' CPU kernel by ${worst}`);
  }
  registered.add(backend);
  return describe(backend);
}

function describe(backend: string): string {
  return backend === 'wasm'
    ? 'wasm: tfjs-layers Conv1D trains through a Conv2DBackpropFilter registered by the bench, composed from the WASM backend\'s native Conv3DBackpropFilterV2 (stride 1), checked against tfjs\' CPU kernel; the whole tagger is compared'
    : 'cpu: tfjs\' Conv2DBackpropFilter (per-element TensorBuffer.get) replaced by the same loops over flat arrays, checked against the original; the whole tagger is compared';
}

// ------------------------------------------------------------- models

export interface TaggerShape {
  readonly features: number;
  readonly filters: number;
  readonly kernel: number;
  readonly units: number;
  readonly classes: number;
}

export const TAGGER: TaggerShape = { features: 40, filters: 64, kernel: 5, units: 128, classes: 10 };

export interface ClassifierShape {
  readonly features: number;
  readonly filters: number;
  readonly kernel: number;
  readonly hidden: number;
  readonly classes: number;
}

export const CLASSIFIER: ClassifierShape = { features: 16, filters: 32, kernel: 3, hidden: 24, classes: 5 };

function compile(model: tf.LayersModel): tf.LayersModel {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/**
 * conv1d(64, 5, same) -> batchnorm -> relu -> GRU(128, sequences) -> dense(10)
 * softmax, behind `Masking(0)` when `masking`. tfjs-layers' GRU has no
 * reset_after, so the seqnet side uses `reset_after: false` (the same
 * equations and weight shapes); its recurrent activation is set to sigmoid
 * as seqnet's (tfjs' default is hard sigmoid). Glorot recurrent weights:
 * tfjs' Orthogonal initializer takes seconds and does not change speed.
 */
export function taggerBaseline(masking: boolean, a: TaggerShape = TAGGER): tf.LayersModel {
  const input = tf.input({ shape: [null, a.features] });
  let h = input;
  if (masking) h = tf.layers.masking({ maskValue: 0 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv1d({ filters: a.filters, kernelSize: a.kernel, padding: 'same' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.gru({ units: a.units, returnSequences: true, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: a.classes, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return compile(tf.model({ inputs: input, outputs: h, name: masking ? 'tagger_masking' : 'tagger_plain' }));
}

/**
 * examples/classifier.seqnet in tfjs-layers: conv1d(32, 3, relu) -> dropout
 * -> concat(global average, global max) -> dense(24) -> gelu -> layer norm
 * -> dense(5), the loss reading the last layer as probabilities (as the
 * example's crossentropy without from_logits).
 */
export function classifierBaseline(masking: boolean, a: ClassifierShape = CLASSIFIER): tf.LayersModel {
  const input = tf.input({ shape: [null, a.features] });
  let h = input;
  if (masking) h = tf.layers.masking({ maskValue: 0 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv1d({ filters: a.filters, kernelSize: a.kernel, padding: 'same', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.1 }).apply(h) as tf.SymbolicTensor;
  const avg = tf.layers.globalAveragePooling1d().apply(h) as tf.SymbolicTensor;
  const max = tf.layers.globalMaxPooling1d().apply(h) as tf.SymbolicTensor;
  let p = tf.layers.concatenate().apply([avg, max]) as tf.SymbolicTensor;
  p = tf.layers.dense({ units: a.hidden }).apply(p) as tf.SymbolicTensor;
  p = tf.layers.activation({ activation: 'gelu' as never }).apply(p) as tf.SymbolicTensor;
  p = tf.layers.layerNormalization().apply(p) as tf.SymbolicTensor;
  p = tf.layers.dense({ units: a.classes }).apply(p) as tf.SymbolicTensor;
  return compile(tf.model({ inputs: input, outputs: p, name: masking ? 'classifier_masking' : 'classifier_plain' }));
}

/** One training step through tfjs-layers' own loop; returns its (unmasked) loss. */
export async function baselineStep(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const loss = await model.trainOnBatch(x, y);
  return Array.isArray(loss) ? loss[0]! : loss;
}
