/** Shared test helpers for the runtime layer tests (not a test file itself). */
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { mulberry32, normalSampler } from '../../../src/runtime/layers/init.js';
import { MaskSource, type MaskSourceArgs, Sanitize } from '../../../src/runtime/layers/masks.js';
import { installCpuKernels } from '../../../src/runtime/cpu-kernels.js';
import { installWasmKernels } from '../../../src/runtime/wasm-kernels.js';

export const BACKENDS = ['cpu', 'wasm'] as const;
export type BackendName = (typeof BACKENDS)[number];

let wasmPathsSet = false;

/** Switches the process-global backend and proves the switch happened. */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    wasmPathsSet = true;
  }
  await tf.setBackend(name);
  await tf.ready();
  // The kernels the runtime's initBackend installs: layers are tested as they run.
  if (name === 'wasm') installWasmKernels();
  else installCpuKernels();
  expect(tf.getBackend()).toBe(name);
}

/** A deterministic standard-normal tensor. */
export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const next = normalSampler(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = scale * next();
  return tf.tensor(values, shape, 'float32');
}

/** Deterministic integers in [lo, hi). */
export function randInt(shape: number[], lo: number, hi: number, seed: number): tf.Tensor {
  const next = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = lo + Math.floor(next() * (hi - lo));
  return tf.tensor(values, shape, 'int32');
}

function flat(x: tf.Tensor | ArrayLike<number> | number): number[] {
  if (typeof x === 'number') return [x];
  if (x instanceof tf.Tensor) return Array.from(x.dataSync());
  return Array.from(x);
}

/**
 * `|a - b| <= atol + rtol * max|b|` element-wise (MASKING.md's tolerance
 * form), with equal shapes for tensors. Returns the max abs difference.
 */
export function expectClose(
  actual: tf.Tensor | ArrayLike<number> | number,
  expected: tf.Tensor | ArrayLike<number> | number,
  atol = 1e-5,
  rtol = 1e-5,
): number {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) expect(actual.shape).toEqual(expected.shape);
  const a = flat(actual);
  const b = flat(expected);
  expect(a.length).toBe(b.length);
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(a[i]!), `element ${i} is ${a[i]}`).toBe(true);
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  expect(worst, `max abs diff ${worst} (scale ${scale})`).toBeLessThanOrEqual(atol + rtol * scale);
  return worst;
}

export function expectAllFinite(x: tf.Tensor | number): void {
  const values = flat(x);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  expect(bad, bad >= 0 ? `element ${bad} is ${values[bad]}` : '').toBe(-1);
}

/** The variables behind a layer's trainable weights, for tf.variableGrads. */
export function trainableVars(layer: tf.layers.Layer): tf.Variable[] {
  return layer.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Gradients of `sum(f() * proj)` with respect to `vars`, in order. */
export function gradsOf(f: () => tf.Tensor, proj: tf.Tensor, vars: tf.Variable[]): tf.Tensor[] {
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), proj)) as tf.Scalar, vars);
  return vars.map((v) => grads[v.name]!);
}

/** A post-padding mask `[B, T]` from lengths. */
export function postMask(lengths: number[], steps: number): tf.Tensor2D {
  return tf.tensor2d(
    lengths.map((n) => Array.from({ length: steps }, (_, t) => (t < n ? 1 : 0))),
    [lengths.length, steps],
  );
}

/** A pre-padding mask `[B, T]` from lengths. */
export function preMask(lengths: number[], steps: number): tf.Tensor2D {
  return tf.tensor2d(
    lengths.map((n) => Array.from({ length: steps }, (_, t) => (t >= steps - n ? 1 : 0))),
    [lengths.length, steps],
  );
}

/** Rows of `x` ([B, T, C]) with `fill` at steps where `mask` is 0. */
export function fillPadded(x: tf.Tensor, mask: tf.Tensor, fill: number): tf.Tensor {
  const real = tf.broadcastTo(tf.greater(tf.expandDims(mask, -1), 0.5), x.shape);
  return tf.where(real, x, tf.fill(x.shape, fill));
}

/**
 * A mask source and its sanitizer wired as the builder wires them:
 * `apply(inputs)` gives `[value, mask]`.
 */
export function maskSourcePair(args: MaskSourceArgs): { apply<T extends tf.Tensor | tf.SymbolicTensor>(inputs: T | T[]): T[] } {
  const source = new MaskSource(args);
  const sanitize = new Sanitize(args.name === undefined ? {} : { name: `${args.name}__sanitize` });
  return {
    apply<T extends tf.Tensor | tf.SymbolicTensor>(inputs: T | T[]): T[] {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const mask = source.apply(inputs as tf.Tensor | tf.Tensor[]) as unknown as T;
      return [sanitize.apply([list[0]!, mask] as tf.Tensor[]) as unknown as T, mask];
    },
  };
}
