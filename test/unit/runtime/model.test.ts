import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { padBatch, unpad, type Sample } from '../../../src/runtime/data.js';
import type { EpochLogs, FitProgress } from '../../../src/runtime/fit.js';
import { tf } from '../../../src/runtime/tf.js';
import { pooled, rng, sequence, tagger } from './model-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The tagger task: the class of a step is the index of its largest feature. */
function taggerSamples(count: number, seed: number): Sample[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => {
    const x = sequence(r, 1 + Math.floor(r() * 9), 3);
    return { x, y: x.map((step) => step.indexOf(Math.max(...step))) };
  });
}

/** The pooled task: the score is the mean of the first feature over real steps. */
function pooledSamples(count: number, seed: number): Sample[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => {
    const x = sequence(r, 1 + Math.floor(r() * 9), 2);
    return { x, y: [x.reduce((a, s) => a + s[0]!, 0) / x.length] };
  });
}

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function values(v: tf.LayerVariable): number[] {
  return Array.from(v.read().dataSync());
}

describe('CompiledModel.loss', () => {
  it('is the mean crossentropy over real steps only, whatever the targets hold at padded steps', () => {
    const m = tagger();
    const x = tf.tensor3d([
      [[1, 2, 3], [4, 5, 6], [0, 0, 0]],
      [[1, -1, 1], [0, 0, 0], [0, 0, 0]],
    ]);
    const clean = m.loss({ x }, { y: tf.tensor2d([[0, 1, 0], [2, 0, 0]], undefined, 'int32') }).dataSync()[0]!;
    const garbage = m.loss({ x }, { y: tf.tensor2d([[0, 1, -100], [2, 99, -1]], undefined, 'int32') }).dataSync()[0]!;
    expect(garbage).toBe(clean);
    // By hand, from the predicted logits at the three real steps.
    const logits = m.predict({ x })['logits']!.arraySync() as number[][][];
    const nll = (z: number[], k: number) => Math.log(z.reduce((a, v) => a + Math.exp(v), 0)) - z[k]!;
    const expected = (nll(logits[0]![0]!, 0) + nll(logits[0]![1]!, 1) + nll(logits[1]![0]!, 2)) / 3;
    expect(clean).toBeCloseTo(expected, 5);
  });

  it('training: true uses batch statistics but updates nothing; trainStep updates weights and moving statistics', () => {
    const m = pooled();
    const batch = padBatch(pooledSamples(8, 5), m.manifest);
    const moving = m.weights.find((w) => w.originalName === 'c_2/moving_mean')!;
    const kernel = m.weights.find((w) => w.originalName === 'c_1/kernel')!;
    const before = { moving: values(moving), kernel: values(kernel) };
    const inference = m.loss(batch.inputs, batch.targets).dataSync()[0]!;
    const training = m.loss(batch.inputs, batch.targets, { training: true }).dataSync()[0]!;
    m.predict(batch.inputs, { training: true });
    expect(values(moving)).toEqual(before.moving);
    expect(values(kernel)).toEqual(before.kernel);
    expect(training).not.toBeCloseTo(inference, 4);

    const stepLoss = m.trainStep(batch.inputs, batch.targets, tf.train.sgd(0.1));
    // The step reports the training-mode loss before its update.
    expect(stepLoss).toBeCloseTo(training, 5);
    expect(values(moving)).not.toEqual(before.moving);
    expect(values(kernel)).not.toEqual(before.kernel);
    batch.dispose();
  });

  it('gradients: loss and every weight gradient ignore padded content and extra padding (R2, training mode)', () => {
    const m = pooled(12);
    const samples = pooledSamples(5, 13);
    const batch = padBatch(samples, m.manifest);
    const T = batch.inputs['x']!.shape[1]!;
    const n = Array.from(batch.inputs['n']!.dataSync());
    // Garbage (NaN, Inf, huge) at every padded step, and 3 more padded steps.
    const noisy = tf.tidy(() => {
      const x = batch.inputs['x']!.arraySync() as number[][][];
      const junk = [NaN, Infinity, -1e30, 7];
      const rows = x.map((row, b) => [...row, [0, 0], [0, 0], [0, 0]].map((step, t) => (t < n[b]! ? step : step.map((_, f) => junk[(t + f + b) % 4]!))));
      return tf.tensor3d(rows);
    });
    expect(noisy.shape[1]).toBe(T + 3);
    const clean = m.gradients(batch.inputs, batch.targets, { training: true });
    const dirty = m.gradients({ x: noisy, n: batch.inputs['n']! }, batch.targets, { training: true });
    expect(dirty.loss).toBeCloseTo(clean.loss, 5);
    expect(Object.keys(dirty.grads).sort()).toEqual(['c_1/bias', 'c_1/kernel', 'c_2/beta', 'c_2/gamma', 'score/bias', 'score/kernel']);
    for (const [name, g] of Object.entries(clean.grads)) {
      const a = Array.from(g.dataSync());
      const b = Array.from(dirty.grads[name]!.dataSync());
      expect(b.every(Number.isFinite), name).toBe(true);
      const scale = Math.max(...a.map(Math.abs));
      a.forEach((v, i) => expect(Math.abs(v - b[i]!), name).toBeLessThanOrEqual(1e-5 + 1e-4 * scale));
    }
    batch.dispose();
  });

  it('leaks no tensors in predict, loss and trainStep', () => {
    const m = tagger();
    const batch = padBatch(taggerSamples(4, 1), m.manifest);
    const opt = tf.train.sgd(0.01);
    m.trainStep(batch.inputs, batch.targets, opt); // optimizer slots are made on the first step
    const start = tf.memory().numTensors;
    tf.dispose(m.predict(batch.inputs));
    m.loss(batch.inputs, batch.targets).dispose();
    m.trainStep(batch.inputs, batch.targets, opt);
    expect(tf.memory().numTensors).toBe(start);
    batch.dispose();
  });
});

