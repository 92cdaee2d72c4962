/**
 * Training-step speed of seqnet's masked models against tfjs-layers
 * (issue 7, items 1-4 and 6): every comparison in this process, the
 * variants interleaved round by round (A B C, then C B A, ...) after
 * warm-up rounds, medians with min and max, ratios of medians.
 *
 * - maskingOverhead: seqnet / the same layers in tfjs-layers without any
 *   masking (goal <= 1.10);
 * - vsTfjsLayers: tfjs-layers with Masking(0) / seqnet (goal >= 2.0);
 * - bucketRatio: one `fit` epoch with length buckets / the same epoch padded
 *   to 200 (goal <= 0.6);
 * - gruFlopsRatio: achieved FLOP/s of a GRU training step / FLOP/s of one
 *   large matMul.
 */
import { instantiate } from '../src/emit/instantiate.js';
import { compileText, exampleText, taggerWithGru } from '../examples/demo-compile.js';
import { type CompiledModel, type Sample, tf } from '../src/runtime/index.js';
import { planBatches, seededRandom } from '../src/runtime/data.js';
import { baselineStep, classifierBaseline, CLASSIFIER, registerConvFilterGrad, TAGGER, taggerBaseline } from './baselines.js';
import { round, summarize, type Summary } from './stats.js';

// ------------------------------------------------------------ models

/** Compiles the model of `text` in-process (check, fills, instantiate), with seeded weights. */
export function compileSeqnet(text: string, seed = 7, name = 'bench.seqnet'): CompiledModel {
  return instantiate(compileText(name, text).model, { seed });
}

/**
 * examples/tagger.seqnet (LANGUAGE.md section 1) with `reset_after: false`:
 * tfjs-layers' GRU has no reset_after, so this is the variant with its
 * equations and weight shapes. `resetAfter: true` gives the example as written.
 */
export function taggerText(resetAfter = false): string {
  return resetAfter ? exampleText('tagger.seqnet') : taggerWithGru('gru(h, units: 128, reset_after: false)');
}

export const classifierText = (): string => exampleText('classifier.seqnet');

/** The GRU of the tagger alone (64 channels in, as after the conv), for FLOP counting. */
const GRU_ONLY = `model GruStep {
  input x: f32[B, T, 64] masked by lengths(n);
  input n: i32[B];
  target y: i32[B, T];
  r = gru(x, units: 128, reset_after: false);
  logits = dense(r, units: 10);
  output logits;
  loss crossentropy(logits, y, from_logits: true);
}`;

// -------------------------------------------------------------- data

/** Lengths uniform in 1..T (seeded). */
export function uniformLengths(B: number, T: number, random: () => number): number[] {
  return Array.from({ length: B }, () => 1 + Math.floor(random() * T));
}

function normal(random: () => number): number {
  // Box-Muller; never exactly 0, so that `masked by zeros` sees every real step.
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return z === 0 ? 1e-3 : z;
}

/** One padded batch (zeros after each row's length), as both sides take it. */
export interface Batch {
  readonly lengths: number[];
  /** seqnet inputs and targets. */
  readonly inputs: Record<string, tf.Tensor>;
  readonly targets: Record<string, tf.Tensor>;
  /** tfjs-layers: the same x, and sparse targets as float32 with a trailing 1. */
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  dispose(): void;
}

function batch(inputs: Record<string, tf.Tensor>, targets: Record<string, tf.Tensor>, x: tf.Tensor, y: tf.Tensor, lengths: number[]): Batch {
  return {
    lengths,
    inputs,
    targets,
    x,
    y,
    dispose: () => tf.dispose([...Object.values(inputs), ...Object.values(targets), y]),
  };
}

export function taggerBatch(B: number, T: number, seed: number, lengths?: number[]): Batch {
  const random = seededRandom(seed);
  const L = lengths ?? uniformLengths(B, T, random);
  const C = TAGGER.features;
  const xv = new Float32Array(B * T * C);
  const yv = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L[b]!; t++) {
      for (let c = 0; c < C; c++) xv[(b * T + t) * C + c] = normal(random);
      yv[b * T + t] = Math.floor(random() * TAGGER.classes);
    }
  }
  const x = tf.tensor3d(xv, [B, T, C]);
  const y = tf.tensor2d(yv, [B, T], 'int32');
  return batch({ x }, { y }, x, tf.tidy(() => tf.expandDims(tf.cast(y, 'float32'), -1)), L);
}

