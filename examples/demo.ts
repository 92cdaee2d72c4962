/**
 * `npm run demo`: the tagger of examples/tagger.seqnet compiled in-process,
 * trained on a synthetic variable-length tagging task, verified, and set
 * against the same architecture in plain tfjs-layers trained on the same
 * padded batches. Deterministic; `--quick` (or SEQNET_DEMO_QUICK=1) is the
 * small run that tests and CI use.
 */
import { instantiate } from '../src/emit/instantiate.js';
import { backendName, initBackend, padBatch, tf, type CompiledModel } from '../src/runtime/index.js';
import { renderReport, verifyCompiled } from '../src/verify/verify.js';
import { baselineWeightOrder, buildBaseline, fitBatch, type Architecture, type WeightSnapshot } from './demo-baseline.js';
import { installFlatConvBackpropFilter } from './demo-cpu-conv.js';
import { compileText, exampleText, fillLines, TAGGER_GRU, taggerWithGru } from './demo-compile.js';
import { CLASSES, FEATURES, makeTask, type TaggedSample } from './demo-data.js';
import { invariance, layersSide, maskedScores, seqnetSide, type Invariance, type Scores, type Side } from './demo-measure.js';

interface Config {
  readonly mode: 'full' | 'quick';
  readonly train: number;
  readonly heldOut: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly units: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly verifyRuns: number;
  readonly extraPad: number;
  /** Held-out sequences in the padding-invariance batch. */
  readonly invarianceRows: number;
  readonly learningRate: number;
  readonly seed: number;
}

const FULL: Config = {
  mode: 'full', train: 640, heldOut: 128, epochs: 2, batchSize: 32, units: 32,
  minLength: 5, maxLength: 60, verifyRuns: 5, extraPad: 20, invarianceRows: 16, learningRate: 1e-2, seed: 2024,
};
const QUICK: Config = { ...FULL, mode: 'quick', train: 128, heldOut: 32, epochs: 1, verifyRuns: 2 };

const quick = process.argv.includes('--quick') || process.env['SEQNET_DEMO_QUICK'] === '1';
const cfg = quick ? QUICK : FULL;
const log = (line = '') => process.stdout.write(`${line}\n`);

/** Wall-clock and CPU seconds since it was made (CPU time, because a shared machine stretches wall time). */
class Clock {
  private readonly wall = performance.now();
  private readonly cpu = process.cpuUsage();
  get text(): string {
    const c = process.cpuUsage(this.cpu);
    return `${((performance.now() - this.wall) / 1000).toFixed(1)} s (CPU ${((c.user + c.system) / 1e6).toFixed(1)} s)`;
  }
}
const started = new Clock();

function fmt(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toFixed(4);
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ').trimEnd());
}

/** Masked loss and accuracy over every real step of `samples`, in padded batches. */
function score(side: Side, model: CompiledModel, samples: readonly TaggedSample[]): { loss: number; acc: number } {
  const total: Scores = { lossSum: 0, correct: 0, steps: 0 };
  for (let i = 0; i < samples.length; i += cfg.batchSize) {
    const batch = padBatch(samples.slice(i, i + cfg.batchSize), model.manifest, { targets: true });
    const probs = side.probs(batch.inputs['x']!, false);
    const s = maskedScores(probs, batch.targets['y']!, batch.lengths);
    probs.dispose();
    batch.dispose();
    total.lossSum += s.lossSum;
    total.correct += s.correct;
    total.steps += s.steps;
  }
  return { loss: total.lossSum / total.steps, acc: total.correct / total.steps };
}

function measureInvariance(side: Side, model: CompiledModel, samples: readonly TaggedSample[]): Invariance {
  const batch = padBatch(samples.slice(0, cfg.invarianceRows), model.manifest, { targets: true });
  try {
    return invariance(side, batch.inputs['x']!, batch.targets['y']!, batch.lengths, cfg.extraPad);
  } finally {
    batch.dispose();
  }
}

/** Class probabilities of the first held-out batch, inference mode, as numbers (to compare across backends). */
function heldOutProbs(side: Side, model: CompiledModel, samples: readonly TaggedSample[]): { values: Float32Array; mask: number[] } {
  const batch = padBatch(samples.slice(0, cfg.batchSize), model.manifest, { targets: true });
  const probs = side.probs(batch.inputs['x']!, false);
  const [B, T, C] = probs.shape as [number, number, number];
  const values = probs.dataSync() as Float32Array;
  const mask = Array.from({ length: B * T * C }, (_, i) => (Math.floor(i / C) % T < batch.lengths[Math.floor(i / (T * C))]! ? 1 : 0));
  probs.dispose();
  batch.dispose();
  return { values, mask };
}

