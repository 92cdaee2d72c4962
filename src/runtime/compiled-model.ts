/**
 * A compiled model (API.md, `CompiledModel`): the tfjs LayersModel plus
 * what the runtime needs to drive it (the `GraphSpec`: which LayersModel
 * output is which declared output, mask or loss input) and the manifest.
 */
import type { Layout, Params } from './builder-types.js';
import { type Sample } from './data.js';
import { type EvaluateOptions, type EvaluateResult, type FitHistory, type FitOptions, runEvaluate, runFit } from './fit.js';
import { lossFn } from './layers/registry.js';
import { type Manifest, assertManifest } from './manifest.js';
import { tf } from './tf.js';
import { prepareInputs, prepareTargets } from './validate.js';

export interface GraphOutput {
  readonly name: string;
  /** Index into the LayersModel's outputs. */
  readonly index: number;
  /** Index of the output's mask, for an output with a time axis. */
  readonly mask?: number;
  readonly layout?: Layout;
}

export interface GraphLoss {
  readonly kind: string;
  readonly pred: number;
  /** The value the loss reads, for messages and the manifest. */
  readonly predName: string;
  readonly target: string;
  readonly params: Params;
  readonly mask?: number;
  readonly layout?: Layout;
}

/** How the LayersModel's inputs and outputs map to the model's names. Stored in model.json's `userDefinedMetadata.seqnet`. */
export interface GraphSpec {
  readonly version: 1;
  /** Input names, in the LayersModel's input order. */
  readonly inputs: readonly string[];
  readonly outputs: readonly GraphOutput[];
  readonly losses: readonly GraphLoss[];
}

export interface PredictOptions {
  /** Batch statistics and dropout (default false); updates nothing. */
  readonly training?: boolean;
}

/** One batch's loss terms and accuracy counts, as numbers. */
export interface BatchStats {
  /** The batch loss: the sum of the terms. */
  readonly loss: number;
  /** Per loss term: its value and the count it averages over (real steps, or rows without a time axis). */
  readonly terms: readonly { readonly value: number; readonly count: number; readonly reduction: 'mean' | 'sum' }[];
  /** Correct predictions and real steps of the first class loss (crossentropy, binary_crossentropy), when there is one. */
  readonly accuracy?: { readonly correct: number; readonly total: number };
}

function isGraphSpec(v: unknown): v is GraphSpec {
  const g = v as Partial<GraphSpec> | undefined;
  return g !== undefined && g !== null && g.version === 1 && Array.isArray(g.inputs) && Array.isArray(g.outputs) && Array.isArray(g.losses);
}

const CLASS_LOSSES = new Set(['crossentropy', 'binary_crossentropy']);

/** tfjs' error for a loss that no trainable weight reaches (thrown after the forward pass ran). */
function isNoGradient(e: unknown): boolean {
  return e instanceof Error && /Cannot find a connection between any variable/.test(e.message);
}

export class CompiledModel {
  readonly model: tf.LayersModel;
  readonly manifest: Manifest;
  readonly graph: GraphSpec;
  /** Set to true (e.g. from a callback) to end `fit` after the current batch. */
  stopTraining = false;
  private readonly neededTargets: ReadonlySet<string>;

  constructor(model: tf.LayersModel, manifest: Manifest, graph: GraphSpec) {
    this.model = model;
    this.manifest = manifest;
    this.graph = graph;
    this.neededTargets = new Set(graph.losses.map((l) => l.target));
    for (const l of graph.losses) {
      if (lossFn(l.kind) === undefined) throw new Error(`seqnet runtime: unknown loss kind '${l.kind}' (is its module imported?)`);
    }
  }

  /** Every weight, trainable or not (`<value>/<weight>`: see `originalName`; tfjs suffixes `name` with `_1` when a process holds two models). */
  get weights(): tf.LayerVariable[] {
    return this.model.weights;
  }

  get trainableWeights(): tf.LayerVariable[] {
    return this.model.trainableWeights;
  }