export function classifierBatch(B: number, T: number, seed: number): Batch {
  const random = seededRandom(seed);
  const L = uniformLengths(B, T, random);
  const C = CLASSIFIER.features;
  const xv = new Float32Array(B * T * C);
  for (let b = 0; b < B; b++) for (let t = 0; t < L[b]!; t++) for (let c = 0; c < C; c++) xv[(b * T + t) * C + c] = normal(random);
  const labels = Int32Array.from(L, () => Math.floor(random() * CLASSIFIER.classes));
  const x = tf.tensor3d(xv, [B, T, C]);
  const n = tf.tensor1d(Int32Array.from(L), 'int32');
  const label = tf.tensor1d(labels, 'int32');
  return batch({ x, n }, { label }, x, tf.tensor2d(Float32Array.from(labels), [B, 1]), L);
}

/** Every row of full length T, so that executed and real steps agree for FLOP counting; seqnet only (the tfjs-layers slots are placeholders). */
function gruBatch(B: number, T: number, seed: number): Batch {
  const random = seededRandom(seed);
  const L = Array.from({ length: B }, () => T);
  const x = tf.tensor3d(Float32Array.from({ length: B * T * 64 }, () => normal(random)), [B, T, 64]);
  const n = tf.tensor1d(Int32Array.from(L), 'int32');
  const y = tf.tensor2d(Int32Array.from({ length: B * T }, () => Math.floor(random() * 10)), [B, T], 'int32');
  return batch({ x, n }, { y }, x, tf.zeros([1]), L);
}

// ------------------------------------------------------------ timing

export interface Variant {
  readonly name: string;
  readonly step: () => number | Promise<number>;
  /** Warm-up and measured steps of this variant when they differ from the call's (a cheap variant can take more). */
  readonly warmup?: number;
  readonly reps?: number;
}

export interface Timed {
  readonly ms: Summary;
  readonly times: number[];
  /** The loss of the last step (seqnet: masked; tfjs-layers: over every step). */
  readonly lastLoss: number;
}

/**
 * Runs the variants round by round, alternating their order (A B C, C B A,
 * ...): warm-up rounds first, unrecorded, then measured rounds. A variant
 * with its own `warmup`/`reps` takes part in as many rounds of each kind.
 */
export async function interleave(variants: readonly Variant[], warmup: number, reps: number, log?: (line: string) => void): Promise<Record<string, Timed>> {
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const losses = new Map<string, number>();
  const phases: [string, number, (v: Variant) => number][] = [
    ['warm-up', Math.max(...variants.map((v) => v.warmup ?? warmup)), (v) => v.warmup ?? warmup],
    ['round', Math.max(...variants.map((v) => v.reps ?? reps)), (v) => v.reps ?? reps],
  ];
  let parity = 0;
  for (const [phase, rounds, count] of phases) {
    for (let round = 0; round < rounds; round++) {
      const active = variants.filter((v) => round < count(v));
      const order = parity++ % 2 === 0 ? active : [...active].reverse();
      const line: string[] = [];
      for (const v of order) {
        const t0 = performance.now();
        const loss = await v.step();
        const ms = performance.now() - t0;
        if (!Number.isFinite(loss)) throw new Error(`bench: ${v.name} gave loss ${loss}`);
        losses.set(v.name, loss);
        if (phase === 'round') times.get(v.name)!.push(ms);
        line.push(`${v.name} ${ms.toFixed(0)} ms`);
      }
      log?.(`    ${phase} ${round + 1}: ${line.join(', ')}`);
    }
  }
  const out: Record<string, Timed> = {};
  for (const v of variants) {
    const ts = times.get(v.name)!;
    out[v.name] = { ms: summarize(ts), times: ts.map((t) => round(t, 1)), lastLoss: round(losses.get(v.name)!, 5) };
  }
  return out;
}

// --------------------------------------------------- the comparisons

export interface WorkloadResult {
  readonly workload: string;
  readonly backend: string;
  readonly batch: number;
  readonly T: number;
  readonly realStepFraction: number;
  /** The batch's longest row: where seqnet's recurrence stops. */
  readonly longestRow: number;
  readonly warmup: number;
  readonly reps: number;
  readonly seqnetWarmup?: number;
  readonly seqnetReps?: number;
  /** seqnet, tfjs-layers without masking, tfjs-layers with Masking(0): step times in ms. */
  readonly seqnet: Timed;
  readonly plain: Timed;
  readonly masking: Timed;
  /** The tagger as written (reset_after: true), when timed. */
  readonly seqnetAsWritten?: Timed;
  /** seqnet / plain. */
  readonly maskingOverhead: number;
  /** masking / seqnet. */
  readonly vsTfjsLayers: number;
}

