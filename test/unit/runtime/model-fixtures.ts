/**
 * Small models written the way the emitter writes them (one ModelBuilder
 * call per input, layer, mask, fill, output and loss), on the real layers.
 * Shared by the runtime tests and the save/load e2e test.
 */
import { ModelBuilder, type CompiledModel, type Manifest } from '../../../src/runtime/index.js';
import { mulberry32 } from '../../../src/runtime/layers/init.js';

const base = { manifestVersion: 1 as const, compiler: '0.1.0', sourceHash: 'sha256:test' };

/** x: f32[B, T, 3] masked by zeros, padded post -> dense -> relu -> dense logits[3]; crossentropy. */
export const taggerManifest: Manifest = {
  ...base,
  name: 'Tagger',
  inputs: [{ name: 'x', dtype: 'float32', shape: ['B', 'T', 3], mask: { source: 'zeros', layout: 'post' } }],
  targets: [{ name: 'y', dtype: 'int32', shape: ['B', 'T'] }],
  outputs: [{ name: 'logits', dtype: 'float32', shape: ['B', 'T', 3], masked: true }],
  fills: [{ value: 'logits', fill: 0, consumers: ['output logits 6:3'], reason: 'dense `logits` adds a bias at padded steps' }],
};

export function tagger(seed = 1): CompiledModel {
  const b = new ModelBuilder(taggerManifest, { seed });
  const xRaw = b.input('x', 'float32', [null, null, 3]);
  const y = b.target('y', 'int32', [null, null]);
  const { value: x, mask: m } = b.maskSource('x', xRaw, { source: 'zeros', layout: 'post' });
  const h1 = b.layer('h_1', 'dense', [x], { units: 8, bias: true, activation: 'none' });
  const h = b.layer('h', 'relu', [h1], {});
  const logits = b.layer('logits', 'dense', [h], { units: 3, bias: true, activation: 'none' });
  const logitsFill = b.fill('logits__fill', logits, m);
  b.output('logits', logitsFill, m);
  b.loss('crossentropy', logits, y, { from_logits: true, weight: 1, reduction: 'mean' }, m);
  return b.build();
}

/**
 * x: f32[B, T, 2] masked by lengths(n), padded post -> conv1d(k 3, stride 2)
 * -> batchnorm -> relu -> fill -> global_avgpool -> dense(1) score; mse on y f32[B, 1].
 */
export const pooledManifest: Manifest = {
  ...base,
  name: 'Pooled',
  inputs: [
    { name: 'x', dtype: 'float32', shape: ['B', 'T', 2], mask: { source: 'lengths', input: 'n', layout: 'post' } },
    { name: 'n', dtype: 'int32', shape: ['B'] },
  ],
  targets: [{ name: 'y', dtype: 'float32', shape: ['B', 1] }],
  outputs: [
    { name: 'score', dtype: 'float32', shape: ['B', 1], masked: false },
    { name: 'h', dtype: 'float32', shape: ['B', 'ceil(T / 2)', 4], masked: true },
  ],
  fills: [{ value: 'h', fill: 0, consumers: ['global_avgpool 5:7', 'output h 8:3'], reason: 'batchnorm `c_2` shifts padded steps' }],
};

export function pooled(seed = 2): CompiledModel {
  const b = new ModelBuilder(pooledManifest, { seed });
  const xRaw = b.input('x', 'float32', [null, null, 2]);
  const n = b.input('n', 'int32', [null]);
  const y = b.target('y', 'float32', [null, 1]);
  const { value: x, mask: m } = b.maskSource('x', xRaw, { source: 'lengths', input: 'n', layout: 'post' }, n);
  const c1 = b.layer('c_1', 'conv1d', [x], { filters: 4, kernel: 3, stride: 2, dilation: 1, padding: 'same', bias: true, activation: 'none' });
  const cm = b.windowMask('c_1', m, { kernel: 3, stride: 2, dilation: 1, mode: 'same', layout: 'post' });
  const c2 = b.layer('c_2', 'batchnorm', [c1], { momentum: 0.9, epsilon: 1e-3 }, cm);
  const h = b.layer('h', 'relu', [c2], {});
  const hFill = b.fill('h__fill', h, cm);
  const p = b.layer('p', 'global_avgpool', [hFill], {}, cm);
  const score = b.layer('score', 'dense', [p], { units: 1, bias: true, activation: 'none' });
  b.output('score', score);
  b.output('h', hFill, cm);
  b.loss('mse', score, y, { weight: 1, reduction: 'mean' });
  return b.build();
}

