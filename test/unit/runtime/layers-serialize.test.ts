import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { Fill, MaskSource, Sanitize, WindowMask } from '../../../src/runtime/layers/masks.js';
import {
  SeqnetActivation,
  SeqnetAdd,
  SeqnetCast,
  SeqnetConcat,
  SeqnetDense,
  SeqnetDropout,
  SeqnetEmbedding,
} from '../../../src/runtime/layers/pointwise.js';
import { SeqnetAvgPool1D, SeqnetConv1D, SeqnetMaxPool1D } from '../../../src/runtime/layers/window.js';
import { SeqnetBatchNorm, SeqnetLayerNorm } from '../../../src/runtime/layers/norm.js';
import { SeqnetGlobalAvgPool, SeqnetGlobalMaxPool, SeqnetLast } from '../../../src/runtime/layers/reduce.js';
import { layerFactory, registeredLayerKinds } from '../../../src/runtime/layers/registry.js';
import { BACKENDS, expectClose, maskSourcePair, randInt, randn, useBackend } from './layers-helpers.js';

/** A small tagger with every built-in layer class but the RNNs, masks wired explicitly. */
function buildModel(): tf.LayersModel {
  const ids = tf.input({ name: 'ids', shape: [null], dtype: 'int32' });
  const feats = tf.input({ name: 'x', shape: [null, 3] });
  const lengths = tf.input({ name: 'n', shape: [], dtype: 'int32' });
  const [cleanIds, mask] = maskSourcePair({ name: 'ids_mask', source: 'lengths', layout: 'post' }).apply([ids, lengths]) as tf.SymbolicTensor[];
  const [cleanX] = maskSourcePair({ name: 'x_mask', source: 'lengths', layout: 'post' }).apply([feats, lengths]) as tf.SymbolicTensor[];
  const emb = new SeqnetEmbedding({ name: 'emb', inputDim: 11, outputDim: 4 }).apply(cleanIds!) as tf.SymbolicTensor;
  const joined = new SeqnetConcat({ name: 'joined' }).apply([emb, cleanX!]) as tf.SymbolicTensor;
  const h = new SeqnetDense({ name: 'h', units: 6, activation: 'gelu' }).apply(joined) as tf.SymbolicTensor;
  const hn = new SeqnetLayerNorm({ name: 'hn', epsilon: 1e-3 }).apply(h) as tf.SymbolicTensor;
  const hf = new Fill({ name: 'hn_fill' }).apply([hn, mask!]) as tf.SymbolicTensor;
  const c = new SeqnetConv1D({ name: 'c', filters: 5, kernelSize: 3, strides: 2, padding: 'same' }).apply(hf) as tf.SymbolicTensor;
  const cm = new WindowMask({ name: 'c_mask', kernel: 3, stride: 2, dilation: 1, mode: 'same', layout: 'post' }).apply(mask!) as tf.SymbolicTensor;
  const b = new SeqnetBatchNorm({ name: 'b', momentum: 0.9 }).apply([c, cm]) as tf.SymbolicTensor;
  const r = new SeqnetActivation({ name: 'r', activation: 'relu' }).apply(b) as tf.SymbolicTensor;
  const d = new SeqnetDropout({ name: 'd', rate: 0.3 }).apply(r) as tf.SymbolicTensor;
  const p = new SeqnetMaxPool1D({ name: 'p', poolSize: 2, strides: 1, padding: 'same' }).apply([d, cm]) as tf.SymbolicTensor;
  const a = new SeqnetAvgPool1D({ name: 'a', poolSize: 2, strides: 1, padding: 'valid' }).apply([p, cm]) as tf.SymbolicTensor;
  const s = new SeqnetAdd({ name: 's' }).apply([p, new SeqnetGlobalAvgPool({ name: 'g' }).apply([p, cm]) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const logits = new SeqnetDense({ name: 'logits', units: 3 }).apply(s) as tf.SymbolicTensor;
  const out = new Fill({ name: 'logits_fill' }).apply([logits, cm]) as tf.SymbolicTensor;
  const pooled = new SeqnetGlobalMaxPool({ name: 'gm' }).apply([a, new WindowMask({ name: 'a_mask', kernel: 2, stride: 1, dilation: 1, mode: 'valid', layout: 'post' }).apply(cm) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const lastStep = new SeqnetLast({ name: 'l' }).apply([out, cm]) as tf.SymbolicTensor;
  const asInt = new SeqnetCast({ name: 'k', to: 'int32' }).apply(cm) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, feats, lengths], outputs: [out, cm, pooled, lastStep, asInt], name: 'tagger' });
}

describe.each(BACKENDS)('serialization on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('round-trips a model of seqnet layers through model.save / tf.loadLayersModel', async () => {
    const model = buildModel();
    const feeds = [randInt([3, 7], 0, 11, 1), randn([3, 7, 3], 2), tf.tensor1d([7, 3, 0], 'int32')];
    // The training kwargs reach every layer through a functional model: updateStats: false keeps the
    // moving statistics, training alone moves them (so that they must round-trip too).
    const movingMean = () => Array.from(model.getLayer('b').getWeights()[2]!.dataSync());
    const initial = movingMean();
    model.apply(feeds, { training: true, updateStats: false });
    expect(movingMean()).toEqual(initial);
    model.apply(feeds, { training: true });
    expect(movingMean()).not.toEqual(initial);
    const names = model.weights.map((w) => w.originalName);
    expect(names).toEqual([
      'emb/embeddings',
      'h/kernel',
      'h/bias',
      'hn/gamma',
      'hn/beta',
      'c/kernel',
      'c/bias',
      'b/gamma',
      'b/beta',
      'logits/kernel',
      'logits/bias',
      // Non-trainable weights come last, as in tfjs-layers and Keras.
      'b/moving_mean',
      'b/moving_variance',
    ]);
    // model.predict would expand the rank-1 lengths input to [B, 1] (tfjs' standardizeInputData): call apply.
    const before = model.apply(feeds) as tf.Tensor[];
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const classes = [...new Set(JSON.stringify(saved!.modelTopology).match(/(?<="class_name":")Seqnet\w+/g))].sort();
    expect(classes).toEqual(
      [
        MaskSource, Sanitize, SeqnetEmbedding, SeqnetConcat, SeqnetDense, SeqnetLayerNorm, Fill, SeqnetConv1D, WindowMask, SeqnetBatchNorm,
        SeqnetActivation, SeqnetDropout, SeqnetMaxPool1D, SeqnetAvgPool1D, SeqnetAdd, SeqnetGlobalAvgPool, SeqnetGlobalMaxPool,
        SeqnetLast, SeqnetCast,
      ].map((c) => c.className).sort(),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.weights.map((w) => w.originalName)).toEqual(names);
    const after = loaded.apply(feeds) as tf.Tensor[];
    expect(after.length).toBe(5);
    before.forEach((t, i) => expectClose(after[i]!, t, 0, 0));
    // Padded steps of the filled output are exactly zero.
    const out = before[0]!.arraySync() as number[][][];
    expect(out[2]!.flat().every((v) => v === 0)).toBe(true);
    expect(out[1]!.slice(2).flat().every((v) => v === 0)).toBe(true);
    expect(before[4]!.dtype).toBe('int32');
  });

  it('registers every non-recurrent layer kind', () => {
    const kinds = registeredLayerKinds().filter((k) => k !== 'gru' && k !== 'lstm');
    expect(kinds).toEqual(
      [
        'add',
        'avgpool1d',
        'batchnorm',
        'cast',
        'concat',
        'conv1d',
        'dense',
        'dropout',
        'elu',
        'embedding',
        'gelu',
        'global_avgpool',
        'global_maxpool',
        'last',
        'layernorm',
        'leaky_relu',
        'maxpool1d',
        'relu',
        'sigmoid',
        'softmax',
        'softplus',
        'tanh',
      ].sort(),
    );
    expect(layerFactory('relu')!('x', {}).getClassName()).toBe('SeqnetActivation');
  });
});