export interface WorkloadSpec {
  readonly workload: 'tagger' | 'classifier';
  readonly T: number;
  readonly warmup: number;
  readonly reps: number;
  /** seqnet's own warm-up and measured steps, when it can afford more than the baselines. */
  readonly seqnetWarmup?: number;
  readonly seqnetReps?: number;
  /** Also time the tagger as LANGUAGE.md writes it (reset_after: true, which tfjs-layers lacks), seqnet only. */
  readonly asWritten?: boolean;
}

const B = 32;

/** The seqnet model of a workload and its batch (batch 32, lengths uniform in 1..T, seeded by T). */
export function seqnetWorkload(workload: WorkloadSpec['workload'], T: number): { model: CompiledModel; data: Batch } {
  const tagger = workload === 'tagger';
  return {
    model: compileSeqnet(tagger ? taggerText() : classifierText()),
    data: tagger ? taggerBatch(B, T, 11 + T) : classifierBatch(B, T, 13 + T),
  };
}

export async function compareWorkload(spec: WorkloadSpec, log: (line: string) => void): Promise<WorkloadResult> {
  const tagger = spec.workload === 'tagger';
  const { model: seqnet, data } = seqnetWorkload(spec.workload, spec.T);
  const plain = tagger ? taggerBaseline(false) : classifierBaseline(false);
  const masking = tagger ? taggerBaseline(true) : classifierBaseline(true);
  const written = tagger && spec.asWritten === true ? compileSeqnet(taggerText(true)) : undefined;
  const optimizer = tf.train.adam(1e-3);
  const optimizer2 = tf.train.adam(1e-3);
  const before = tf.memory().numTensors;
  try {
    const own = spec.seqnetReps !== undefined || spec.seqnetWarmup !== undefined ? `; seqnet ${spec.seqnetWarmup ?? spec.warmup} + ${spec.seqnetReps ?? spec.reps}` : '';
    log(`  ${spec.workload} B=${B} T=${spec.T} on ${tf.getBackend()} (${spec.warmup} warm-up + ${spec.reps} measured rounds${own})`);
    const timed = await interleave(
      [
        {
          name: 'seqnet',
          step: () => seqnet.trainStep(data.inputs, data.targets, optimizer),
          ...(spec.seqnetWarmup !== undefined ? { warmup: spec.seqnetWarmup } : {}),
          ...(spec.seqnetReps !== undefined ? { reps: spec.seqnetReps } : {}),
        },
        { name: 'plain', step: () => baselineStep(plain, data.x, data.y) },
        { name: 'masking', step: () => baselineStep(masking, data.x, data.y) },
        ...(written ? [{ name: 'seqnet (reset_after: true)', step: () => written.trainStep(data.inputs, data.targets, optimizer2) }] : []),
      ],
      spec.warmup,
      spec.reps,
      log,
    );
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) log(`    note: ${leaked} tensors more than before the rounds (optimizer state)`);
    const s = timed['seqnet']!;
    const p = timed['plain']!;
    const m = timed['masking']!;
    return {
      workload: spec.workload,
      backend: tf.getBackend(),
      batch: B,
      T: spec.T,
      realStepFraction: round(data.lengths.reduce((a, b) => a + b, 0) / (B * spec.T)),
      longestRow: Math.max(...data.lengths),
      warmup: spec.warmup,
      reps: spec.reps,
      ...(spec.seqnetWarmup !== undefined ? { seqnetWarmup: spec.seqnetWarmup } : {}),
      ...(spec.seqnetReps !== undefined ? { seqnetReps: spec.seqnetReps } : {}),
      seqnet: s,
      plain: p,
      masking: m,
      ...(written ? { seqnetAsWritten: timed['seqnet (reset_after: true)']! } : {}),
      maskingOverhead: round(s.ms.median / p.ms.median),
      vsTfjsLayers: round(m.ms.median / s.ms.median),
    };
  } finally {
    data.dispose();
    optimizer.dispose();
    optimizer2.dispose();
    seqnet.dispose();
    written?.dispose();
    plain.dispose();
    masking.dispose();
  }
}

export interface TrainingResults {
  readonly backend: string;
  readonly convNote: string;
  readonly workloads: WorkloadResult[];
}

