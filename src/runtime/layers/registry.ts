/**
 * Built-in layer kinds by their `.seqnet` name. Each layer module registers
 * its kinds when imported (`./index.ts` imports them all), next to its
 * `tf.serialization.registerClass` calls.
 */
import type { tf } from '../tf.js';
import type { Params } from '../builder-types.js';

/** Builds the layer for one call site; the weights are named `<name>/<weight>`. */
export type LayerFactory = (name: string, params: Params) => tf.layers.Layer;

/**
 * A masked loss term: the mean over real steps of the whole batch (or the
 * sum, with `reduction: sum`), times `weight`. `mask` is absent for a value
 * without a time axis. Targets at padded steps must not reach the math
 * (sanitize with `where` before, not after).
 */
export type LossFn = (pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor | undefined, params: Params) => tf.Scalar;

const layers = new Map<string, LayerFactory>();
const losses = new Map<string, LossFn>();

export function registerLayerKind(kind: string, factory: LayerFactory): void {
  layers.set(kind, factory);
}

export function registerLossKind(kind: string, fn: LossFn): void {
  losses.set(kind, fn);
}

export function layerFactory(kind: string): LayerFactory | undefined {
  return layers.get(kind);
}

export function lossFn(kind: string): LossFn | undefined {
  return losses.get(kind);
}

export function registeredLayerKinds(): string[] {
  return [...layers.keys()].sort();
}

export function registeredLossKinds(): string[] {
  return [...losses.keys()].sort();
}
