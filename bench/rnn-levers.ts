/**
 * Training-step time of the masked seqnet tagger's recurrence against
 * tfjs-layers' GRU/LSTM behind a Masking layer (issue 7), plus micro
 * benchmarks of the individual speed levers. One process, variants
 * interleaved round by round after a warm-up, medians reported.
 *
 *   node <compiled>/bench/rnn-levers.js [--backend wasm|cpu] [--reps 5] [--warmup 2]
 *        [--T 200] [--B 32] [--C 40] [--U 128] [--cell gru|lstm] [--micro] [--only a,b]
 *
 * The tagger: x [B, T, C] masked by lengths (post; one row of full length,
 * the others uniform in [1, T]) -> recurrence (U units, sequences) ->
 * dense(10) -> softmax cross-entropy over real steps; Adam.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../src/runtime/tf.js';
import { MaskedGRU, MaskedLSTM } from '../src/runtime/layers/rnn.js';
import * as k from '../src/runtime/layers/rnn-kernels.js';

const require = createRequire(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const backend = arg('backend', 'wasm');
const reps = Number(arg('reps', '5'));
const warmup = Number(arg('warmup', '2'));
const T = Number(arg('T', '200'));
const B = Number(arg('B', '32'));
const C = Number(arg('C', '40'));
const U = Number(arg('U', '128'));
const cell = arg('cell', 'gru');
const only = arg('only', '');
const maxLen = Number(arg('maxlen', String(T)));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Variant {
  name: string;
  step: () => number;
}

function data() {
  return tf.tidy(() => {
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const lengths = Array.from({ length: B }, (_, i) => (i === 0 ? maxLen : 1 + Math.floor(rand() * maxLen)));
    const m = new Float32Array(B * T);
    lengths.forEach((L, b) => m.fill(1, b * T, b * T + L));
    const mask = tf.tensor2d(m, [B, T]);
    const x = tf.mul(tf.randomNormal([B, T, C], 0, 1, 'float32', 2), tf.expandDims(mask, 2)) as tf.Tensor3D;
    const y = tf.oneHot(tf.randomUniform([B, T], 0, 10, 'int32', 3) as tf.Tensor2D, 10);
    return { x: tf.keep(x), mask: tf.keep(mask), y: tf.keep(y) };
  });
}

function trainStep(model: tf.LayersModel, inputs: tf.Tensor | tf.Tensor[], y: tf.Tensor, mask: tf.Tensor, opt: tf.Optimizer): number {
  return tf.tidy(() => {
    const loss = opt.minimize(() => {
      const logits = model.apply(inputs, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(y, logits, mask) as tf.Scalar;
    }, true) as tf.Scalar;
    return loss.dataSync()[0] as number;
  });
}

function tfjsLayersVariant(d: ReturnType<typeof data>): Variant {
  const input = tf.input({ shape: [null, C] });
  const masked = tf.layers.masking({ maskValue: 0 }).apply(input) as tf.SymbolicTensor;
  // The recurrent initializer does not matter for speed; tfjs' Orthogonal takes seconds to build.
  const rnn = cell === 'gru'
    ? tf.layers.gru({ units: U, returnSequences: true, recurrentInitializer: 'glorotUniform' })
    : tf.layers.lstm({ units: U, returnSequences: true, recurrentInitializer: 'glorotUniform' });
  const out = tf.layers.dense({ units: 10 }).apply(rnn.apply(masked)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const opt = tf.train.adam(1e-3);
  return { name: `tfjs-layers ${cell} + Masking`, step: () => trainStep(model, d.x, d.y, d.mask, opt) };
}

function seqnetVariant(d: ReturnType<typeof data>, name: string, layer: tf.layers.Layer): Variant {
  const x = tf.input({ shape: [null, C] });
  const m = tf.input({ shape: [null] });
  const out = tf.layers.dense({ units: 10 }).apply(layer.apply([x, m])) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [x, m], outputs: out });
  const opt = tf.train.adam(1e-3);
  return { name, step: () => trainStep(model, [d.x, d.mask], d.y, d.mask, opt) };
}

/** The same tagger with a pointwise dense layer instead of the recurrence: the cost of everything else. */
function floorVariant(d: ReturnType<typeof data>): Variant {
  const input = tf.input({ shape: [null, C] });
  const hidden = tf.layers.dense({ units: U, activation: 'tanh' }).apply(input);
  const out = tf.layers.dense({ units: 10 }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const opt = tf.train.adam(1e-3);
  return { name: 'floor: dense(U) instead of the recurrence', step: () => trainStep(model, d.x, d.y, d.mask, opt) };
}

function endToEnd(): void {
  const d = data();
  const variants: Variant[] = [tfjsLayersVariant(d)];
  if (cell === 'gru') {
    variants.push(
      seqnetVariant(d, 'seqnet gru (reset_after, sigmoid), bptt', new MaskedGRU({ units: U, seed: 1 })),
      seqnetVariant(d, 'seqnet gru (tfjs form: reset_after false, hard_sigmoid), bptt',
        new MaskedGRU({ units: U, seed: 1, resetAfter: false, recurrentActivation: 'hard_sigmoid' })),
      seqnetVariant(d, 'seqnet gru (reset_after, sigmoid), tape', new MaskedGRU({ units: U, seed: 1, implementation: 'tape' })),
    );
  } else {
    variants.push(
      seqnetVariant(d, 'seqnet lstm (hard_sigmoid, as tfjs), bptt', new MaskedLSTM({ units: U, seed: 1, recurrentActivation: 'hard_sigmoid' })),
      seqnetVariant(d, 'seqnet lstm (sigmoid), bptt', new MaskedLSTM({ units: U, seed: 1 })),
      seqnetVariant(d, 'seqnet lstm (sigmoid), tape', new MaskedLSTM({ units: U, seed: 1, implementation: 'tape' })),
    );
  }
  variants.push(floorVariant(d));
  const chosen = only ? variants.filter((_, i) => i === 0 || only.split(',').includes(String(i))) : variants;
  // Wall time and this process's CPU time: other processes on the machine
  // inflate the first much more than the second (tfjs runs on one thread here).
  const wall = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
  const cpu = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
  for (let r = -warmup; r < reps; r++) {
    for (const v of chosen) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      v.step();
      const dt = performance.now() - t0;
      const dc = process.cpuUsage(c0);
      if (r >= 0) {
        wall.get(v.name)?.push(dt);
        cpu.get(v.name)?.push((dc.user + dc.system) / 1000);
      }
    }
  }
  const baseWall = median(wall.get(chosen[0]!.name) ?? [1]);
  const baseCpu = median(cpu.get(chosen[0]!.name) ?? [1]);
  console.log(`\n${backend}: train step, ${cell} B=${B} T=${T} (longest row ${maxLen}) C=${C} U=${U}, ${reps} rounds after ${warmup} warm-up`);
  for (const v of chosen) {
    const w = median(wall.get(v.name) ?? []);
    const c = median(cpu.get(v.name) ?? []);
    console.log(`  ${v.name.padEnd(64)} wall ${w.toFixed(0).padStart(6)} ms x${(baseWall / w).toFixed(2).padEnd(6)} cpu ${c.toFixed(0).padStart(6)} ms x${(baseCpu / c).toFixed(2)}`
      + `   [wall ${(wall.get(v.name) ?? []).map((t) => t.toFixed(0)).join(' ')}]`);
  }
  console.log(`  live tensors after the run: ${tf.memory().numTensors}`);
}