export async function benchTraining(specs: readonly WorkloadSpec[], log: (line: string) => void): Promise<TrainingResults> {
  const convNote = await registerConvFilterGrad();
  const workloads: WorkloadResult[] = [];
  for (const spec of specs) workloads.push(await compareWorkload(spec, log));
  return { backend: tf.getBackend(), convNote, workloads };
}

// ------------------------------------------------------ bucketing (4)

function taggerSamples(count: number, maxT: number, seed: number): Sample[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const L = 1 + Math.floor(random() * maxT);
    const x = Array.from({ length: L }, () => Array.from({ length: TAGGER.features }, () => normal(random)));
    const y = Array.from({ length: L }, () => Math.floor(random() * TAGGER.classes));
    return { x, y };
  });
}

/** The same sample with zero steps appended up to `T` (its real length is still read from the zeros). */
function padSample(s: Sample, T: number): Sample {
  const x = s['x'] as number[][];
  const y = s['y'] as number[];
  const zeros = new Array<number>(TAGGER.features).fill(0);
  return { x: [...x, ...Array.from({ length: T - x.length }, () => zeros)], y: [...y, ...new Array<number>(T - y.length).fill(0)] };
}

export interface EpochRun {
  readonly seconds: number;
  readonly batches: number;
  /** Time steps the batches were padded to, summed over batches. */
  readonly paddedSteps: number;
  /** The epoch's masked training loss (over every real step). */
  readonly trainLoss: number;
  /** The masked loss of the trained model over every real step of the (unpadded) samples; evaluated after the first run only. */
  readonly finalLoss?: number;
}

export interface EpochVariant {
  /** Median epoch seconds over the runs. */
  readonly seconds: number;
  readonly times: number[];
  readonly batches: number;
  readonly paddedSteps: number;
  readonly trainLoss: number;
  readonly finalLoss: number;
}

export interface BucketResults {
  readonly samples: number;
  readonly maxT: number;
  readonly batchSize: number;
  readonly runs: number;
  /** fit's default bucketing: 2 batches per bucket. */
  readonly bucketed: EpochVariant;
  /** One batch per bucket (`buckets: 1`): each batch is a run of the length-sorted samples. */
  readonly oneBatchPerBucket: EpochVariant;
  /** Every sample zero-padded to maxT, no bucketing. */
  readonly padded: EpochVariant;
  /** bucketed / padded, medians. */
  readonly bucketRatio: number;
  /** oneBatchPerBucket / padded, medians. */
  readonly oneBatchPerBucketRatio: number;
}

