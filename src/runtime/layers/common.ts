/** Small shared pieces of the built-in layers: argument types, input splitting, parameter reading. */
import { tf } from '../tf.js';
import type { ParamValue, Params } from '../builder-types.js';

export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
/** tfjs-layers' own `Kwargs` (not exported by the union package). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Kwargs = { [key: string]: any };
export type Shape = (number | null)[];
export type ConfigDict = tf.serialization.ConfigDict;

export function isShapeList(shape: Shape | Shape[]): shape is Shape[] {
  return shape.length > 0 && Array.isArray(shape[0]);
}

/** `[x]`, `x` or `[x, mask]`: the mask is optional wherever a layer may see `[B, C]` input. */
export function splitInputs(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor | undefined] {
  if (!Array.isArray(inputs)) return [inputs, undefined];
  return [inputs[0]!, inputs[1]];
}

export function splitShapes(shape: Shape | Shape[]): [Shape, Shape | undefined] {
  if (!isShapeList(shape)) return [shape, undefined];
  return [shape[0]!, shape[1]];
}

export function isTraining(kwargs: Kwargs | undefined): boolean {
  return kwargs?.['training'] === true;
}

/** `max(count, 1)`: a division by a count of real steps is finite, in value and gradient, when the count is 0. */
export function atLeastOne(count: tf.Tensor): tf.Tensor {
  return tf.maximum(count, tf.scalar(1));
}

/** A float32 0/1 mask as `[B, T, 1]`, to broadcast over features. */
export function featureMask(mask: tf.Tensor): tf.Tensor {
  return tf.expandDims(tf.cast(mask, 'float32'), -1);
}

/** A layer-factory error: parameters arrive resolved by the checker, so a missing one is a compiler bug. */
function paramError(kind: string, key: string, want: string, got: ParamValue | undefined): Error {
  return new Error(`seqnet runtime: layer kind '${kind}' needs parameter '${key}' (${want}), got ${JSON.stringify(got)}`);
}

export function paramNumber(kind: string, params: Params, key: string, fallback?: number): number {
  const v = params[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw paramError(kind, key, 'number', v);
  return v;
}

export function paramInt(kind: string, params: Params, key: string, fallback?: number): number {
  const v = paramNumber(kind, params, key, fallback);
  if (!Number.isInteger(v)) throw paramError(kind, key, 'integer', v);
  return v;
}

export function paramBool(kind: string, params: Params, key: string, fallback?: boolean): boolean {
  const v = params[key] ?? fallback;
  if (typeof v !== 'boolean') throw paramError(kind, key, 'boolean', v);
  return v;
}

export function paramString<T extends string>(kind: string, params: Params, key: string, allowed: readonly T[], fallback?: T): T {
  const v = params[key] ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw paramError(kind, key, allowed.join(' | '), v);
  }
  return v as T;
}

/**
 * A boolean broadcast to `shape`, for `tf.where`. tf.broadcastTo copies with
 * the Tile kernel, which WASM runs slowly (19 ms for a [32, 200, 1] mask over
 * [32, 200, 40]); an add broadcasts inside its kernel (5 ms), same result.
 */
export function broadcastBool(cond: tf.Tensor, shape: number[]): tf.Tensor {
  if (cond.shape.length === shape.length && cond.shape.every((d, i) => d === shape[i])) return cond;
  // The sum is exactly 0 or 1, so a cast gives the boolean (WASM's float-to-bool
  // cast truncates, 0.5 would be false); a Greater against 0.5 costs 3x more.
  return tf.cast(tf.add(tf.zeros(shape), tf.cast(cond, 'float32')), 'bool');
}

/**
 * `a < b` as float32 0/1, for finite `a`, `b` (positions, lengths): the sign
 * of `b - a` by `step`. WASM's comparison kernels broadcast by a slow
 * per-element walk (Less [1, 200] against [32, 1]: 3 ms; Equal [32, 200, 32]
 * against [32, 1, 32]: 32 ms) where its arithmetic kernels take well under
 * 1 ms; for finite floats `b - a > 0` exactly when `a < b` (gradual
 * underflow keeps a difference of unequal numbers non-zero).
 */
export function lessThan(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.step(tf.sub(b, a));
}
