/**
 * The baseline: the tagger's architecture in plain tfjs-layers, the way its
 * documentation suggests for padded sequences (Masking(0) as the mask
 * source, model.compile + model.fit with sparse categorical crossentropy).
 * It starts from the seqnet model's initial weights, so that any difference
 * after training comes from how each side treats padding.
 */
import { tf } from '../src/runtime/index.js';

export interface Architecture {
  readonly features: number;
  readonly classes: number;
  readonly filters: number;
  readonly kernel: number;
  readonly units: number;
}

/** Initial weights by tfjs-layers order, read from a seqnet model by `<value>/<weight>` name. */
export type WeightSnapshot = ReadonlyMap<string, { readonly shape: number[]; readonly values: Float32Array }>;

/** The seqnet weights of each weighted baseline layer (conv, batch norm, GRU, dense), in that layer's own order. */
export function baselineWeightOrder(conv: string, norm: string, rnn: string, dense: string): string[][] {
  return [
    [`${conv}/kernel`, `${conv}/bias`],
    [`${norm}/gamma`, `${norm}/beta`, `${norm}/moving_mean`, `${norm}/moving_variance`],
    [`${rnn}/kernel`, `${rnn}/recurrent_kernel`, `${rnn}/bias`],
    [`${dense}/kernel`, `${dense}/bias`],
  ];
}

export function buildBaseline(a: Architecture, initial: WeightSnapshot, order: readonly (readonly string[])[], learningRate: number): tf.LayersModel {
  const input = tf.input({ shape: [null, a.features] });
  // Initializers are overwritten below; zeros avoid tfjs' slow Orthogonal initializer for the GRU.
  const layers: tf.layers.Layer[] = [
    tf.layers.masking({ maskValue: 0 }),
    tf.layers.conv1d({ filters: a.filters, kernelSize: a.kernel, padding: 'same', kernelInitializer: 'zeros' }),
    tf.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 }),
    tf.layers.reLU(),
    // seqnet's gru(reset_after: false) has tfjs-layers' GRU equations and weight layout.
    tf.layers.gru({ units: a.units, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: 'zeros', recurrentInitializer: 'zeros' }),
    tf.layers.dense({ units: a.classes, activation: 'softmax', kernelInitializer: 'zeros' }),
  ];
  let h = input as tf.SymbolicTensor;
  for (const l of layers) h = l.apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: h, name: 'baseline' });
  const weighted = layers.filter((l) => l.weights.length > 0);
  weighted.forEach((layer, i) => {
    const values = order[i]!.map((name) => {
      const w = initial.get(name);
      if (w === undefined) throw new Error(`demo: the seqnet model has no weight ${name} (has ${[...initial.keys()].join(', ')})`);
      return tf.tensor(w.values, w.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  });
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/** One training step on a padded batch through model.fit; returns the loss tfjs-layers reports (over every step). */
export async function fitBatch(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  // tfjs-layers wants sparse targets as [B, T, 1].
  const target = tf.tidy(() => tf.expandDims(tf.cast(y, 'float32'), -1));
  try {
    const h = await model.fit(x, target, { batchSize: x.shape[0], epochs: 1, shuffle: false, verbose: 0 });
    return h.history['loss']![0] as number;
  } finally {
    target.dispose();
  }
}
