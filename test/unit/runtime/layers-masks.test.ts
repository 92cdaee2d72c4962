import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { checkLayout, checkLengths, Fill, WindowMask } from '../../../src/runtime/layers/masks.js';
import { SeqnetConv1D, SeqnetMaxPool1D, SeqnetAvgPool1D } from '../../../src/runtime/layers/window.js';
import { SeqnetBatchNorm } from '../../../src/runtime/layers/norm.js';
import { SeqnetDense, SeqnetEmbedding } from '../../../src/runtime/layers/pointwise.js';
import { SeqnetGlobalAvgPool, SeqnetGlobalMaxPool, SeqnetLast } from '../../../src/runtime/layers/reduce.js';
import { lossFn } from '../../../src/runtime/layers/registry.js';
import '../../../src/runtime/layers/losses.js';
import { localWindowMask, outputLength, type WindowGeometry, type WindowMode } from '../../../src/runtime/layers/windowing.js';
import { BACKENDS, expectAllFinite, expectClose, maskSourcePair, postMask, preMask, randn, useBackend } from './layers-helpers.js';

function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

describe.each(BACKENDS)('masks on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe('MaskSource', () => {
    it('zeros, holes: a step is real when any feature is non-zero', () => {
      const x = tf.tensor3d([[[1, 0], [0, 0], [0, 2], [0, 0]]]);
      const [value, mask] = maskSourcePair({ source: 'zeros', layout: 'holes' }).apply(x) as tf.Tensor[];
      expect(rows(mask!)).toEqual([[1, 0, 1, 0]]);
      expectClose(value!, x, 0, 0);
    });

    it('zeros, post/pre: an all-zero step inside a sequence is real (not a hole)', () => {
      const x = tf.tensor3d([
        [[1, 0], [0, 0], [0, 2], [0, 0]],
        [[0, 0], [3, 0], [0, 0], [4, 4]],
        [[0, 0], [0, 0], [0, 0], [0, 0]],
      ]);
      const post = (maskSourcePair({ source: 'zeros', layout: 'post' }).apply(x) as tf.Tensor[])[1]!;
      expect(rows(post)).toEqual([
        [1, 1, 1, 0],
        [1, 1, 1, 1],
        [0, 0, 0, 0],
      ]);
      const pre = (maskSourcePair({ source: 'zeros', layout: 'pre' }).apply(x) as tf.Tensor[])[1]!;
      expect(rows(pre)).toEqual([
        [1, 1, 1, 1],
        [0, 1, 1, 1],
        [0, 0, 0, 0],
      ]);
    });

    it('value(v) on features and on i32 ids; sanitizes the pad value to 0', () => {
      const x = tf.tensor3d([[[1, 1], [-1, -1], [-1, 5], [-1, -1]]]);
      const [value, mask] = maskSourcePair({ source: 'value', value: -1, layout: 'post' }).apply(x) as tf.Tensor[];
      expect(rows(mask!)).toEqual([[1, 1, 1, 0]]);
      expect(value!.arraySync()).toEqual([[[1, 1], [-1, -1], [-1, 5], [0, 0]]]);
      const ids = tf.tensor2d([[4, 7, -100, -100], [-100, -100, -100, -100]], [2, 4], 'int32');
      const [clean, idMask] = maskSourcePair({ source: 'value', value: -100, layout: 'post' }).apply(ids) as tf.Tensor[];
      expect(clean!.dtype).toBe('int32');
      expect(clean!.arraySync()).toEqual([[4, 7, 0, 0], [0, 0, 0, 0]]);
      expect(rows(idMask!)).toEqual([[1, 1, 0, 0], [0, 0, 0, 0]]);
      const holes = (maskSourcePair({ source: 'value', value: -100, layout: 'holes' }).apply(tf.tensor2d([[-100, 3, -100, 2]], [1, 4], 'int32')) as tf.Tensor[])[1]!;
      expect(rows(holes)).toEqual([[0, 1, 0, 1]]);
    });

    it('lengths, post and pre: NaN, Inf and 1e30 at padded steps never pass', () => {
      const x = tf.tensor3d([
        [[1, 2], [3, 4], [NaN, Infinity], [1e30, -Infinity]],
        [[NaN, NaN], [5, 6], [7, 8], [9, 10]],
      ]);
      const post = maskSourcePair({ source: 'lengths', layout: 'post' });
      const [pv, pm] = post.apply([x, tf.tensor1d([2, 0], 'int32')]) as tf.Tensor[];
      expect(rows(pm!)).toEqual([
        [1, 1, 0, 0],
        [0, 0, 0, 0],
      ]);
      expect(pv!.arraySync()).toEqual([
        [[1, 2], [3, 4], [0, 0], [0, 0]],
        [[0, 0], [0, 0], [0, 0], [0, 0]],
      ]);
      const [qv, qm] = maskSourcePair({ source: 'lengths', layout: 'pre' }).apply([x, tf.tensor1d([0, 3], 'int32')]) as tf.Tensor[];
      expect(rows(qm!)).toEqual([
        [0, 0, 0, 0],
        [0, 1, 1, 1],
      ]);
      expectAllFinite(qv!);
      expect((qv!.arraySync() as number[][][])[1]).toEqual([[0, 0], [5, 6], [7, 8], [9, 10]]);
    });

    it('input: a bool or float 0/1 mask, sanitizing non-finite padded content', () => {
      const x = tf.tensor3d([[[NaN], [2], [Infinity]]]);
      for (const m of [tf.tensor2d([[false, true, false]], [1, 3], 'bool'), tf.tensor2d([[0, 1, 0]])]) {
        const [v, mask] = maskSourcePair({ source: 'input', layout: 'holes' }).apply([x, m]) as tf.Tensor[];
        expect(rows(mask!)).toEqual([[0, 1, 0]]);
        expect(v!.arraySync()).toEqual([[[0], [2], [0]]]);
      }
    });

    it('handles empty batches and zero-length time axes', () => {
      const [v, m] = maskSourcePair({ source: 'zeros', layout: 'post' }).apply(tf.zeros([2, 0, 3])) as tf.Tensor[];
      expect(v!.shape).toEqual([2, 0, 3]);
      expect(m!.shape).toEqual([2, 0]);
    });

    it('with its sanitizer gives two symbolic values: the value and the mask [B, T]', () => {
      const x = tf.input({ shape: [null, 5] });
      const n = tf.input({ shape: [], dtype: 'int32' });
      const out = maskSourcePair({ source: 'lengths', layout: 'post' }).apply([x, n]) as tf.SymbolicTensor[];
      expect(out.map((s) => s.shape)).toEqual([
        [null, null, 5],
        [null, null],
      ]);
    });
  });

  describe('WindowMask', () => {
    const modes: WindowMode[] = ['same', 'valid', 'causal'];
    it('gives the output lengths of section 7 (post) and mirrors them (pre, stride 1)', () => {
      const lengths = [9, 6, 3, 1, 0];
      const steps = 9;
      for (const mode of modes) {
        for (const [kernel, stride, dilation] of [
          [3, 1, 1],
          [3, 2, 1],
          [2, 1, 2],
          [4, 3, 2],
        ]) {
          const g: WindowGeometry = { kernel: kernel!, stride: stride!, dilation: dilation!, mode };
          const outSteps = outputLength(g, steps);
          const post = new WindowMask({ ...g, layout: 'post' }).apply(postMask(lengths, steps)) as tf.Tensor;
          expect(post.shape).toEqual([5, outSteps]);
          const expected = postMask(lengths.map((n) => outputLength(g, n)), outSteps);
          expect(rows(post)).toEqual(rows(expected));
          // The pools' local rule agrees with the lengths rule on post masks.
          if (outSteps > 0) expect(rows(localWindowMask(postMask(lengths, steps), g, outSteps))).toEqual(rows(expected));
          if (stride === 1) {
            const pre = new WindowMask({ ...g, layout: 'pre' }).apply(preMask(lengths, steps)) as tf.Tensor;
            const expectedPre = preMask(lengths.map((n) => outputLength(g, n)), outSteps);
            expect(rows(pre)).toEqual(rows(expectedPre));
            if (outSteps > 0) expect(rows(localWindowMask(preMask(lengths, steps), g, outSteps))).toEqual(rows(expectedPre));
          }
        }
      }
    });

    it('handles an input shorter than the window', () => {
      const m = new WindowMask({ kernel: 5, stride: 1, dilation: 1, mode: 'valid', layout: 'post' }).apply(tf.ones([2, 3])) as tf.Tensor;
      expect(m.shape).toEqual([2, 0]);
    });
  });

  it('Fill multiplies by the mask over every feature', () => {
    const x = randn([2, 3, 4], 1);
    const mask = postMask([2, 0], 3);
    const y = new Fill({}).apply([x, mask]) as tf.Tensor;
    expectClose(y, tf.mul(x, tf.expandDims(mask, -1)), 0, 0);
    const y2 = new Fill({}).apply([tf.ones([2, 3]), mask]) as tf.Tensor;
    expect(rows(y2)).toEqual(rows(mask));
  });

  it('checkLayout and checkLengths name the first offending row', () => {
    const good = tf.tensor2d([
      [1, 1, 0],
      [0, 0, 0],
      [1, 1, 1],
    ]);
    expect(checkLayout(good, 'post')).toBe(-1);
    expect(checkLayout(good, 'pre')).toBe(0);
    expect(checkLayout(tf.tensor2d([[1, 1, 1], [1, 0, 1]]), 'post')).toBe(1);
    expect(checkLayout(tf.tensor2d([[0, 1, 1], [1, 1, 0]]), 'pre')).toBe(1);
    expect(checkLayout(tf.tensor2d([[true, false, true]], [1, 3], 'bool'), 'holes')).toBe(-1);
    expect(checkLayout(tf.tensor2d([[true, false, true]], [1, 3], 'bool'), 'post')).toBe(0);
    expect(checkLengths(tf.tensor1d([0, 3, 2], 'int32'), 3)).toBe(-1);
    expect(checkLengths(tf.tensor1d([0, 4, 2], 'int32'), 3)).toBe(1);
    expect(checkLengths(tf.tensor1d([-1], 'int32'), 3)).toBe(0);
  });

  it('a masked pipeline stays finite in value, loss and gradient whatever the padding holds (R4)', () => {
    const steps = 7;
    const lengths = tf.tensor1d([7, 3, 1, 0], 'int32');
    const mask = postMask([7, 3, 1, 0], steps);
    const junk = tf.tensor3d(
      Array.from({ length: 4 }, (_, b) =>
        Array.from({ length: steps }, (_, t) => [NaN, Infinity, -Infinity, 1e30][(b + t) % 4]!).map((v) => [v, v, v]),
      ),
    );
    const x = tf.where(tf.broadcastTo(tf.greater(tf.expandDims(mask, -1), 0.5), [4, steps, 3]), randn([4, steps, 3], 2), junk);
    const targets = tf.tensor2d(
      Array.from({ length: 4 }, (_, b) => Array.from({ length: 4 }, (_, t) => (b === 0 ? t % 3 : [-1, -100, 99][t % 3]!))),
      [4, 4],
      'int32',
    );
    const source = maskSourcePair({ source: 'lengths', layout: 'post' });
    const conv = new SeqnetConv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' });
    const convMask = new WindowMask({ kernel: 3, stride: 2, dilation: 1, mode: 'same', layout: 'post' });
    const bn = new SeqnetBatchNorm({});
    const pool = new SeqnetMaxPool1D({ poolSize: 2, strides: 1, padding: 'same' });
    const avg = new SeqnetAvgPool1D({ poolSize: 2, strides: 1, padding: 'same' });
    const fill = new Fill({});
    const dense = new SeqnetDense({ units: 3 });
    const gavg = new SeqnetGlobalAvgPool({});
    const gmax = new SeqnetGlobalMaxPool({});
    const last = new SeqnetLast({});
    const run = () => {
      const [v, m] = source.apply([x, lengths]) as tf.Tensor[];
      const c = conv.apply(v!) as tf.Tensor;
      const cm = convMask.apply(m!) as tf.Tensor;
      const b = bn.apply([c, cm], { training: true, updateStats: false }) as tf.Tensor;
      const p = pool.apply([b, cm]) as tf.Tensor;
      const a = avg.apply([fill.apply([b, cm]) as tf.Tensor, cm]) as tf.Tensor;
      const logits = dense.apply(tf.add(p, a)) as tf.Tensor;
      const filled = fill.apply([logits, cm]) as tf.Tensor;
      const seqLoss = tf.sum(tf.add(tf.add(gavg.apply([filled, cm]) as tf.Tensor, gmax.apply([logits, cm]) as tf.Tensor), last.apply([logits, cm]) as tf.Tensor));
      const stepLoss = lossFn('crossentropy')!(logits, targets, cm, { from_logits: true, weight: 1, reduction: 'mean' });
      return { logits: filled, loss: tf.add(stepLoss, tf.mul(seqLoss, 0.01)) as tf.Scalar };
    };
    const { logits, loss } = run();
    expectAllFinite(logits);
    expectAllFinite(loss);
    expect(rows(convMask.apply(mask) as tf.Tensor)).toEqual(rows(postMask([4, 2, 1, 0], 4)));
    // R3: the filled output is exactly 0 at padded output steps.
    const padded = tf.mul(logits, tf.expandDims(tf.sub(1, postMask([4, 2, 1, 0], 4)), -1));
    expectClose(padded, tf.zeros(padded.shape), 0, 0);
    const { grads } = tf.variableGrads(() => run().loss);
    expect(Object.keys(grads).length).toBe(6);
    for (const g of Object.values(grads)) expectAllFinite(g);
    expect(backend).toBe(tf.getBackend());
  });

  it('a layer on the mask source output keeps working for embeddings of sanitized ids', () => {
    const ids = tf.tensor2d([[3, 1, -100], [-100, -100, -100]], [2, 3], 'int32');
    const [clean] = maskSourcePair({ source: 'value', value: -100, layout: 'post' }).apply(ids) as tf.Tensor[];
    const y = new SeqnetEmbedding({ inputDim: 5, outputDim: 2 }).apply(clean!) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 2]);
    expectAllFinite(y);
  });
});
