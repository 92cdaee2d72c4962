/**
 * Training and evaluation over unpadded samples. The runtime pads: batches
 * are drawn from length buckets (each padded only to its own longest row)
 * and shuffled across buckets with a seeded shuffle, so an epoch is
 * reproducible from `seed`. Losses average exactly over all real steps of
 * the data: each batch contributes its loss terms weighted by their counts.
 */
import type cliProgressTypes from 'cli-progress';
import type { BatchStats, CompiledModel } from './compiled-model.js';
import { type Sample, padBatch, planBatches, sampleLength, seededRandom } from './data.js';
import { SeqnetInputError } from './errors.js';
import { tf } from './tf.js';

export interface EpochLogs {
  loss: number;
  val_loss?: number;
  /** Accuracy over real steps, for a model whose (first) loss is a class loss. */
  acc?: number;
  val_acc?: number;
}

export interface FitProgress {
  /** 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** 1-based step (batch) within the epoch. */
  readonly step: number;
  readonly steps: number;
  /** The running loss of the epoch so far. */
  readonly loss: number;
  /** Batches per second, measured (wall clock, this epoch). */
  readonly stepsPerSecond: number;
  /** Real (unpadded) time steps per second, measured. */
  readonly realStepsPerSecond: number;
}

type MaybePromise = void | Promise<void>;

/** Keras-style callbacks; epochs and batches are 0-based here, as in Keras. */
export interface FitCallbacks {
  onTrainBegin?(): MaybePromise;
  onEpochBegin?(epoch: number): MaybePromise;
  onBatchEnd?(batch: number, logs: { loss: number }): MaybePromise;
  onEpochEnd?(epoch: number, logs: EpochLogs): MaybePromise;
  onTrainEnd?(history: FitHistory): MaybePromise;
}

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop' | 'adagrad';

export interface FitOptions {
  /** Default 1. */
  readonly epochs?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** Holds out this fraction of the samples (the last ones, before shuffling, as Keras) for validation. Default 0. */
  readonly validationSplit?: number;
  /** Validation samples (instead of `validationSplit`). */
  readonly validationData?: readonly Sample[];
  /** A tf.Optimizer, or a name (default 'adam'); a named one uses `learningRate` (default 1e-3). */
  readonly optimizer?: tf.Optimizer | OptimizerName;
  readonly learningRate?: number;
  /** Shuffle samples and batches each epoch (default true). */
  readonly shuffle?: boolean;
  /** Length buckets (default true: 2 batches per bucket; a number sets the batches per bucket; false: none). */
  readonly buckets?: boolean | number;
  /** Seed of the shuffles (default 0). */
  readonly seed?: number;
  /** 0: silent; 1 (default): a progress bar on a TTY, one line per epoch otherwise. */
  readonly verbose?: 0 | 1;
  /** Where progress goes (default process.stderr). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Called after every batch. */
  readonly onProgress?: (progress: FitProgress) => void;
  readonly callbacks?: FitCallbacks;
}

export interface FitHistory {
  /** 0-based epoch numbers. */
  readonly epoch: number[];
  readonly history: { loss: number[]; val_loss?: number[]; acc?: number[]; val_acc?: number[] };
}

export interface EvaluateOptions {
  /** Default 32. */
  readonly batchSize?: number;
  /** Length buckets (default true); the result does not depend on it. */
  readonly buckets?: boolean | number;
}

export interface EvaluateResult {
  /** The masked loss over every real step (mean terms) or the total (sum terms), summed over the loss terms. */
  readonly loss: number;
  /** Accuracy over real steps of the first class loss, when there is one. */
  readonly acc?: number;
}

/** Accumulates batch stats into dataset-level loss and accuracy. */
class Accumulator {
  private weighted: number[] = [];
  private counts: number[] = [];
  private reductions: ('mean' | 'sum')[] = [];
  private correct = 0;
  private total = 0;
  private hasAccuracy = false;

  add(stats: BatchStats): void {
    stats.terms.forEach((t, i) => {
      this.reductions[i] = t.reduction;
      this.weighted[i] = (this.weighted[i] ?? 0) + (t.reduction === 'sum' ? t.value : t.value * t.count);
      this.counts[i] = (this.counts[i] ?? 0) + t.count;
    });
    if (stats.accuracy !== undefined) {
      this.hasAccuracy = true;
      this.correct += stats.accuracy.correct;
      this.total += stats.accuracy.total;
    }
  }

