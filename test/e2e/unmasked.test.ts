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