  /** Runs the graph on validated tensors; `updateStats` lets batch norm move its statistics (training only). */
  private forward(tensors: Readonly<Record<string, tf.Tensor>>, training: boolean, updateStats: boolean): tf.Tensor[] {
    const list = this.graph.inputs.map((n) => tensors[n]!);
    const out = this.model.apply(list, { training, updateStats }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  }

  /**
   * The declared outputs by name, plus `<name>_mask` (float32 0/1 `[B, T']`)
   * for each output with a time axis.
   */
  predict(inputs: Readonly<Record<string, tf.Tensor>>, opts: PredictOptions = {}): Record<string, tf.Tensor> {
    const prep = prepareInputs(this.manifest, inputs);
    try {
      return tf.tidy(() => {
        const outs = this.forward(prep.tensors, opts.training ?? false, false);
        const result: Record<string, tf.Tensor> = {};
        const handedOut = new Set<tf.Tensor>();
        // A tensor handed out twice would be disposed twice: clone repeats.
        const take = (t: tf.Tensor): tf.Tensor => {
          if (handedOut.has(t)) return tf.clone(t);
          handedOut.add(t);
          return t;
        };
        for (const o of this.graph.outputs) {
          result[o.name] = take(outs[o.index]!);
          if (o.mask !== undefined) {
            const m = outs[o.mask]!;
            result[`${o.name}_mask`] = take(m.dtype === 'float32' ? m : tf.cast(m, 'float32'));
          }
        }
        return result;
      });
    } finally {
      tf.dispose(prep.owned);
    }
  }

  /** A target's time axis cut or padded to its prediction's (pads are ignored by the loss; only their count differs). */
  private alignTarget(target: tf.Tensor, mask: tf.Tensor | undefined, layout: Layout | undefined): tf.Tensor {
    if (mask === undefined || target.rank < 2) return target;
    const T = mask.shape[1]!;
    const have = target.shape[1]!;
    if (have === T) return target;
    const pre = layout === 'pre';
    if (have > T) return tf.slice(target, pre ? [0, have - T] : [0, 0], [-1, T]);
    const pads: [number, number][] = target.shape.map(() => [0, 0]);
    pads[1] = pre ? [T - have, 0] : [0, T - have];
    return tf.pad(target, pads);
  }

  /** Loss terms (and accuracy counts) as tensors; call inside a tidy or a tape. */
  private terms(outs: readonly tf.Tensor[], targets: Readonly<Record<string, tf.Tensor>>, withAccuracy: boolean) {
    const values: tf.Scalar[] = [];
    const counts: tf.Scalar[] = [];
    let accuracy: { correct: tf.Scalar; total: tf.Scalar } | undefined;
    for (const spec of this.graph.losses) {
      const pred = outs[spec.pred]!;
      const mask = spec.mask === undefined ? undefined : outs[spec.mask]!;
      const target = this.alignTarget(targets[spec.target]!, mask, spec.layout);
      values.push(lossFn(spec.kind)!(pred, target, mask, spec.params));
      counts.push(mask === undefined ? tf.scalar(pred.shape[0]!) : tf.sum(tf.cast(mask, 'float32')));
      if (withAccuracy && accuracy === undefined && CLASS_LOSSES.has(spec.kind)) {
        accuracy = tf.tidy(() => classAccuracy(spec, pred, target, mask));
      }
    }
    return { values, counts, accuracy };
  }

  /**
   * The declared loss (the sum of the loss terms), masked. `training: true`
   * uses batch statistics and dropout but updates nothing.
   */
  loss(inputs: Readonly<Record<string, tf.Tensor>>, targets: Readonly<Record<string, tf.Tensor>>, opts: PredictOptions = {}): tf.Scalar {
    if (this.graph.losses.length === 0) throw new Error(`seqnet runtime: model ${this.manifest.name} declares no loss`);
    const prep = prepareInputs(this.manifest, inputs);
    try {
      const tg = prepareTargets(this.manifest, targets, prep.bindings, this.neededTargets);
      return tf.tidy(() => {
        const outs = this.forward(prep.tensors, opts.training ?? false, false);
        return tf.addN(this.terms(outs, tg, false).values) as tf.Scalar;
      });
    } finally {
      tf.dispose(prep.owned);
    }
  }

  /**
   * The loss and its gradient with respect to every trainable weight (keyed
   * by `<value>/<weight>`), updating nothing: what `seqnetc verify` compares
   * for padding invariance (MASKING.md R2). The caller disposes the grads.
   */
  gradients(
    inputs: Readonly<Record<string, tf.Tensor>>,
    targets: Readonly<Record<string, tf.Tensor>>,
    opts: PredictOptions = {},
  ): { loss: number; grads: Record<string, tf.Tensor> } {
    if (this.graph.losses.length === 0) throw new Error(`seqnet runtime: model ${this.manifest.name} declares no loss`);
    const prep = prepareInputs(this.manifest, inputs);
    try {
      const tg = prepareTargets(this.manifest, targets, prep.bindings, this.neededTargets);
      const weights = this.model.trainableWeights;
      const lossOf = () => {
        const outs = this.forward(prep.tensors, opts.training ?? false, false);
        return tf.addN(this.terms(outs, tg, false).values) as tf.Scalar;
      };
      let value: tf.Scalar;
      let grads: Record<string, tf.Tensor> = {};
      if (weights.length === 0) {
        value = tf.tidy(lossOf);
      } else {
        try {
          ({ value, grads } = tf.variableGrads(lossOf, weights.map((w) => w.read() as tf.Variable)));
        } catch (e) {
          // No weight reaches the loss (every path to it is weightless): the loss still has a value.
          if (!isNoGradient(e)) throw e;
          value = tf.tidy(lossOf);
        }
      }
      const loss = value.dataSync()[0]!;
      value.dispose();
      const byName: Record<string, tf.Tensor> = {};
      for (const w of weights) {
        const g = grads[(w.read() as tf.Variable).name];
        // A weight the loss does not reach has no gradient: report zeros, as Keras does.
        byName[w.originalName] = g ?? tf.zerosLike(w.read());
      }
      return { loss, grads: byName };
    } finally {
      tf.dispose(prep.owned);
    }
  }

  /** One step of masked training: updates the weights and the batch-norm moving statistics; returns the loss. */
  trainStep(inputs: Readonly<Record<string, tf.Tensor>>, targets: Readonly<Record<string, tf.Tensor>>, optimizer: tf.Optimizer): number {
    return this.runBatch(inputs, targets, { optimizer }).loss;
  }

  /**
   * A training step (with `optimizer`) or an inference-mode evaluation of
   * one padded batch, with per-term values and counts so that `fit` and
   * `evaluate` can average exactly over all real steps of many batches.
   */
  runBatch(
    inputs: Readonly<Record<string, tf.Tensor>>,
    targets: Readonly<Record<string, tf.Tensor>>,
    opts: { readonly optimizer?: tf.Optimizer; readonly accuracy?: boolean } = {},
  ): BatchStats {
    if (this.graph.losses.length === 0) throw new Error(`seqnet runtime: model ${this.manifest.name} declares no loss`);
    const prep = prepareInputs(this.manifest, inputs);
    const kept: tf.Tensor[] = [];
    try {
      const tg = prepareTargets(this.manifest, targets, prep.bindings, this.neededTargets);
      const training = opts.optimizer !== undefined;
      let hasAccuracy = false;
      // Runs under the optimizer's tape (training) or a tidy: keep only the numbers to read.
      const compute = (): tf.Scalar => {
        const outs = this.forward(prep.tensors, training, training);
        const { values, counts, accuracy } = this.terms(outs, tg, opts.accuracy ?? true);
        const parts = [...values, ...counts];
        if (accuracy !== undefined) {
          hasAccuracy = true;
          parts.push(accuracy.correct, accuracy.total);
        }
        kept.push(tf.keep(tf.stack(parts)));
        return tf.addN(values) as tf.Scalar;
      };
      const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
      if (opts.optimizer !== undefined && vars.length > 0) {
        try {
          const cost = opts.optimizer.minimize(compute, true, vars);
          cost?.dispose();
        } catch (e) {
          // No weight reaches the loss: the forward pass already ran (and updated the batch-norm
          // statistics), and `kept` holds its numbers; running it again would update them twice.
          if (!isNoGradient(e)) throw e;
        }
      }
      if (kept.length === 0) {
        tf.tidy(() => {
          compute();
        });
      }
      const numbers = kept[0]!.dataSync();
      const n = this.graph.losses.length;
      const terms = this.graph.losses.map((spec, i) => ({
        value: numbers[i]!,
        count: numbers[n + i]!,
        reduction: spec.params['reduction'] === 'sum' ? ('sum' as const) : ('mean' as const),
      }));
      return {
        loss: terms.reduce((a, t) => a + t.value, 0),
        terms,
        ...(hasAccuracy ? { accuracy: { correct: numbers[2 * n]!, total: numbers[2 * n + 1]! } } : {}),
      };
    } finally {
      tf.dispose(kept);
      tf.dispose(prep.owned);
    }
  }

  /** Epochs over unpadded samples, padded by the runtime into length-bucketed batches (see `FitOptions`). */
  fit(samples: readonly Sample[], opts: FitOptions = {}): Promise<FitHistory> {
    return runFit(this, samples, opts);
  }

  /** Masked loss over every real step of the samples, and accuracy for class targets. */
  evaluate(samples: readonly Sample[], opts: EvaluateOptions = {}): Promise<EvaluateResult> {
    return runEvaluate(this, samples, opts);
  }

  /** Writes `dir/model.json`, `dir/weights.bin` (tfjs layers-model format) and `dir/manifest.json`. */
  async save(dir: string): Promise<void> {
    // node:fs is loaded only here and in loadModel, so that a browser bundle of the runtime never needs it.
    const io = await import('./io.js');
    this.model.setUserDefinedMetadata({ seqnet: this.graph as unknown as Record<string, unknown> });
    await this.model.save(io.dirSaveHandler(dir, { [io.MANIFEST_JSON]: `${JSON.stringify(this.manifest, null, 2)}\n` }));
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Hits at real steps of the first class loss: argmax for crossentropy, the 0.5 (or logit 0) threshold for binary. */
function classAccuracy(spec: GraphLoss, pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor | undefined): { correct: tf.Scalar; total: tf.Scalar } {
  let hit: tf.Tensor;
  if (spec.kind === 'crossentropy') {
    const predicted = tf.argMax(pred, -1);
    const truth = target.dtype === 'int32' && target.rank === pred.rank - 1 ? target : tf.argMax(target, -1);
    hit = tf.cast(tf.equal(predicted, tf.cast(truth, 'int32')), 'float32');
  } else {
    const threshold = spec.params['from_logits'] === true ? 0 : 0.5;
    hit = tf.cast(tf.equal(tf.greater(pred, threshold), tf.greater(tf.cast(target, 'float32'), 0.5)), 'float32');
  }
  let weight: tf.Tensor = tf.onesLike(hit);
  if (mask !== undefined) {
    let m = tf.cast(mask, 'float32');
    while (m.rank < hit.rank) m = tf.expandDims(m, -1);
    weight = tf.mul(weight, m);
  }
  return { correct: tf.sum(tf.mul(hit, weight)) as tf.Scalar, total: tf.sum(weight) as tf.Scalar };
}

/**
 * Restores a model saved by `CompiledModel.save`: from a folder, or from an
 * `http(s)://` URL of the folder (the browser build serves it). The layer
 * classes must be registered first, which importing the runtime does for the
 * built-in ones (a custom layer's module registers its own).
 */
export async function loadModel(dir: string): Promise<CompiledModel> {
  let manifest: unknown;
  let model: tf.LayersModel;
  let where: string;
  if (/^https?:\/\//i.test(dir)) {
    const base = dir.replace(/\/+$/, '');
    where = `${base}/model.json`;
    const response = await fetch(`${base}/manifest.json`);
    if (!response.ok) throw new Error(`${base}/manifest.json: HTTP ${response.status}`);
    manifest = await response.json();
    assertManifest(manifest, `${base}/manifest.json`);
    model = await tf.loadLayersModel(where);
  } else {
    const io = await import('./io.js');
    const path = await import('node:path');
    where = path.join(dir, io.MODEL_JSON);
    manifest = await io.readJson(path.join(dir, io.MANIFEST_JSON));
    assertManifest(manifest, path.join(dir, io.MANIFEST_JSON));
    model = await tf.loadLayersModel(await io.dirLoadHandler(dir));
  }
  const graph = (model.getUserDefinedMetadata() as { seqnet?: unknown } | undefined)?.seqnet;
  if (!isGraphSpec(graph)) {
    model.dispose();
    throw new Error(`${where}: no seqnet graph spec in userDefinedMetadata (not saved by seqnet?)`);
  }
  return new CompiledModel(model, manifest, graph);
}