  get loss(): number {
    return this.weighted.reduce((sum, w, i) => sum + (this.reductions[i] === 'sum' ? w : this.counts[i]! > 0 ? w / this.counts[i]! : 0), 0);
  }

  get acc(): number | undefined {
    return this.hasAccuracy ? (this.total > 0 ? this.correct / this.total : 0) : undefined;
  }
}

function bucketOption(buckets: boolean | number | undefined): { bucket: boolean; bucketBatches?: number } {
  if (buckets === false || buckets === 0) return { bucket: false };
  if (typeof buckets === 'number') return { bucket: true, bucketBatches: buckets };
  return { bucket: true };
}

function makeOptimizer(opt: FitOptions['optimizer'], learningRate: number): tf.Optimizer {
  if (opt !== undefined && typeof opt !== 'string') return opt;
  switch (opt ?? 'adam') {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    default:
      throw new Error(`seqnet runtime: unknown optimizer '${String(opt)}' (adam, sgd, rmsprop, adagrad)`);
  }
}

/** Pads one batch, naming samples by their index in the caller's list. */
function batchOf(model: CompiledModel, samples: readonly Sample[], indices: readonly number[]) {
  return padBatch(
    indices.map((i) => samples[i]!),
    model.manifest,
    { targets: true, rowIds: indices },
  );
}

