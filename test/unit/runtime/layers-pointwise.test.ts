import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import {
  SeqnetActivation,
  SeqnetAdd,
  SeqnetCast,
  SeqnetConcat,
  SeqnetDense,
  SeqnetDropout,
  SeqnetEmbedding,
} from '../../../src/runtime/layers/pointwise.js';
import type { ActivationName } from '../../../src/runtime/layers/activations.js';
import { layerFactory } from '../../../src/runtime/layers/registry.js';
import { setBaseSeed } from '../../../src/runtime/layers/init.js';
import { BACKENDS, expectAllFinite, expectClose, gradsOf, randInt, randn, trainableVars, useBackend } from './layers-helpers.js';

/** The tfjs-layers layer computing the same activation. */
function tfjsActivation(name: ActivationName): tf.layers.Layer {
  switch (name) {
    case 'leaky_relu':
      return tf.layers.leakyReLU({ alpha: 0.2 });
    case 'elu':
      return tf.layers.elu({ alpha: 1 });
    case 'softmax':
      return tf.layers.softmax({ axis: -1 });
    case 'none':
      return tf.layers.activation({ activation: 'linear' });
    default:
      return tf.layers.activation({ activation: name as 'relu' });
  }
}

const FUSED: ActivationName[] = ['none', 'relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'elu', 'leaky_relu', 'softmax'];

describe.each(BACKENDS)('pointwise layers on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe('dense', () => {
    for (const activation of FUSED) {
      it(`matches tfjs Dense + ${activation} on [B, C] and [B, T, C], values and gradients`, () => {
        for (const shape of [
          [4, 5],
          [2, 3, 5],
        ]) {
          const x = randn(shape, 1);
          const theirs = tf.layers.dense({ units: 6 });
          const act = tfjsActivation(activation);
          theirs.apply(x);
          theirs.setWeights([randn([5, 6], 2, 0.5), randn([6], 3)]);
          const mine = new SeqnetDense({ units: 6, activation });
          mine.apply(x);
          mine.setWeights(theirs.getWeights());
          const ref = () => act.apply(theirs.apply(x)) as tf.Tensor;
          const y = mine.apply(x) as tf.Tensor;
          expectClose(y, ref());
          const r = randn(y.shape, 4);
          const [dk, db] = gradsOf(() => mine.apply(x) as tf.Tensor, r, trainableVars(mine));
          const [tk, tb] = gradsOf(ref, r, trainableVars(theirs));
          expectClose(dk!, tk!);
          expectClose(db!, tb!);
          const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mine.apply(xx) as tf.Tensor, r)))(x);
          const tx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(act.apply(theirs.apply(xx)) as tf.Tensor, r)))(x);
          expectClose(dx, tx);
        }
      });
    }

    it('maps an empty time axis to an empty output', () => {
      const y = new SeqnetDense({ units: 3 }).apply(tf.zeros([2, 0, 5])) as tf.Tensor;
      expect(y.shape).toEqual([2, 0, 3]);
    });

    it('has no bias weight with useBias false and keeps zero steps zero', () => {
      const mine = new SeqnetDense({ units: 3, useBias: false });
      const y = mine.apply(tf.zeros([2, 4, 5])) as tf.Tensor;
      expect(mine.getWeights().length).toBe(1);
      expectClose(y, tf.zeros([2, 4, 3]), 0, 0);
    });

    it('draws the same kernel for the same base seed and name, another for another name', () => {
      setBaseSeed(123);
      const a = new SeqnetDense({ name: 'h', units: 4 });
      const b = new SeqnetDense({ name: 'g', units: 4 });
      setBaseSeed(123);
      const c = new SeqnetDense({ name: 'h', units: 4 });
      for (const l of [a, b, c]) l.apply(tf.zeros([1, 3]));
      expect(a.getWeights()[0]!.dataSync()).toEqual(c.getWeights()[0]!.dataSync());
      expect(a.getWeights()[0]!.dataSync()).not.toEqual(b.getWeights()[0]!.dataSync());
      const limit = Math.sqrt(6 / 7);
      expect(Math.max(...a.getWeights()[0]!.dataSync().map(Math.abs))).toBeLessThanOrEqual(limit);
      setBaseSeed();
    });
  });

  describe('activation layers', () => {
    for (const activation of FUSED.filter((a) => a !== 'none')) {
      it(`${activation} matches tfjs on [B, T, C] in value and gradient`, () => {
        const x = randn([2, 3, 4], 5, 2);
        const mine = new SeqnetActivation({ activation });
        const theirs = tfjsActivation(activation);
        expectClose(mine.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor);
        const r = randn([2, 3, 4], 6);
        const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mine.apply(xx) as tf.Tensor, r)))(x);
        const tx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(theirs.apply(xx) as tf.Tensor, r)))(x);
        expectClose(dx, tx);
      });
    }

    it('leaky_relu takes its alpha', () => {
      const y = new SeqnetActivation({ activation: 'leaky_relu', alpha: 0.5 }).apply(tf.tensor2d([[-2, 3]])) as tf.Tensor;
      expectClose(y, tf.tensor2d([[-1, 3]]), 0, 0);
    });
  });

  describe('embedding', () => {
    it('matches tfjs Embedding given the same weights, and sums gradients of repeated ids', () => {
      const ids = randInt([3, 5], 0, 7, 7);
      const theirs = tf.layers.embedding({ inputDim: 7, outputDim: 4 });
      theirs.apply(ids);
      const mine = new SeqnetEmbedding({ inputDim: 7, outputDim: 4 });
      mine.apply(ids);
      mine.setWeights(theirs.getWeights());
      expect(mine.getWeights()[0]!.shape).toEqual([7, 4]);
      const y = mine.apply(ids) as tf.Tensor;
      expectClose(y, theirs.apply(ids) as tf.Tensor);
      const r = randn([3, 5, 4], 8);
      const [de] = gradsOf(() => mine.apply(ids) as tf.Tensor, r, trainableVars(mine));
      // Reference: row v of the gradient is the sum of r over the positions holding id v.
      const idList = Array.from(ids.dataSync());
      const rows = r.reshape([15, 4]).arraySync() as number[][];
      const ref = Array.from({ length: 7 }, (_, v) => [0, 1, 2, 3].map((c) => idList.reduce((acc, id, p) => acc + (id === v ? rows[p]![c]! : 0), 0)));
      expectClose(de!, tf.tensor2d(ref));
      if (backend === 'cpu') {
        // tfjs' gather gradient needs UnsortedSegmentSum, missing on WASM.
        const [te] = gradsOf(() => theirs.apply(ids) as tf.Tensor, r, trainableVars(theirs));
        expectClose(de!, te!);
      }
    });

    it('never crashes on out-of-range ids and stays finite', () => {
      const mine = new SeqnetEmbedding({ inputDim: 5, outputDim: 3 });
      const ids = tf.tensor2d([[-1, -100, 4, 5, 1e6]], [1, 5], 'int32');
      const y = mine.apply(ids) as tf.Tensor;
      expect(y.shape).toEqual([1, 5, 3]);
      expectAllFinite(y);
      const [de] = gradsOf(() => mine.apply(ids) as tf.Tensor, tf.ones([1, 5, 3]), trainableVars(mine));
      expectAllFinite(de!);
      expect((mine.apply(tf.zeros([2, 0], 'int32')) as tf.Tensor).shape).toEqual([2, 0, 3]);
    });
  });

  it('cast converts between f32 and i32 (truncating)', () => {
    const toInt = new SeqnetCast({ to: 'int32' }).apply(tf.tensor2d([[1.7, -2.5]])) as tf.Tensor;
    expect(toInt.dtype).toBe('int32');
    expect(Array.from(toInt.dataSync())).toEqual([1, -2]);
    const toFloat = new SeqnetCast({ to: 'float32' }).apply(tf.tensor2d([[3, 4]], [1, 2], 'int32')) as tf.Tensor;
    expect(toFloat.dtype).toBe('float32');
  });

  it('dropout is the identity at inference and inverted dropout in training', () => {
    const layer = new SeqnetDropout({ rate: 0.5 });
    const x = tf.ones([4, 50, 10]);
    expectClose(layer.apply(x) as tf.Tensor, x, 0, 0);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const values = Array.from(y.dataSync());
    expect(values.every((v) => v === 0 || Math.abs(v - 2) < 1e-6)).toBe(true);
    const kept = values.filter((v) => v !== 0).length / values.length;
    expect(kept).toBeGreaterThan(0.4);
    expect(kept).toBeLessThan(0.6);
    // Zeros stay zeros (keeps_zeros).
    expectClose(layer.apply(tf.zeros([2, 3, 4]), { training: true }) as tf.Tensor, tf.zeros([2, 3, 4]), 0, 0);
  });

  it('dropout draws its mask from the layer seed: reproducible, fresh per call, and the gradient is the same mask', () => {
    const x = tf.ones([2, 40, 8]);
    const draw = (layer: SeqnetDropout) => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync());
    const a = new SeqnetDropout({ rate: 0.25, seed: 11 });
    const b = new SeqnetDropout({ rate: 0.25, seed: 11 });
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    const second = draw(a);
    expect(second).not.toEqual(first);
    expect(draw(new SeqnetDropout({ rate: 0.25, seed: 12 }))).not.toEqual(first);
    const kept = first.filter((v) => v !== 0).length / first.length;
    expect(kept).toBeGreaterThan(0.68);
    expect(kept).toBeLessThan(0.82);
    const c = new SeqnetDropout({ rate: 0.25, seed: 11 });
    const xs = randn([2, 40, 8], 3);
    const { value, grads } = tf.valueAndGrads((v: tf.Tensor) => tf.sum(c.apply(v, { training: true }) as tf.Tensor))([xs]);
    const y = Array.from((new SeqnetDropout({ rate: 0.25, seed: 11 }).apply(tf.ones(xs.shape), { training: true }) as tf.Tensor).dataSync());
    expect(Array.from(grads[0]!.dataSync())).toEqual(y);
    expect(value.dataSync()[0]).toBeCloseTo(tf.sum(tf.mul(xs, tf.tensor(y, xs.shape))).dataSync()[0]!, 3);
    expect(Array.from((new SeqnetDropout({ rate: 1 }).apply(xs, { training: true }) as tf.Tensor).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('add and concat work on equal shapes and broadcast [B, C] over time, with gradients', () => {
    const a = randn([2, 3, 4], 9);
    const b = randn([2, 3, 4], 10);
    const v = randn([2, 4], 11);
    const add = new SeqnetAdd({});
    expectClose(add.apply([a, b]) as tf.Tensor, tf.add(a, b));
    expectClose(add.apply([a, v]) as tf.Tensor, tf.add(a, tf.expandDims(v, 1)));
    expectClose(add.apply([v, a]) as tf.Tensor, tf.add(a, tf.expandDims(v, 1)));
    const dv = tf.grad((vv: tf.Tensor) => tf.sum(add.apply([a, vv]) as tf.Tensor))(v);
    expectClose(dv, tf.fill([2, 4], 3));
    const cat = new SeqnetConcat({});
    const c = cat.apply([a, randn([2, 3, 2], 12)]) as tf.Tensor;
    expect(c.shape).toEqual([2, 3, 6]);
    const cv = cat.apply([a, v]) as tf.Tensor;
    expect(cv.shape).toEqual([2, 3, 8]);
    expectClose(tf.slice(cv, [0, 2, 4], [2, 1, 4]).reshape([2, 4]), v);
    const sym = cat.apply([tf.input({ shape: [null, 4] }), tf.input({ shape: [2] })]) as tf.SymbolicTensor;
    expect(sym.shape).toEqual([null, null, 6]);
  });

  it('registers the pointwise kinds with resolved .seqnet parameters', () => {
    const d = layerFactory('dense')!('h', { units: 8, bias: false, activation: 'gelu' }) as SeqnetDense;
    expect([d.name, d.units, d.useBias, d.activation]).toEqual(['h', 8, false, 'gelu']);
    const e = layerFactory('embedding')!('emb', { vocab: 100, dim: 16 }) as SeqnetEmbedding;
    expect([e.inputDim, e.outputDim]).toEqual([100, 16]);
    expect((layerFactory('leaky_relu')!('l', { alpha: 0.1 }) as SeqnetActivation).alpha).toBe(0.1);
    expect((layerFactory('cast')!('c', { to: 'i32' }) as SeqnetCast).to).toBe('int32');
    expect((layerFactory('dropout')!('d', { rate: 0.25 }) as SeqnetDropout).rate).toBe(0.25);
    for (const kind of ['relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'elu', 'softmax']) {
      expect((layerFactory(kind)!('a', {}) as SeqnetActivation).activation).toBe(kind);
    }
    expect(layerFactory('add')!('s', {})).toBeInstanceOf(SeqnetAdd);
    expect(layerFactory('concat')!('s', {})).toBeInstanceOf(SeqnetConcat);
    expect(() => layerFactory('dense')!('h', {})).toThrow(/units/);
  });
});
