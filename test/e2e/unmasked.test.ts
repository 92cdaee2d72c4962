/** Layers that read a mask also run on values without one: every step is real there. */
import { beforeAll, expect, it } from 'vitest';
import { instantiate } from '../../src/emit/instantiate.js';
import { tf } from '../../src/runtime/index.js';
import { compiled } from '../helpers/compile.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('mask-reading layers on an unmasked input equal the same layers on a lengths mask with every row full', () => {
  const body = `
      a = gru(x, units: 2);
      b = lstm(x, units: 2, sequences: false, direction: both);
      c = maxpool1d(x, size: 2);
      d = avgpool1d(x, size: 2, padding: same);
      e = global_avgpool(x);
      f = global_maxpool(x);
      g = last(x);
      h = batchnorm(x);
      output a, b, c, d, e, f, g, h;
    }`;
  const plain = instantiate(compiled(`model U {\n  input x: f32[B, T, 3];${body}`), { seed: 5 });
  const masked = instantiate(compiled(`model U {\n  input x: f32[B, T, 3] masked by lengths(n);\n  input n: i32[B];${body}`), { seed: 5 });
  const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 9);
  const p = plain.predict({ x });
  const m = masked.predict({ x, n: tf.tensor1d([5, 5], 'int32') });
  for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
    expect(p[k]!.shape, k).toEqual(m[k]!.shape);
    const diff = tf.max(tf.abs(tf.sub(p[k]!, m[k]!))).dataSync()[0]!;
    expect(diff, k).toBeLessThan(1e-5);
  }
});

it('a value passed twice to one layer (`x + x`), a class dim of 1, and a loss no weight reaches all run', () => {
  const twice = instantiate(compiled(`model M {\n  input x: f32[B, T, 1] masked by value(-1), padded post;\n  a = x + x;\n  b = x + x;\n  output a, b;\n}`), { seed: 1 });
  const out = twice.predict({ x: tf.tensor3d([[[1], [2], [-1]]]) });
  expect(Array.from(out['a']!.dataSync())).toEqual([2, 4, 0]);
  expect(Array.from(out['b']!.dataSync())).toEqual([2, 4, 0]);

  const weightless = instantiate(compiled(`model M {\n  input x: f32[B, T, 1] masked by lengths(n), padded pre;\n  input n: i32[B];\n  target t: f32[B, 1];\n  p = global_maxpool(x);\n  h = dense(x, units: 1);\n  output p, h;\n  loss mse(p, t);\n}`), { seed: 1 });
  const inputs = { x: tf.tensor3d([[[1], [2], [3]]]), n: tf.tensor1d([2], 'int32') };
  const targets = { t: tf.tensor2d([[1]]) };
  const g = weightless.gradients(inputs, targets);
  expect(g.loss).toBeCloseTo(4, 5); // pre-padded: the real steps hold 2 and 3, so (max - 1)^2 = 4
  expect(Object.values(g.grads).every((t) => t.dataSync().every((v) => v === 0))).toBe(true);
  expect(Number.isFinite(weightless.trainStep(inputs, targets, tf.train.sgd(0.1)))).toBe(true);

  const oneClass = instantiate(compiled(`model M {\n  input x: f32[B, T, 2] masked by lengths(n);\n  input n: i32[B];\n  target y: i32[B, T];\n  h = dense(x, units: 1);\n  output h;\n  loss crossentropy(h, y);\n}`), { seed: 1 });
  const l = oneClass.loss({ x: tf.ones([1, 2, 2]), n: tf.tensor1d([2], 'int32') }, { y: tf.zeros([1, 2], 'int32') }).dataSync()[0]!;
  expect(l).toBeCloseTo(0, 5); // softmax over one class is 1
});

it('crossentropy on probabilities stays finite for a row whose pooled features are all 0 (no real step)', () => {
  const model = instantiate(compiled(`model M {\n  input x: f32[B, T, 1] masked by value(-1), padded post;\n  target t: f32[B, 1];\n  p = global_avgpool(x + x);\n  output p;\n  loss crossentropy(p, t, from_logits: false);\n}`), { seed: 1 });
  const g = model.gradients({ x: tf.tensor3d([[[0.5], [0.25]], [[-1], [-1]]]) }, { t: tf.tensor2d([[1], [1]]) });
  expect(Number.isFinite(g.loss)).toBe(true);
  expect(Object.values(g.grads).every((t) => t.dataSync().every(Number.isFinite))).toBe(true);
});