/** Lets callbacks, progress output and other work run between batches (setImmediate is Node-only). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

function checkSamples(samples: readonly Sample[], what: string): void {
  if (!Array.isArray(samples)) throw new SeqnetInputError(what, `${what} must be an array of samples`);
}

export async function runEvaluate(model: CompiledModel, samples: readonly Sample[], opts: EvaluateOptions = {}): Promise<EvaluateResult> {
  checkSamples(samples, 'samples');
  const acc = new Accumulator();
  const lengths = samples.map((s) => sampleLength(s, model.manifest));
  const batches = planBatches(lengths, opts.batchSize ?? 32, () => 0, { ...bucketOption(opts.buckets), shuffle: false });
  for (const indices of batches) {
    const batch = batchOf(model, samples, indices);
    try {
      acc.add(model.runBatch(batch.inputs, batch.targets));
    } finally {
      batch.dispose();
    }
  }
  const a = acc.acc;
  return { loss: acc.loss, ...(a !== undefined ? { acc: a } : {}) };
}

interface Reporter {
  step(p: FitProgress): void;
  epochEnd(epoch: number, epochs: number, logs: EpochLogs, steps: number, seconds: number, realSteps: number): void;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4);
}

function logsText(logs: EpochLogs): string {
  const parts = [`loss ${fmt(logs.loss)}`];
  if (logs.acc !== undefined) parts.push(`acc ${fmt(logs.acc)}`);
  if (logs.val_loss !== undefined) parts.push(`val_loss ${fmt(logs.val_loss)}`);
  if (logs.val_acc !== undefined) parts.push(`val_acc ${fmt(logs.val_acc)}`);
  return parts.join('  ');
}

function rate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

async function makeReporter(opts: FitOptions): Promise<Reporter | undefined> {
  if (opts.verbose === 0) return undefined;
  // In a browser there is no process: lines go to the console.
  const stream: { write(text: string): unknown; isTTY?: boolean } = opts.stream ??
    (typeof process !== 'undefined' ? process.stderr : { write: (text: string) => console.log(text.trimEnd()) });
  if (stream.isTTY === true) {
    const cliProgress = (await import('cli-progress')).default;
    let bar: cliProgressTypes.SingleBar | undefined;
    return {
      step(p) {
        const payload = { ep: `${p.epoch}/${p.epochs}`, loss: fmt(p.loss), sps: rate(p.stepsPerSecond), rsps: rate(p.realStepsPerSecond) };
        if (bar === undefined) {
          bar = new cliProgress.SingleBar(
            {
              stream: stream as NodeJS.WritableStream,
              format: 'epoch {ep} [{bar}] {value}/{total} | loss {loss} | {sps} steps/s | {rsps} real steps/s',
              hideCursor: false,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(p.steps, p.step, payload);
        } else {
          bar.update(p.step, payload);
        }
      },
      epochEnd(epoch, epochs, logs, steps, seconds, realSteps) {
        bar?.stop();
        bar = undefined;
        stream.write(`epoch ${epoch + 1}/${epochs}  ${steps} steps  ${logsText(logs)}  ${seconds.toFixed(1)} s, ${rate(steps / Math.max(seconds, 1e-9))} steps/s, ${rate(realSteps / Math.max(seconds, 1e-9))} real steps/s\n`);
      },
    };
  }
  return {
    step() {},
    epochEnd(epoch, epochs, logs, steps, seconds, realSteps) {
      stream.write(`epoch ${epoch + 1}/${epochs}  ${steps} steps  ${logsText(logs)}  ${seconds.toFixed(1)} s, ${rate(steps / Math.max(seconds, 1e-9))} steps/s, ${rate(realSteps / Math.max(seconds, 1e-9))} real steps/s\n`);
    },
  };
}

export async function runFit(model: CompiledModel, samples: readonly Sample[], opts: FitOptions = {}): Promise<FitHistory> {
  checkSamples(samples, 'samples');
  const epochs = Math.max(0, Math.floor(opts.epochs ?? 1));
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 32));
  const split = opts.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new SeqnetInputError('validationSplit', `validationSplit must be in [0, 1), got ${split}`);
  let train: readonly Sample[] = samples;
  let validation: readonly Sample[] | undefined = opts.validationData;
  if (validation === undefined && split > 0) {
    const cut = samples.length - Math.floor(samples.length * split);
    train = samples.slice(0, cut);
    validation = samples.slice(cut);
    if (validation.length === 0) validation = undefined;
  }
  if (train.length === 0) throw new SeqnetInputError('samples', 'fit: no training samples');
  const optimizer = makeOptimizer(opts.optimizer, opts.learningRate ?? 1e-3);
  const random = seededRandom(opts.seed ?? 0);
  const lengths = train.map((s) => sampleLength(s, model.manifest));
  const reporter = await makeReporter(opts);
  const history: FitHistory = { epoch: [], history: { loss: [] } };
  const push = (key: keyof FitHistory['history'], v: number | undefined) => {
    if (v === undefined) return;
    (history.history[key] ??= []).push(v);
  };

  model.stopTraining = false;
  await opts.callbacks?.onTrainBegin?.();
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    await opts.callbacks?.onEpochBegin?.(epoch);
    const batches = planBatches(lengths, batchSize, random, { ...bucketOption(opts.buckets), shuffle: opts.shuffle ?? true });
    const acc = new Accumulator();
    const start = performance.now();
    let realSteps = 0;
    let step = 0;
    for (const indices of batches) {
      const batch = batchOf(model, train, indices);
      let stats: BatchStats;
      try {
        stats = model.runBatch(batch.inputs, batch.targets, { optimizer });
      } finally {
        batch.dispose();
      }
      acc.add(stats);
      realSteps += batch.realSteps;
      step++;
      const seconds = Math.max((performance.now() - start) / 1000, 1e-9);
      const progress: FitProgress = {
        epoch: epoch + 1,
        epochs,
        step,
        steps: batches.length,
        loss: acc.loss,
        stepsPerSecond: step / seconds,
        realStepsPerSecond: realSteps / seconds,
      };
      reporter?.step(progress);
      opts.onProgress?.(progress);
      await opts.callbacks?.onBatchEnd?.(step - 1, { loss: stats.loss });
      await yieldToEventLoop();
      if (model.stopTraining) break;
    }
    const seconds = (performance.now() - start) / 1000;
    const logs: EpochLogs = { loss: acc.loss };
    if (acc.acc !== undefined) logs.acc = acc.acc;
    if (validation !== undefined) {
      const v = await runEvaluate(model, validation, { batchSize, buckets: opts.buckets ?? true });
      logs.val_loss = v.loss;
      if (v.acc !== undefined) logs.val_acc = v.acc;
    }
    history.epoch.push(epoch);
    push('loss', logs.loss);
    push('acc', logs.acc);
    push('val_loss', logs.val_loss);
    push('val_acc', logs.val_acc);
    reporter?.epochEnd(epoch, epochs, logs, step, seconds, realSteps);
    await opts.callbacks?.onEpochEnd?.(epoch, logs);
  }
  await opts.callbacks?.onTrainEnd?.(history);
  if (opts.optimizer === undefined || typeof opts.optimizer === 'string') optimizer.dispose();
  return history;
}
