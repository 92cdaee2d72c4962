import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { gradOp } from '../../../src/runtime/layers/grad-op.js';
import { matMul2d } from '../../../src/runtime/layers/matmul.js';
import { BACKENDS, expectClose, randn, useBackend } from './layers-helpers.js';

describe.each(BACKENDS)('gradOp on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('computes only the input gradients the backward pass needs', () => {
    const calls: string[] = [];
    const scaled = (a: tf.Tensor, b: tf.Tensor) =>
      gradOp(
        [a, b],
        (save) => {
          save([a, b]);
          return tf.mul(a, b);
        },
        (dy, [sa, sb]) => [
          () => {
            calls.push('a');
            return tf.mul(dy, sb!);
          },
          () => {
            calls.push('b');
            return tf.mul(dy, sa!);
          },
        ],
      );
    const data = tf.tensor1d([1, 2, 3]);
    const w = tf.variable(tf.tensor1d([4, 5, 6]));
    const { grads } = tf.variableGrads(() => tf.sum(scaled(data, w)), [w]);
    expect(Array.from(grads[w.name]!.dataSync())).toEqual([1, 2, 3]);
    expect(calls).toEqual(['b']);
    calls.length = 0;
    const both = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(scaled(a, b)))([data, w]);
    expect(both.map((g) => Array.from(g.dataSync()))).toEqual([[4, 5, 6], [1, 2, 3]]);
    expect(calls.sort()).toEqual(['a', 'b']);
  });

  it('matMul2d matches tf.matMul in value and both gradients', () => {
    const a = randn([7, 5], 1);
    const b = randn([5, 3], 2);
    const r = randn([7, 3], 3);
    expectClose(matMul2d(a as tf.Tensor2D, b as tf.Tensor2D), tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
    const mine = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul2d(x as tf.Tensor2D, y as tf.Tensor2D), r)))([a, b]);
    const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), r)))([a, b]);
    expectClose(mine[0]!, ref[0]!);
    expectClose(mine[1]!, ref[1]!);
  });
});
