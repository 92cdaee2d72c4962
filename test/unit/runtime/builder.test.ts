import { beforeAll, describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../../src/runtime/builder.js';
import { padBatch, unpad, type Sample } from '../../../src/runtime/data.js';
import { tf } from '../../../src/runtime/tf.js';
import { ids, idsManifest, maxAbsDiff, pooled, pre, recurrent, rng, sequence, tagger, taggerManifest } from './model-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function flat(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** R1: every sequence of a padded batch gives the outputs it gives alone. */
function expectPerSequenceEquivalence(model: ReturnType<typeof tagger>, samples: Sample[]): void {
  const batch = padBatch(samples, model.manifest, { targets: false });
  const together = unpad(model.predict(batch.inputs));
  samples.forEach((sample, i) => {
    const one = padBatch([sample], model.manifest, { targets: false });
    const alone = unpad(model.predict(one.inputs))[0]!;
    for (const key of Object.keys(alone)) {
      const a = (together[i]![key] as number[]).flat(3) as number[];
      const b = (alone[key] as number[]).flat(3) as number[];
      expect(a.length, `${key} of sample ${i}`).toBe(b.length);
      expect(maxAbsDiff(a, b), `${key} of sample ${i}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.max(...b.map(Math.abs), 0));
    }
    one.dispose();
  });
  batch.dispose();
}

describe('ModelBuilder', () => {
  it('names weights <value>/<weight>, with the moving statistics non-trainable', () => {
    const m = pooled();
    // tfjs lists trainable weights first, as Keras does.
    expect(m.weights.map((w) => w.originalName)).toEqual([
      'c_1/kernel',
      'c_1/bias',
      'c_2/gamma',
      'c_2/beta',
      'score/kernel',
      'score/bias',
      'c_2/moving_mean',
      'c_2/moving_variance',
    ]);
    expect(m.trainableWeights.map((w) => w.originalName)).toEqual(['c_1/kernel', 'c_1/bias', 'c_2/gamma', 'c_2/beta', 'score/kernel', 'score/bias']);
    expect(m.weights.find((w) => w.originalName === 'c_1/kernel')!.shape).toEqual([3, 2, 4]);
  });

  it('names the two directions of an RNN <value>/forward/... and <value>/backward/... (Keras shapes)', () => {
    const m = recurrent();
    const shapes = Object.fromEntries(m.weights.map((w) => [w.originalName, w.shape]));
    expect(shapes).toEqual({
      'r/forward/kernel': [2, 12],
      'r/forward/recurrent_kernel': [4, 12],
      'r/forward/bias': [2, 12],
      'r/backward/kernel': [2, 12],
      'r/backward/recurrent_kernel': [4, 12],
      'r/backward/bias': [2, 12],
      'f/kernel': [8, 12],
      'f/recurrent_kernel': [3, 12],
      'f/bias': [12],
      'logits/kernel': [3, 2],
      'logits/bias': [2],
    });
  });

  it('keeps value names for layers and renames only its own weightless helpers on a clash', () => {
    const m = tagger();
    const names = m.model.layers.map((l) => l.name);
    // The mask source was called 'x', like the input: the input keeps the name.
    expect(names).toContain('x');
    expect(names).toContain('x__mask_source');
    expect(names).toEqual(expect.arrayContaining(['h_1', 'h', 'logits', 'logits__fill']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('derives every weight from the seed: same seed, same weights; another seed, others', () => {
    for (const make of [tagger, pooled, recurrent]) {
      const a = make(7);
      const b = make(7);
      const c = make(8);
      for (let i = 0; i < a.weights.length; i++) {
        const w = a.weights[i]!;
        expect(flat(w.read()), w.originalName).toEqual(flat(b.weights[i]!.read()));
        // Every randomly initialized weight (not a zero bias, a one gamma) moves with the seed.
        if (/kernel|embeddings/.test(w.originalName)) expect(flat(w.read()), w.originalName).not.toEqual(flat(c.weights[i]!.read()));
      }
    }
  });

  it('predicts outputs and float32 0/1 masks, with padded steps exactly 0', () => {
    const m = tagger();
    const x = tf.tensor3d(
      [
        [[1, 2, 3], [4, 5, 6], [0, 0, 0], [0, 0, 0]],
        [[1, -1, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
      ],
    );
    const out = m.predict({ x });
    expect(Object.keys(out).sort()).toEqual(['logits', 'logits_mask']);
    expect(out['logits']!.shape).toEqual([2, 4, 3]);
    expect(out['logits_mask']!.dtype).toBe('float32');
    expect(out['logits_mask']!.arraySync()).toEqual([
      [1, 1, 0, 0],
      [1, 0, 0, 0],
    ]);
    const logits = out['logits']!.arraySync() as number[][][];
    expect(logits[0]![2]).toEqual([0, 0, 0]);
    expect(logits[1]![3]).toEqual([0, 0, 0]);
    // Real steps carry the bias: they are not zero.
    expect(logits[1]![0]!.some((v) => v !== 0)).toBe(true);
  });

  it('keeps per-sequence equivalence (R1) for zeros, lengths (stride 2 + batchnorm), pre mask, value(-1) sources and a pre-padded GRU/LSTM stack', () => {
    const r = rng(11);
    const lengths = [5, 1, 8, 3, 0, 7];
    expectPerSequenceEquivalence(tagger(), lengths.map((L) => ({ x: sequence(r, L, 3) })));
    expectPerSequenceEquivalence(pooled(), lengths.map((L) => ({ x: sequence(r, L, 2) })));
    expectPerSequenceEquivalence(pre(), lengths.map((L) => ({ x: sequence(r, L, 2) })));
    expectPerSequenceEquivalence(ids(), lengths.map((L) => ({ ids: Array.from({ length: L }, () => Math.floor(r() * 5)) })));
    expectPerSequenceEquivalence(recurrent(), lengths.map((L) => ({ x: sequence(r, L, 2) })));
  });

  it('gives the pooled sequence output of an empty row as 0 and its time output an all-zero mask', () => {
    const m = pooled();
    const out = m.predict({ x: tf.ones([2, 4, 2]), n: tf.tensor1d([4, 0], 'int32') });
    expect(out['h_mask']!.arraySync()).toEqual([
      [1, 1],
      [0, 0],
    ]);
    expect(flat(out['h']!).slice(8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Number.isFinite(out['score']!.dataSync()[1])).toBe(true);
  });

  it('hands out separate tensors when two outputs are the same value', () => {
    const b = new ModelBuilder({ ...taggerManifest, outputs: [...taggerManifest.outputs, { ...taggerManifest.outputs[0]!, name: 'again' }] }, { seed: 1 });
    const xRaw = b.input('x', 'float32', [null, null, 3]);
    const { value, mask } = b.maskSource('x', xRaw, { source: 'zeros', layout: 'post' });
    const d = b.layer('d', 'dense', [value], { units: 2, bias: false, activation: 'none' });
    b.output('logits', d, mask);
    b.output('again', d, mask);
    const m = b.build();
    const out = m.predict({ x: tf.ones([1, 2, 3]) });
    out['logits']!.dispose();
    out['logits_mask']!.dispose();
    expect(out['again']!.isDisposed).toBe(false);
    expect(out['again_mask']!.arraySync()).toEqual([[1, 1]]);
  });

  it('rejects an unknown layer kind, a loss on a non-target, a name used twice and a second build', () => {
    const b = new ModelBuilder(idsManifest, { seed: 1 });
    const raw = b.input('ids', 'int32', [null, null]);
    expect(() => b.layer('e', 'no_such_layer', [raw], {})).toThrow(/unknown layer kind 'no_such_layer'/);
    const e = b.layer('e', 'embedding', [raw], { vocab: 5, dim: 2 });
    expect(() => b.layer('e', 'relu', [e], {})).toThrow(/'e' is used twice/);
    expect(() => b.loss('mse', e, raw, {})).toThrow(/not a target/);
    expect(() => b.loss('no_such_loss', e, raw, {})).toThrow(/unknown loss kind/);
    b.output('logits', e);
    b.build();
    expect(() => b.build()).toThrow(/twice/);
  });

  it('fills the manifest with output layouts and the loss terms', () => {
    const m = pre();
    expect(m.manifest.outputs[0]!.layout).toBe('pre');
    expect(m.manifest.losses).toEqual([{ kind: 'mse', pred: 'out', target: 'y', params: { weight: 1, reduction: 'mean' }, masked: true, layout: 'pre' }]);
  });
});