/** x: f32[B, T, 2] masked by m (bool), padded pre -> dense(2) -> fill; mse at real steps. */
export const preManifest: Manifest = {
  ...base,
  name: 'Pre',
  inputs: [
    { name: 'x', dtype: 'float32', shape: ['B', 'T', 2], mask: { source: 'input', input: 'm', layout: 'pre' } },
    { name: 'm', dtype: 'bool', shape: ['B', 'T'] },
  ],
  targets: [{ name: 'y', dtype: 'float32', shape: ['B', 'T', 2] }],
  outputs: [{ name: 'out', dtype: 'float32', shape: ['B', 'T', 2], masked: true }],
  fills: [{ value: 'out', fill: 0, consumers: ['output out 5:3'], reason: 'dense `out` adds a bias' }],
};

export function pre(seed = 3): CompiledModel {
  const b = new ModelBuilder(preManifest, { seed });
  const xRaw = b.input('x', 'float32', [null, null, 2]);
  const mIn = b.input('m', 'bool', [null, null]);
  const y = b.target('y', 'float32', [null, null, 2]);
  const { value: x, mask: m } = b.maskSource('x', xRaw, { source: 'input', input: 'm', layout: 'pre' }, mIn);
  const out = b.layer('out', 'dense', [x], { units: 2, bias: true, activation: 'tanh' });
  const outFill = b.fill('out__fill', out, m);
  b.output('out', outFill, m);
  b.loss('mse', out, y, { weight: 1, reduction: 'mean' }, m);
  return b.build();
}

/** ids: i32[B, T] masked by value(-1), padded post -> embedding -> dense logits; crossentropy. */
export const idsManifest: Manifest = {
  ...base,
  name: 'Ids',
  inputs: [{ name: 'ids', dtype: 'int32', shape: ['B', 'T'], mask: { source: 'value', value: -1, layout: 'post' } }],
  targets: [{ name: 'y', dtype: 'int32', shape: ['B', 'T'] }],
  outputs: [{ name: 'logits', dtype: 'float32', shape: ['B', 'T', 2], masked: true }],
  fills: [{ value: 'logits', fill: 0, consumers: ['output logits 5:3'], reason: 'dense `logits` adds a bias' }],
};

export function ids(seed = 4): CompiledModel {
  const b = new ModelBuilder(idsManifest, { seed });
  const raw = b.input('ids', 'int32', [null, null]);
  const y = b.target('y', 'int32', [null, null]);
  const { value: v, mask: m } = b.maskSource('ids', raw, { source: 'value', value: -1, layout: 'post' });
  const e = b.layer('e', 'embedding', [v], { vocab: 5, dim: 4 });
  const logits = b.layer('logits', 'dense', [e], { units: 2, bias: true, activation: 'none' });
  const logitsFill = b.fill('logits__fill', logits, m);
  b.output('logits', logitsFill, m);
  b.loss('crossentropy', logits, y, { from_logits: true, weight: 1, reduction: 'mean' }, m);
  return b.build();
}

/** Deterministic pseudo-random numbers for test data. */
export const rng = mulberry32;

/** Non-zero features (so that a zeros mask sees every step as real). */
export function sequence(random: () => number, length: number, features: number): number[][] {
  return Array.from({ length }, () => Array.from({ length: features }, () => (random() < 0.5 ? -1 : 1) * (0.1 + random())));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/**
 * x: f32[B, T, 2] masked by lengths(n), padded pre -> gru(4, both) r (sequences)
 * -> lstm(3, final state) f -> dense(2) logits; crossentropy on label i32[B].
 */
export const recurrentManifest: Manifest = {
  ...base,
  name: 'Recurrent',
  inputs: [
    { name: 'x', dtype: 'float32', shape: ['B', 'T', 2], mask: { source: 'lengths', input: 'n', layout: 'pre' } },
    { name: 'n', dtype: 'int32', shape: ['B'] },
  ],
  targets: [{ name: 'label', dtype: 'int32', shape: ['B'] }],
  outputs: [
    { name: 'r', dtype: 'float32', shape: ['B', 'T', 8], masked: true },
    { name: 'logits', dtype: 'float32', shape: ['B', 2], masked: false },
  ],
  fills: [],
};

export function recurrent(seed = 5): CompiledModel {
  const b = new ModelBuilder(recurrentManifest, { seed });
  const xRaw = b.input('x', 'float32', [null, null, 2]);
  const n = b.input('n', 'int32', [null]);
  const label = b.target('label', 'int32', [null]);
  const { value: x, mask: m } = b.maskSource('x__mask', xRaw, { source: 'lengths', input: 'n', layout: 'pre' }, n);
  const r = b.layer('r', 'gru', [x], { units: 4, sequences: true, direction: 'both', recurrent_activation: 'sigmoid', reset_after: true }, m);
  const f = b.layer('f', 'lstm', [r], { units: 3, sequences: false, direction: 'forward', recurrent_activation: 'sigmoid' }, m);
  const logits = b.layer('logits', 'dense', [f], { units: 2, bias: true, activation: 'none' });
  b.output('r', r, m);
  b.output('logits', logits);
  b.loss('crossentropy', logits, label, { from_logits: true, weight: 1, reduction: 'mean' });
  return b.build();
}