/** Mean CPU time of `f` over `n` calls in one tidy, after a warm-up call (wall time in brackets). */
function micro(name: string, f: () => unknown, n: number): number {
  tf.tidy(() => {
    f();
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  tf.tidy(() => {
    for (let i = 0; i < n; i++) f();
  });
  const wallMs = (performance.now() - t0) / n;
  const dc = process.cpuUsage(c0);
  const ms = (dc.user + dc.system) / 1000 / n;
  console.log(`  ${name.padEnd(72)} cpu ${ms.toFixed(3).padStart(9)} ms  (wall ${wallMs.toFixed(3)})`);
  return ms;
}

function levers(): void {
  console.log(`\n${backend}: micro benchmarks of the levers (B=${B} T=${T} C=${C} U=${U})`);
  tf.tidy(() => {
    const x = tf.randomNormal([B, T, C]) as tf.Tensor3D;
    const w = tf.randomNormal([C, 3 * U]) as tf.Tensor2D;
    const rk = tf.randomNormal([U, 3 * U]) as tf.Tensor2D;
    const h = tf.randomNormal([B, U]) as tf.Tensor2D;
    const h3 = tf.reshape(h, [1, B, U]) as tf.Tensor3D;

    console.log(' per-step inputs of a whole sequence (x W for all T steps, then one [B, 3U] per step):');
    micro('unstack the whole-sequence projection', () => tf.unstack(tf.reshape(tf.matMul(tf.reshape(x, [B * T, C]), w), [B, T, 3 * U]), 1), 1);
    for (const chunk of [5, 10, 20]) {
      micro(`project and unstack in chunks of ${chunk} steps`, () => {
        const out: tf.Tensor[] = [];
        for (let t0 = 0; t0 < T; t0 += chunk) {
          const len = Math.min(chunk, T - t0);
          const rows = tf.reshape(tf.slice(x, [0, t0, 0], [B, len, C]), [B * len, C]);
          out.push(...tf.unstack(tf.reshape(tf.matMul(rows, w), [B, len, 3 * U]), 1));
        }
        return out;
      }, 1);
    }
    micro('x rows per step from one read-back, [x_t, h] concat (no projection)', () => {
      const data = x.dataSync();
      const out: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const rows = new Float32Array(B * C);
        for (let b = 0; b < B; b++) rows.set(data.subarray((b * T + t) * C, (b * T + t + 1) * C), b * C);
        out.push(k.concat([tf.tensor3d(rows, [1, B, C]), h3], 2));
      }
      return out;
    }, 1);

    console.log(' the gate products of one step:');
    micro('h U as one matMul [U, 3U], then 3 slices', () => tf.split(tf.matMul(h, rk), 3, 1), 200);
    const [uz, ur, uh] = tf.split(rk, 3, 1) as tf.Tensor2D[];
    micro('3 matMuls, U split once outside the loop', () => [tf.matMul(h, uz!), tf.matMul(h, ur!), tf.matMul(h, uh!)], 200);
    micro('3 matMuls, U split inside the step (tf.split per step)', () => tf.split(rk, 3, 1).map((u) => tf.matMul(h, u)), 50);
    const wcat = tf.reshape(tf.randomNormal([C + U, U]), [1, C + U, U]) as tf.Tensor3D;
    const bias = tf.zeros([U]) as tf.Tensor1D;
    const xh = tf.randomNormal([1, B, C + U]) as tf.Tensor3D;
    micro('one gate: sigmoid(x_t Wx + h U + b) as add+matMul+add+sigmoid (tf ops)', () =>
      tf.sigmoid(tf.add(tf.add(tf.matMul(tf.reshape(xh, [B, C + U]), tf.reshape(wcat, [C + U, U])), bias), h)), 200);
    micro('one gate: fused kernel sigmoid([x_t, h] [Wx; U] + b)', () => k.gate(xh, wcat, bias, 'sigmoid'), 200);

    console.log(' matMul transpose flags (WASM leaves XNNPACK for a naive loop):');
    const d3 = tf.randomNormal([1, B, 3 * U]) as tf.Tensor3D;
    const r3 = tf.randomNormal([1, U, 3 * U]) as tf.Tensor3D;
    const r3t = tf.transpose(r3, [0, 2, 1]) as tf.Tensor3D;
    micro('step dInner U^T with transposeB', () => tf.matMul(d3, r3, false, true), 20);
    micro('step dInner U^T with U^T built once', () => k.matMul(d3, r3t), 20);
    const hs = tf.randomNormal([1, B * T, U]) as tf.Tensor3D;
    const ds = tf.randomNormal([1, B * T, 3 * U]) as tf.Tensor3D;
    micro('bulk dU = H^T dInner with transposeA', () => tf.matMul(hs, ds, true, false), 1);
    micro('bulk dU = transpose(H) dInner', () => k.matMul(k.transpose(hs), ds), 1);

    console.log(' per-op cost of the elementwise work ([1, B, U]):');
    const a = tf.randomNormal([1, B, U]);
    const bb = tf.randomNormal([1, B, U]);
    const cond = tf.greater(tf.randomNormal([1, B, U]), 0);
    micro('tf.add', () => tf.add(a, bb), 500);
    micro('Add kernel', () => k.add(a, bb), 500);
    micro('tf.where (same shapes)', () => tf.where(cond, a, bb), 500);
    micro('Select kernel', () => k.select(cond, a, bb), 500);
    micro('tf.sigmoid', () => tf.sigmoid(a), 500);
    micro('tf.tanh', () => tf.tanh(a), 500);
    micro('tanh as 2 sigmoid(2a) - 1', () => tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1), 500);
    micro('clone (what tf.customGrad\'s save() does per saved tensor)', () => tf.clone(a), 500);
  });
}

async function main(): Promise<void> {
  if (backend === 'wasm') setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  await tf.setBackend(backend);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`backend ${backend} did not load (got ${tf.getBackend()})`);
  if (flag('micro')) levers();
  else endToEnd();
}

void main();
