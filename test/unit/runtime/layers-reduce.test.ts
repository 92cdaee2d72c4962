import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { SeqnetGlobalAvgPool, SeqnetGlobalMaxPool, SeqnetLast } from '../../../src/runtime/layers/reduce.js';
import { layerFactory } from '../../../src/runtime/layers/registry.js';
import { BACKENDS, expectAllFinite, expectClose, fillPadded, postMask, preMask, randn, useBackend } from './layers-helpers.js';

function gradX(layer: tf.layers.Layer, x: tf.Tensor, mask: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply([xx, mask]) as tf.Tensor, r)))(x);
}

describe.each(BACKENDS)('time reductions on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('match tfjs global pools and the last step on an unpadded batch, values and gradients', () => {
    const x = randn([3, 5, 4], 1);
    const ones = tf.ones([3, 5]);
    const r = randn([3, 4], 2);
    const pairs: [tf.layers.Layer, (v: tf.Tensor) => tf.Tensor][] = [
      [new SeqnetGlobalAvgPool({}), (v) => tf.layers.globalAveragePooling1d({}).apply(v) as tf.Tensor],
      [new SeqnetGlobalMaxPool({}), (v) => tf.layers.globalMaxPooling1d({}).apply(v) as tf.Tensor],
      [new SeqnetLast({}), (v) => tf.squeeze(tf.slice(v, [0, 4, 0], [3, 1, 4]), [1])],
    ];
    for (const [mine, ref] of pairs) {
      expectClose(mine.apply([x, ones]) as tf.Tensor, ref(x));
      const tx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(ref(xx), r)))(x);
      expectClose(gradX(mine, x, ones, r), tx);
      // Without a mask, every step is real.
      expectClose(mine.apply(x) as tf.Tensor, ref(x));
    }
  });

  it('global_avgpool divides by the real steps; a row without one gives 0, gradient finite', () => {
    const lengths = [5, 2, 0];
    const mask = postMask(lengths, 5);
    const x = fillPadded(randn([3, 5, 2], 3), mask, 0);
    const layer = new SeqnetGlobalAvgPool({});
    const y = layer.apply([x, mask]) as tf.Tensor;
    const rows = x.arraySync() as number[][][];
    const expected = lengths.map((n, b) => [0, 1].map((c) => (n === 0 ? 0 : rows[b]!.slice(0, n).reduce((a, s) => a + s[c]!, 0) / n)));
    expectClose(y, tf.tensor2d(expected));
    expectAllFinite(gradX(layer, x, mask, tf.ones([3, 2])));
  });

  it('global_maxpool ignores padded steps (even 1e30), gives 0 for an empty row, and no gradient reaches padding', () => {
    const lengths = [4, 1, 0];
    const mask = postMask(lengths, 4);
    const x = fillPadded(tf.neg(tf.abs(randn([3, 4, 2], 4))), mask, 1e30);
    const layer = new SeqnetGlobalMaxPool({});
    const y = layer.apply([x, mask]) as tf.Tensor;
    const rows = x.arraySync() as number[][][];
    const expected = lengths.map((n, b) => [0, 1].map((c) => (n === 0 ? 0 : Math.max(...rows[b]!.slice(0, n).map((s) => s[c]!)))));
    expectClose(y, tf.tensor2d(expected));
    const dx = gradX(layer, x, mask, tf.ones([3, 2]));
    expectAllFinite(dx);
    expectClose(fillPadded(dx, tf.sub(1, mask), 0), tf.zeros([3, 4, 2]), 0, 0);
    expectClose(tf.sum(dx), 4);
  });

  it('global_maxpool gradient (hand-written) equals tf.max over the real steps, ties included', () => {
    // Rows with ties at the max, a -Infinity real step, and an empty row.
    const x = tf.tensor3d([
      [[1, 3], [3, 3], [3, -1], [9, 9]],
      [[-Infinity, 2], [-5, 2], [0, 0], [0, 0]],
      [[4, 4], [4, 4], [4, 4], [4, 4]],
    ]);
    const lengths = [3, 2, 0];
    const mask = postMask(lengths, 4);
    const r = randn([3, 2], 5);
    const dx = gradX(new SeqnetGlobalMaxPool({}), x, mask, r).arraySync() as number[][][];
    const rows = x.arraySync() as number[][][];
    const rv = r.arraySync() as number[][];
    lengths.forEach((n, b) => {
      const real = rows[b]!.slice(0, n);
      const reference = n === 0 ? undefined : tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.max(v, 0), tf.tensor1d(rv[b]!))))(tf.tensor2d(real));
      const expected = rows[b]!.map((_, t) => (reference !== undefined && t < n ? (reference.arraySync() as number[][])[t]! : [0, 0]));
      // `+ 0` folds -0 into 0: the sign of a zero gradient does not matter.
      expect(dx[b]!.map((s) => s.map((v) => v + 0))).toEqual(expected.map((s) => s.map((v) => v + 0)));
    });
  });

  it('last picks the last real step for post, pre and holes masks; 0 for an empty row', () => {
    const x = randn([4, 5, 2], 5);
    const rows = x.arraySync() as number[][][];
    const layer = new SeqnetLast({});
    const post = layer.apply([x, postMask([5, 3, 1, 0], 5)]) as tf.Tensor;
    expectClose(post, tf.tensor2d([rows[0]![4]!, rows[1]![2]!, rows[2]![0]!, [0, 0]]));
    const pre = layer.apply([x, preMask([5, 3, 1, 0], 5)]) as tf.Tensor;
    expectClose(pre, tf.tensor2d([rows[0]![4]!, rows[1]![4]!, rows[2]![4]!, [0, 0]]));
    const holes = tf.tensor2d([
      [1, 0, 1, 0, 0],
      [0, 1, 0, 0, 1],
      [1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    const h = layer.apply([x, holes]) as tf.Tensor;
    expectClose(h, tf.tensor2d([rows[0]![2]!, rows[1]![4]!, rows[2]![0]!, [0, 0]]));
    const dx = gradX(layer, x, holes, tf.ones([4, 2]));
    expectClose(tf.sum(dx, 2), tf.tensor2d([
      [0, 0, 2, 0, 0],
      [0, 0, 0, 0, 2],
      [2, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]));
  });

  it('an empty time axis gives zeros [B, C]', () => {
    for (const layer of [new SeqnetGlobalAvgPool({}), new SeqnetGlobalMaxPool({}), new SeqnetLast({})]) {
      const y = layer.apply([tf.zeros([2, 0, 3]), tf.zeros([2, 0])]) as tf.Tensor;
      expect(y.shape).toEqual([2, 3]);
      expectClose(y, tf.zeros([2, 3]), 0, 0);
    }
  });

  it('registers global_avgpool, global_maxpool and last', () => {
    expect(layerFactory('global_avgpool')!('g', {})).toBeInstanceOf(SeqnetGlobalAvgPool);
    expect(layerFactory('global_maxpool')!('g', {})).toBeInstanceOf(SeqnetGlobalMaxPool);
    expect(layerFactory('last')!('g', {}).name).toBe('g');
    expect(backend).toBe(tf.getBackend());
  });
});