async function epoch(samples: readonly Sample[], buckets: boolean | number, evalSamples: readonly Sample[] | undefined): Promise<EpochRun> {
  const model = compileSeqnet(taggerText(), 21);
  let batches = 0;
  try {
    const t0 = performance.now();
    const h = await model.fit(samples, {
      epochs: 1,
      batchSize: B,
      buckets,
      seed: 3,
      verbose: 0,
      optimizer: 'adam',
      onProgress: () => {
        batches++;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const final = evalSamples === undefined ? undefined : await model.evaluate(evalSamples, { batchSize: B });
    return {
      seconds: round(seconds),
      batches,
      paddedSteps: paddedSteps(samples, buckets),
      trainLoss: round(h.history.loss[0]!, 5),
      ...(final ? { finalLoss: round(final.loss, 5) } : {}),
    };
  } finally {
    model.dispose();
  }
}

/** The padded length of each batch of fit's first epoch, summed: the same plan (same seed, same calls) as runFit. */
function paddedSteps(samples: readonly Sample[], buckets: boolean | number): number {
  const lengths = samples.map((s) => (s['x'] as unknown[]).length);
  const bucket = buckets !== false && buckets !== 0;
  const plan = planBatches(lengths, B, seededRandom(3), { bucket, ...(typeof buckets === 'number' ? { bucketBatches: buckets } : {}), shuffle: true });
  return plan.reduce((a, idx) => a + Math.max(...idx.map((i) => lengths[i]!)), 0);
}

/**
 * One `fit` epoch of `count` tagger sequences with lengths uniform in
 * 1..maxT: bucketed (fit's default, and one batch per bucket) against the
 * same sequences zero-padded to maxT. A fresh model with the same seed per
 * epoch; after a warm-up epoch each, the variants alternate order run by run.
 */
export async function benchBuckets(log: (line: string) => void, runs = 7, count = 512, maxT = 200): Promise<BucketResults> {
  const samples = taggerSamples(count, maxT, 99);
  const padded = samples.map((s) => padSample(s, maxT));
  log(`  fit: one epoch of ${count} tagger sequences (lengths 1..${maxT}), batch ${B}, on ${tf.getBackend()}: bucketed vs padded to ${maxT} (${runs} runs each, a fresh model each epoch)`);
  const variants: { name: string; data: readonly Sample[]; buckets: boolean | number; runs: EpochRun[] }[] = [
    { name: 'padded', data: padded, buckets: false, runs: [] },
    { name: 'bucketed', data: samples, buckets: true, runs: [] },
    { name: 'buckets: 1', data: samples, buckets: 1, runs: [] },
  ];
  // One unmeasured epoch per variant first: V8 and the backend warm up on every batch length once.
  for (const v of variants) await epoch(v.data, v.buckets, undefined);
  for (let r = 0; r < runs; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const run = await epoch(v.data, v.buckets, r === 0 ? samples : undefined);
      v.runs.push(run);
      const loss = run.finalLoss === undefined ? '' : `, final masked loss ${run.finalLoss}`;
      log(`    ${v.name}: ${run.seconds.toFixed(2)} s, ${run.batches} batches, ${run.paddedSteps} padded steps, train loss ${run.trainLoss}${loss}`);
    }
  }
  const summary = (runsOf: EpochRun[]): EpochVariant => ({
    seconds: summarize(runsOf.map((x) => x.seconds)).median,
    times: runsOf.map((x) => x.seconds),
    batches: runsOf[0]!.batches,
    paddedSteps: runsOf[0]!.paddedSteps,
    trainLoss: runsOf[0]!.trainLoss,
    finalLoss: runsOf[0]!.finalLoss!,
  });
  const [full, bucketed, one] = variants.map((v) => summary(v.runs)) as [EpochVariant, EpochVariant, EpochVariant];
  return {
    samples: count,
    maxT,
    batchSize: B,
    runs,
    bucketed,
    oneBatchPerBucket: one,
    padded: full,
    bucketRatio: round(bucketed.seconds / full.seconds),
    oneBatchPerBucketRatio: round(one.seconds / full.seconds),
  };
}

// ---------------------------------------------------------- FLOPs (6)

export interface FlopsResults {
  readonly backend: string;
  readonly gru: { readonly batch: number; readonly T: number; readonly channels: number; readonly units: number; readonly gflopPerStep: number; readonly ms: Summary; readonly gflops: number };
  readonly matMul: { readonly n: number; readonly ms: Summary; readonly gflops: number };
  readonly gruFlopsRatio: number;
  readonly note: string;
}

export async function benchFlops(log: (line: string) => void, T = 200, reps = 5): Promise<FlopsResults> {
  const C = 64;
  const U = 128;
  const model = compileSeqnet(GRU_ONLY, 5);
  const data = gruBatch(B, T, 17);
  const optimizer = tf.train.adam(1e-3);
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  try {
    log(`  FLOP/s on ${tf.getBackend()}: GRU(${U}) training step over ${C} channels, B=${B}, T=${T}, every row real; vs matMul ${n}x${n}x${n}`);
    const timed = await interleave(
      [
        { name: 'gru', step: () => model.trainStep(data.inputs, data.targets, optimizer) },
        {
          name: 'matMul',
          step: () => {
            const c = tf.matMul(a, b);
            const v = c.dataSync()[0]!;
            c.dispose();
            return v;
          },
        },
      ],
      2,
      reps,
      log,
    );
    // Matrix products only: forward x W (C x 3U) and h U (U x 3U) per step and row, the dense head (U x 10);
    // the backward pass does two products of each size (input and weight gradients): 3x the forward.
    const forward = 2 * B * T * (3 * U * (C + U) + U * 10);
    const gflopPerStep = (3 * forward) / 1e9;
    const gru = timed['gru']!.ms;
    const mm = timed['matMul']!.ms;
    const gruGflops = gflopPerStep / (gru.median / 1000);
    const mmGflops = (2 * n ** 3) / 1e9 / (mm.median / 1000);
    return {
      backend: tf.getBackend(),
      gru: { batch: B, T, channels: C, units: U, gflopPerStep: round(gflopPerStep), ms: gru, gflops: round(gruGflops) },
      matMul: { n, ms: mm, gflops: round(mmGflops) },
      gruFlopsRatio: round(gruGflops / mmGflops),
      note: 'FLOPs count matrix products only (3x the forward products for a training step); element-wise gate math, the loss and Adam are not counted',
    };
  } finally {
    tf.dispose([a, b]);
    data.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