describe('CompiledModel.fit and evaluate', () => {
  it('lowers the loss on a small synthetic task, with validation, accuracy, progress and callbacks', async () => {
    const m = tagger(3);
    const samples = taggerSamples(96, 2);
    const progress: FitProgress[] = [];
    const epochs: [number, EpochLogs][] = [];
    const out = sink();
    const history = await m.fit(samples, {
      epochs: 12,
      batchSize: 16,
      validationSplit: 0.25,
      optimizer: 'adam',
      learningRate: 0.05,
      seed: 1,
      stream: out.stream,
      onProgress: (p) => progress.push(p),
      callbacks: { onEpochEnd: (e, logs) => void epochs.push([e, { ...logs }]) },
    });
    const loss = history.history.loss;
    expect(loss).toHaveLength(12);
    expect(loss[11]!).toBeLessThan(loss[0]! * 0.5);
    expect(history.history.val_loss![11]!).toBeLessThan(history.history.val_loss![0]!);
    expect(history.history.acc![11]!).toBeGreaterThan(0.85);
    expect(history.history.val_acc![11]!).toBeGreaterThan(0.85);
    expect(epochs.map(([e]) => e)).toEqual([...Array(12).keys()]);
    expect(Object.keys(epochs[0]![1]).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    // 72 training samples in batches of 16: 5 steps per epoch.
    expect(progress.filter((p) => p.epoch === 1).map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((p) => p.steps === 5 && p.stepsPerSecond > 0 && p.realStepsPerSecond > 0)).toBe(true);
    // Not a TTY: one line per epoch.
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(/^epoch 1\/12 {2}5 steps {2}loss \d\.\d{4} {2}acc .* val_loss .* real steps\/s$/);
  });

  it('draws a progress bar on a TTY, then one summary line per epoch', async () => {
    const out = sink();
    out.stream.isTTY = true;
    await tagger(2).fit(taggerSamples(20, 9), { epochs: 2, batchSize: 5, stream: out.stream, learningRate: 0.01 });
    const text = out.text();
    expect(text).toMatch(/epoch 1\/2 \[.*\] \d\/4 \| loss \d\.\d{4} \| [\d.]+ steps\/s \| [\d.]+ real steps\/s/);
    // The bar is redrawn in place (ANSI), and cleared before each epoch's summary line.
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '');
    expect(plain.match(/epoch \d\/2 {2}4 steps {2}loss \d\.\d{4} {2}acc \d\.\d{4} .* real steps\/s\n/g)).toHaveLength(2);
  });

  it('is silent with verbose: 0 and reproducible from its seeds', async () => {
    const run = async () => {
      const out = sink();
      const h = await tagger(9).fit(taggerSamples(24, 4), { epochs: 3, batchSize: 5, seed: 7, verbose: 0, stream: out.stream, learningRate: 0.01 });
      return { h, text: out.text() };
    };
    const a = await run();
    const b = await run();
    expect(a.text).toBe('');
    expect(a.h.history.loss).toEqual(b.h.history.loss);
  });

  it('trains a model with batch norm, stride and lengths input (mse)', async () => {
    const m = pooled(4);
    const samples = pooledSamples(64, 8);
    const before = (await m.evaluate(samples)).loss;
    const h = await m.fit(samples, { epochs: 15, batchSize: 16, learningRate: 0.02, verbose: 0 });
    const after = (await m.evaluate(samples)).loss;
    expect(h.history.acc).toBeUndefined();
    expect(after).toBeLessThan(before * 0.5);
  });

  it('evaluate: masked loss and accuracy over real steps, the same whatever the batching', async () => {
    const m = tagger(5);
    const samples = taggerSamples(30, 6);
    await m.fit(samples, { epochs: 2, batchSize: 8, learningRate: 0.05, verbose: 0 });
    const a = await m.evaluate(samples, { batchSize: 7 });
    const b = await m.evaluate(samples, { batchSize: 30, buckets: false });
    const c = await m.evaluate(samples, { batchSize: 1 });
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(c.loss).toBeCloseTo(a.loss, 5);
    expect(b.acc).toBe(a.acc);
    // Accuracy by hand over every real step.
    const batch = padBatch(samples, m.manifest, { targets: false });
    const rows = unpad(m.predict(batch.inputs));
    let hits = 0;
    let steps = 0;
    rows.forEach((row, i) => {
      (row['logits'] as number[][]).forEach((z, t) => {
        hits += Number(z.indexOf(Math.max(...z)) === (samples[i]!['y'] as number[])[t]);
        steps++;
      });
    });
    expect(a.acc).toBeCloseTo(hits / steps, 10);
    batch.dispose();
  });

  it('stops after the current batch when a callback sets stopTraining', async () => {
    const m = tagger();
    const h = await m.fit(taggerSamples(20, 3), {
      epochs: 5,
      batchSize: 5,
      verbose: 0,
      callbacks: {
        onEpochEnd: (e) => {
          if (e === 1) m.stopTraining = true;
        },
      },
    });
    expect(h.epoch).toEqual([0, 1]);
  });
});
