import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { useBackend } from './layers-helpers.js';

describe('WASM kernel replacements (Identity, same-dtype Cast)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('clone shares the buffer and outlives the original', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(before);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(before - 1);
  });

  it('a variable assigned after a clone leaves the clone with the old value', () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const saved = tf.clone(v);
    v.assign(tf.tensor1d([5, 6]));
    expect(Array.from(saved.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    tf.dispose([v, saved]);
  });

  it('same-dtype casts share; other casts convert as before', () => {
    const f = tf.tensor1d([0, 1.5, -2]);
    const buffers = tf.memory().numDataBuffers;
    const same = tf.cast(f, 'float32');
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(Array.from(same.dataSync())).toEqual([0, 1.5, -2]);
    expect(Array.from(tf.cast(f, 'int32').dataSync())).toEqual([0, 1, -2]);
    expect(Array.from(tf.cast(tf.tensor1d([0, 1]), 'bool').dataSync())).toEqual([0, 1]);
    expect(Array.from(tf.cast(tf.tensor1d([1, 0], 'bool'), 'float32').dataSync())).toEqual([1, 0]);
  });

  it('gradients through taped ops match the CPU backend', async () => {
    const run = () => {
      const w = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]));
      const x = tf.tensor2d([[1, 2], [3, 4], [-1, 0.5]]);
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.relu(tf.matMul(x, w)))), [w]);
      const g = Array.from(grads[w.name]!.dataSync());
      tf.dispose([w, x, grads[w.name]!]);
      return g;
    };
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    expect(wasm).toEqual(cpu);
  });
});