async function main(): Promise<void> {
  log(`seqnet demo (${cfg.mode} mode${quick ? '' : '; `npm run demo -- --quick` for the small run'})`);
  log();

  // 1. Compile the example as `seqnetc build` would, in-process.
  const tagger = compileText('examples/tagger.seqnet', exampleText('tagger.seqnet'));
  log(`1. examples/tagger.seqnet compiles to model ${tagger.model.name}; the fills the compiler inserted:`);
  fillLines(tagger.fills).forEach((l) => log(` ${l}`));
  // A smaller GRU (time budget) whose equations and weight layout are tfjs-layers' own (reset_after: false),
  // so that the baseline can start from the very same weights.
  const replacement = `gru(h, units: ${cfg.units}, reset_after: false)`;
  const demo = compileText('tagger (demo copy)', taggerWithGru(replacement));
  log(`   the demo trains a copy with \`${replacement}\` in place of \`${TAGGER_GRU}\`` +
    ` (time budget; tfjs-layers' GRU equations); fills: ${demo.fills.map((f) => `\`${f.value}\``).join(', ') || 'none'}`);
  log();

  // 2. Data.
  const task = makeTask({ seed: cfg.seed, minLength: cfg.minLength, maxLength: cfg.maxLength });
  const train = task.samples(cfg.train);
  const heldOut = task.samples(cfg.heldOut);
  const realSteps = train.reduce((s, x) => s + x.y.length, 0);
  const batches = Math.ceil(train.length / cfg.batchSize);
  const steps = batches * cfg.epochs;
  const padded = Array.from({ length: batches }, (_, b) => train.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize))
    .reduce((s, rows) => s + rows.length * Math.max(...rows.map((r) => r.y.length)), 0);
  log(`2. synthetic tagging task (seed ${cfg.seed}): ${FEATURES} features, ${CLASSES} classes, lengths ${cfg.minLength}..${cfg.maxLength},` +
    ` label = argmax of a fixed projection of steps t-1, t, t+1`);
  log(`   ${train.length} training sequences in ${batches} batches of ${cfg.batchSize}, each padded to its longest row:` +
    ` ${realSteps} real steps, ${padded - realSteps} padded (${((100 * (padded - realSteps)) / padded).toFixed(0)}%); ${heldOut.length} held-out sequences`);
  log();

  // 3. Train seqnet.
  const seqnetBackend = await initBackend({ backend: 'wasm' });
  const model = instantiate(demo.model, { seed: cfg.seed });
  const seqnet = seqnetSide(model, 'logits');
  const initial: WeightSnapshot = new Map(model.weights.map((w) => [w.originalName, { shape: [...w.shape] as number[], values: w.read().dataSync() as Float32Array }]));
  const initialProbs = heldOutProbs(seqnet, model, heldOut);
  log(`3. seqnet: fit, ${cfg.epochs} epoch(s) x ${batches} batches (${steps} steps, adam ${cfg.learningRate}), backend ${backendName()}`);
  let clock = new Clock();
  // No length buckets, no shuffling: batches are consecutive samples, so the baseline can get the very same ones.
  await model.fit(train, { epochs: cfg.epochs, batchSize: cfg.batchSize, buckets: false, shuffle: false, learningRate: cfg.learningRate, seed: cfg.seed, stream: process.stdout });
  const seqnetTime = clock.text;
  const evaluated = await model.evaluate(heldOut, { batchSize: cfg.batchSize });
  log(`   trained in ${seqnetTime}; evaluate(held-out): masked loss ${fmt(evaluated.loss)}, accuracy on real steps ${fmt(evaluated.acc ?? NaN)}`);
  log();

  // 4. Verify, on a fresh instance (verify draws its own weights).
  clock = new Clock();
  const report = verifyCompiled(demo.model, instantiate(demo.model, { seed: cfg.seed }), { runs: cfg.verifyRuns, seed: cfg.seed });
  log(`4. ${renderReport(report, `seqnetc verify --runs ${cfg.verifyRuns} --seed ${cfg.seed}`).trimEnd()}; ${clock.text}`);
  log();

  const seqnetScores = score(seqnet, model, heldOut);
  const seqnetInv = measureInvariance(seqnet, model, heldOut);

  // 5. The baseline, on the CPU backend: tfjs 4.22's WASM backend has no Conv2DBackpropFilter, so a tfjs-layers Conv1D cannot train there.
  // Through initBackend, which also keeps tfjs' CPU backend from printing its tfjs-node advert.
  await initBackend({ backend: 'cpu', env: {} });
  installFlatConvBackpropFilter();
  const arch: Architecture = { features: FEATURES, classes: CLASSES, filters: 64, kernel: 5, units: cfg.units };
  const baseline = buildBaseline(arch, initial, baselineWeightOrder('h_1', 'h_2', 'r', 'logits'), cfg.learningRate);
  const theirs = layersSide(baseline);
  const start = heldOutProbs(theirs, model, heldOut);
  const startGap = Math.max(...Array.from(start.values, (v, i) => Math.abs(v - initialProbs.values[i]!) * initialProbs.mask[i]!));
  log(`5. tfjs-layers baseline: Masking(0) -> Conv1D(64, 5, same) -> BatchNormalization -> ReLU -> GRU(${cfg.units}) -> Dense(10, softmax),`);
  log(`   model.compile + model.fit with sparse categorical crossentropy, adam ${cfg.learningRate}, on the same ${steps} padded batches, backend cpu`);
  log(`   (tfjs 4.22's WASM backend has no Conv2DBackpropFilter, so a tfjs-layers Conv1D cannot train on WASM;`);
  log(`   the CPU kernel for it is swapped for a flat-array copy of itself, checked equal, because the original takes ~12 s per batch)`);
  log(`   same initial weights as seqnet: before training, real-step outputs differ by at most ${fmt(startGap)}`);
  if (!(startGap < 1e-4)) throw new Error(`demo: the baseline does not start from seqnet's function (max |diff| ${startGap})`);
  clock = new Clock();
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    let sum = 0;
    let n = 0;
    const epochClock = new Clock();
    for (let i = 0; i < train.length; i += cfg.batchSize) {
      const batch = padBatch(train.slice(i, i + cfg.batchSize), model.manifest, { targets: true });
      sum += await fitBatch(baseline, batch.inputs['x']!, batch.targets['y']!);
      n++;
      batch.dispose();
    }
    log(`   epoch ${epoch + 1}/${cfg.epochs}  ${n} steps  loss ${fmt(sum / n)} (as tfjs-layers reports it: over every step, padded ones included)  ${epochClock.text}`);
  }
  const baselineTime = clock.text;
  const baselineScores = score(theirs, model, heldOut);
  const baselineInv = measureInvariance(theirs, model, heldOut);
  log();

  // 6. Side by side.
  const rows: string[][] = [
    ['', 'seqnet', 'tfjs-layers'],
    ['masked loss, held-out real steps', fmt(seqnetScores.loss), fmt(baselineScores.loss)],
    ['accuracy, held-out real steps', fmt(seqnetScores.acc), fmt(baselineScores.acc)],
    [`padding invariance: max |change| when ${cfg.invarianceRows} sequences get +${cfg.extraPad} padded steps`, '', ''],
    ['  real-step outputs, inference', fmt(seqnetInv.inference), fmt(baselineInv.inference)],
    ['  real-step outputs, training mode', fmt(seqnetInv.training), fmt(baselineInv.training)],
    ['  training loss', fmt(seqnetInv.loss), fmt(baselineInv.loss)],
    ['  gradient of the training loss', fmt(seqnetInv.gradient), fmt(baselineInv.gradient)],
    ['backend', seqnetBackend, 'cpu'],
  ];
  log(`6. results (${cfg.mode} mode: ${steps} training steps of ${cfg.batchSize} sequences, GRU ${cfg.units} units, ${heldOut.length} held-out sequences)`);
  log();
  table(rows).forEach((l) => log(`   ${l}`));
  log();
  log(`   Outputs are class probabilities. In inference mode tfjs-layers' real steps do not move for this model (post padding, a`);
  log(`   forward GRU, and Conv1D's own zero padding); in training they do: batch-norm moments and the loss take in the padded steps.`);
  log(`   seqnet's evaluate() gives the same masked loss as computed here: ${fmt(evaluated.loss)}.`);
  log(`   training: seqnet ${seqnetTime}, tfjs-layers ${baselineTime}; total ${started.text}`);
  model.dispose();
  baseline.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
