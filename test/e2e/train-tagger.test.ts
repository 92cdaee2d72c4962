/**
 * Training the tagger example (GRU 128, conv, batch norm; WASM) on synthetic
 * variable-length data halves the masked loss within 300 steps. Steps are
 * counted, not timed.
 */
import { beforeAll, expect, it } from 'vitest';
import { instantiate } from '../../src/emit/instantiate.js';
import { initBackend, tf } from '../../src/runtime/index.js';
import { mulberry32, normal } from '../../src/verify/batch.js';
import { compiled, example } from '../helpers/compile.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

/** A batch: 40 features, zero-padded at the end; the class of a step is which of 10 feature groups is largest there. */
function batch(seed: number, B = 16, T = 16) {
  const rand = mulberry32(seed);
  const x = new Float32Array(B * T * 40);
  const y = new Int32Array(B * T).fill(-100);
  for (let b = 0; b < B; b++) {
    const L = 4 + Math.floor(rand() * (T - 3));
    for (let t = 0; t < L; t++) {
      const cls = Math.floor(rand() * 10);
      for (let f = 0; f < 40; f++) x[(b * T + t) * 40 + f] = 0.3 * normal(rand) + (Math.floor(f / 4) === cls ? 1.5 : 0);
      y[b * T + t] = cls;
    }
  }
  return { inputs: { x: tf.tensor3d(x, [B, T, 40]) }, targets: { y: tf.tensor2d(y, [B, T], 'int32') } };
}

it('halves the masked loss of examples/tagger.seqnet within 300 training steps', () => {
  const model = instantiate(compiled(example('tagger')), { seed: 11 });
  const held = batch(999);
  const first = model.loss(held.inputs, held.targets).dataSync()[0]!;
  const opt = tf.train.adam(3e-3);
  let steps = 0;
  let now = first;
  while (steps < 300 && now > first / 2) {
    const b = batch(steps);
    model.trainStep(b.inputs, b.targets, opt);
    tf.dispose([b.inputs.x, b.targets.y]);
    steps++;
    if (steps % 10 === 0) now = tf.tidy(() => model.loss(held.inputs, held.targets).dataSync()[0]!);
  }
  expect(Number.isFinite(first)).toBe(true);
  expect(now, `loss ${first} -> ${now} after ${steps} steps`).toBeLessThanOrEqual(first / 2);
  expect(steps).toBeLessThanOrEqual(300);
  console.log(`tagger: masked loss ${first.toFixed(4)} -> ${now.toFixed(4)} in ${steps} steps`);
});
