import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import { SeqnetAvgPool1D, SeqnetConv1D, SeqnetMaxPool1D } from '../../../src/runtime/layers/window.js';
import { leftPad, outputLength, type WindowGeometry, type WindowMode } from '../../../src/runtime/layers/windowing.js';
import { layerFactory } from '../../../src/runtime/layers/registry.js';
import {
  BACKENDS,
  expectAllFinite,
  expectClose,
  fillPadded,
  gradsOf,
  postMask,
  randn,
  trainableVars,
  useBackend,
} from './layers-helpers.js';

type Arr3 = number[][][];

/** Direct transcription of MASKING.md section 7: output j reads j*s - left + i*d. */
function refConv(x: Arr3, w: Arr3, bias: number[], g: WindowGeometry): Arr3 {
  const left = leftPad(g);
  const steps = x[0]!.length;
  const outLen = outputLength(g, steps);
  return x.map((row) =>
    Array.from({ length: outLen }, (_, j) =>
      bias.map((b, f) => {
        let acc = b;
        for (let i = 0; i < g.kernel; i++) {
          const t = j * g.stride - left + i * g.dilation;
          if (t < 0 || t >= steps) continue;
          for (let c = 0; c < row[t]!.length; c++) acc += row[t]![c]! * w[i]![c]![f]!;
        }
        return acc;
      }),
    ),
  );
}

/** Gradients of sum(conv(x) * r) by the same transcription. */
function refConvGrads(x: Arr3, w: Arr3, r: Arr3, g: WindowGeometry): { dw: Arr3; db: number[]; dx: Arr3 } {
  const left = leftPad(g);
  const steps = x[0]!.length;
  const channels = x[0]![0]!.length;
  const filters = w[0]![0]!.length;
  const dw = w.map((a) => a.map((b) => b.map(() => 0)));
  const db = Array.from({ length: filters }, () => 0);
  const dx = x.map((a) => a.map((b) => b.map(() => 0)));
  r.forEach((rRow, b) =>
    rRow.forEach((rj, j) => {
      for (let f = 0; f < filters; f++) db[f]! += rj[f]!;
      for (let i = 0; i < g.kernel; i++) {
        const t = j * g.stride - left + i * g.dilation;
        if (t < 0 || t >= steps) continue;
        for (let c = 0; c < channels; c++) {
          for (let f = 0; f < filters; f++) {
            dw[i]![c]![f]! += x[b]![t]![c]! * rj[f]!;
            dx[b]![t]![c]! += w[i]![c]![f]! * rj[f]!;
          }
        }
      }
    }),
  );
  return { dw, db, dx };
}

/** Gradient of sum(maxpool(x) * r) for an unpadded batch: each window's first maximum gets r. */
function refMaxPoolGrad(x: Arr3, r: Arr3, g: WindowGeometry): Arr3 {
  const left = leftPad(g);
  const dx = x.map((a) => a.map((b) => b.map(() => 0)));
  r.forEach((rRow, b) =>
    rRow.forEach((rj, j) =>
      rj.forEach((rv, c) => {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < g.kernel; i++) {
          const t = j * g.stride - left + i * g.dilation;
          if (t < 0 || t >= x[b]!.length) continue;
          if (x[b]![t]![c]! > best) {
            best = x[b]![t]![c]!;
            at = t;
          }
        }
        if (at >= 0) dx[b]![at]![c]! += rv;
      }),
    ),
  );
  return dx;
}

const GEOMETRIES: [number, number, number][] = [
  // kernel, stride, dilation
  [3, 1, 1],
  [3, 2, 1],
  [2, 1, 2],
  [4, 3, 2],
  [1, 2, 1],
  [5, 2, 1],
];
const MODES: WindowMode[] = ['same', 'valid', 'causal'];

function conv(g: WindowGeometry, filters: number, useBias = true): SeqnetConv1D {
  return new SeqnetConv1D({ filters, kernelSize: g.kernel, strides: g.stride, dilationRate: g.dilation, padding: g.mode, useBias });
}

describe.each(BACKENDS)('window layers on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe('conv1d', () => {
    for (const mode of MODES) {
      for (const [kernel, stride, dilation] of GEOMETRIES) {
        const g: WindowGeometry = { kernel, stride, dilation, mode };
        it(`matches section 7 in value and gradient: ${mode} k=${kernel} s=${stride} d=${dilation}`, () => {
          const x = randn([2, 7, 3], 1);
          const layer = conv(g, 4);
          const y0 = layer.apply(x) as tf.Tensor;
          const [w, b] = layer.getWeights();
          const bias = randn([4], 5);
          layer.setWeights([w!, bias]);
          const y = layer.apply(x) as tf.Tensor;
          expect(y.shape).toEqual(y0.shape);
          const xa = x.arraySync() as Arr3;
          const wa = w!.arraySync() as Arr3;
          expectClose(y, tf.tensor(refConv(xa, wa, Array.from(bias.dataSync()), g)));
          expect(b!.shape).toEqual([4]);

          const r = randn(y.shape, 9);
          const ref = refConvGrads(xa, wa, r.arraySync() as Arr3, g);
          const [dw, db] = gradsOf(() => layer.apply(x) as tf.Tensor, r, trainableVars(layer));
          expectClose(dw!, tf.tensor(ref.dw));
          expectClose(db!, tf.tensor(ref.db));
          const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, r)))(x);
          expectClose(dx, tf.tensor(ref.dx));
        });
      }
    }

    it('fuses the activation and honours bias: false', () => {
      const g: WindowGeometry = { kernel: 3, stride: 1, dilation: 1, mode: 'same' };
      const x = randn([2, 5, 3], 2);
      const plain = new SeqnetConv1D({ filters: 4, kernelSize: 3, useBias: false, seed: 3 });
      const fused = new SeqnetConv1D({ filters: 4, kernelSize: 3, useBias: false, activation: 'relu', seed: 3 });
      expect(plain.apply(x) instanceof tf.Tensor).toBe(true);
      fused.apply(x);
      expect(fused.getWeights().length).toBe(1);
      expectClose(fused.getWeights()[0]!, plain.getWeights()[0]!, 0, 0);
      expectClose(fused.apply(x) as tf.Tensor, tf.relu(plain.apply(x) as tf.Tensor));
      expect(g.mode).toBe('same');
    });

    it('gives zero output steps, not an error, for an input shorter than the window', () => {
      const valid = conv({ kernel: 3, stride: 1, dilation: 2, mode: 'valid' }, 4);
      const y = valid.apply(randn([2, 4, 3], 3)) as tf.Tensor;
      expect(y.shape).toEqual([2, 0, 4]);
      const same = conv({ kernel: 3, stride: 2, dilation: 1, mode: 'same' }, 4);
      expect((same.apply(tf.zeros([2, 0, 3])) as tf.Tensor).shape).toEqual([2, 0, 4]);
      expect((same.apply(randn([2, 1, 3], 4)) as tf.Tensor).shape).toEqual([2, 1, 4]);
    });

    it('gives each post-padded sequence the outputs of its unpadded run (zeros at pads, any stride)', () => {
      for (const mode of MODES) {
        for (const [kernel, stride, dilation] of GEOMETRIES) {
          const g: WindowGeometry = { kernel, stride, dilation, mode };
          const layer = conv(g, 2);
          const lengths = [7, 4, 1, 0];
          const steps = 9;
          const mask = postMask(lengths, steps);
          const x = fillPadded(randn([4, steps, 3], 11), mask, 0);
          const y = layer.apply(x) as tf.Tensor;
          lengths.forEach((n, b) => {
            const outLen = outputLength(g, n);
            if (n === 0 || outLen === 0) return;
            const alone = layer.apply(tf.slice(x, [b, 0, 0], [1, n, 3])) as tf.Tensor;
            expectClose(tf.slice(y, [b, 0, 0], [1, outLen, 2]), alone);
          });
        }
      }
    });
  });

  describe('maxpool1d', () => {
    it('matches tfjs MaxPooling1D on an unpadded batch, value and gradient', () => {
      for (const [size, stride, padding, steps] of [
        [3, 2, 'valid', 9],
        [2, 2, 'valid', 8],
        [3, 1, 'same', 7],
        [3, 2, 'same', 8],
      ] as const) {
        const g: WindowGeometry = { kernel: size, stride, dilation: 1, mode: padding };
        const x = randn([2, steps, 3], 21);
        const mine = new SeqnetMaxPool1D({ poolSize: size, strides: stride, padding });
        const theirs = tf.layers.maxPooling1d({ poolSize: size, strides: stride, padding });
        const ones = tf.ones([2, steps]);
        const y = mine.apply([x, ones]) as tf.Tensor;
        expectClose(y, theirs.apply(x) as tf.Tensor);
        const r = randn(y.shape, 22);
        const dMine = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mine.apply([xx, ones]) as tf.Tensor, r)))(x);
        expectClose(dMine, tf.tensor(refMaxPoolGrad(x.arraySync() as Arr3, r.arraySync() as Arr3, g)));
        // tfjs' WASM MaxPoolGrad disagrees with its own forward pass; compare with tfjs on CPU only.
        if (backend === 'cpu') {
          const dTheirs = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(theirs.apply(xx) as tf.Tensor, r)))(x);
          expectClose(dMine, dTheirs);
        }
      }
    });

    it('takes the max over real steps only and writes 0 at padded output steps', () => {
      const steps = 8;
      const lengths = [8, 5, 2, 0];
      const mask = postMask(lengths, steps);
      // Padded steps hold huge values: a max over them would win everywhere.
      const x = fillPadded(tf.neg(tf.abs(randn([4, steps, 2], 31))), mask, 1e30);
      for (const [size, stride, padding] of [
        [3, 1, 'same'],
        [2, 2, 'valid'],
        [3, 2, 'same'],
        [4, 1, 'valid'],
      ] as const) {
        const g: WindowGeometry = { kernel: size, stride, dilation: 1, mode: padding };
        const layer = new SeqnetMaxPool1D({ poolSize: size, strides: stride, padding });
        const y = layer.apply([x, mask]) as tf.Tensor;
        expectAllFinite(y);
        const ya = y.arraySync() as Arr3;
        lengths.forEach((n, b) => {
          const outLen = outputLength(g, n);
          for (let j = outLen; j < y.shape[1]!; j++) expect(ya[b]![j]).toEqual([0, 0]);
          if (outLen === 0) return;
          const alone = layer.apply([tf.slice(x, [b, 0, 0], [1, n, 2]), tf.ones([1, n])]) as tf.Tensor;
          expectClose(tf.slice(y, [b, 0, 0], [1, outLen, 2]), alone);
        });
        const r = randn(y.shape, 32);
        const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply([xx, mask]) as tf.Tensor, r)))(x);
        expectAllFinite(dx);
        // No gradient reaches a padded step.
        expectClose(tf.mul(dx, tf.expandDims(tf.sub(1, mask), -1)), tf.zeros(dx.shape), 0, 0);
      }
    });

    it('defaults stride to the size and handles inputs shorter than the window', () => {
      const layer = new SeqnetMaxPool1D({ poolSize: 3 });
      expect(layer.strides).toBe(3);
      expect((layer.apply([randn([2, 2, 3], 1), tf.ones([2, 2])]) as tf.Tensor).shape).toEqual([2, 0, 3]);
      expect((layer.apply([tf.zeros([2, 0, 3]), tf.zeros([2, 0])]) as tf.Tensor).shape).toEqual([2, 0, 3]);
      expect((layer.apply([randn([2, 7, 3], 1), tf.ones([2, 7])]) as tf.Tensor).shape).toEqual([2, 2, 3]);
    });
  });

  describe('avgpool1d', () => {
    it('matches tfjs AveragePooling1D on an unpadded batch, value and gradient', () => {
      for (const [size, stride, padding, steps] of [
        [3, 2, 'valid', 9],
        [3, 1, 'same', 7],
        [3, 2, 'same', 8],
      ] as const) {
        const x = randn([2, steps, 3], 41);
        const mine = new SeqnetAvgPool1D({ poolSize: size, strides: stride, padding });
        const theirs = tf.layers.averagePooling1d({ poolSize: size, strides: stride, padding });
        const ones = tf.ones([2, steps]);
        const y = mine.apply([x, ones]) as tf.Tensor;
        expectClose(y, theirs.apply(x) as tf.Tensor);
        const r = randn(y.shape, 42);
        const dMine = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mine.apply([xx, ones]) as tf.Tensor, r)))(x);
        // The pool is linear in x, so sum(y * r) = <x, dL/dx> exactly for the true gradient.
        expectClose(tf.sum(tf.mul(x, dMine)), tf.sum(tf.mul(y, r)));
        if (padding === 'valid') {
          // tfjs' AvgPoolGrad divides edge windows of 'same' by the full size, unlike its forward pass.
          const dTheirs = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(theirs.apply(xx) as tf.Tensor, r)))(x);
          expectClose(dMine, dTheirs);
        }
      }
    });

    it('divides by the real steps of each window (zeros at pads), as the unpadded run', () => {
      const steps = 8;
      const lengths = [8, 5, 1, 0];
      const mask = postMask(lengths, steps);
      const x = fillPadded(randn([4, steps, 2], 43), mask, 0);
      for (const [size, stride, padding] of [
        [3, 1, 'same'],
        [4, 2, 'same'],
        [2, 2, 'valid'],
      ] as const) {
        const g: WindowGeometry = { kernel: size, stride, dilation: 1, mode: padding };
        const layer = new SeqnetAvgPool1D({ poolSize: size, strides: stride, padding });
        const y = layer.apply([x, mask]) as tf.Tensor;
        expectAllFinite(y);
        lengths.forEach((n, b) => {
          const outLen = outputLength(g, n);
          if (outLen === 0) return;
          const alone = layer.apply([tf.slice(x, [b, 0, 0], [1, n, 2]), tf.ones([1, n])]) as tf.Tensor;
          expectClose(tf.slice(y, [b, 0, 0], [1, outLen, 2]), alone);
        });
      }
      // A hand-checked value: [1, 2, 3 | pad] with size 3, same: last real step averages 2 and 3 only.
      const layer = new SeqnetAvgPool1D({ poolSize: 3, strides: 1, padding: 'same' });
      const y = layer.apply([tf.tensor3d([[[1], [2], [3], [0]]]), postMask([3], 4)]) as tf.Tensor;
      expectClose(tf.slice(y, [0, 0, 0], [1, 3, 1]), tf.tensor3d([[[1.5], [2], [2.5]]]));
    });
  });

  it('registers conv1d, maxpool1d and avgpool1d with resolved .seqnet parameters', () => {
    const c = layerFactory('conv1d')!('c', {
      filters: 4,
      kernel: 3,
      stride: 2,
      dilation: 1,
      padding: 'causal',
      bias: false,
      activation: 'tanh',
    }) as SeqnetConv1D;
    expect([c.name, c.filters, c.kernelSize, c.strides, c.padding, c.useBias, c.activation]).toEqual(['c', 4, 3, 2, 'causal', false, 'tanh']);
    const p = layerFactory('maxpool1d')!('p', { size: 2, stride: 2, padding: 'valid' }) as SeqnetMaxPool1D;
    expect(p instanceof SeqnetMaxPool1D && p.poolSize === 2).toBe(true);
    const a = layerFactory('avgpool1d')!('a', { size: 3, padding: 'same' }) as SeqnetAvgPool1D;
    expect(a instanceof SeqnetAvgPool1D && a.strides === 3 && a.padding === 'same').toBe(true);
  });
});

describe('conv1d against tfjs-layers Conv1D (CPU: tfjs conv gradients need Conv2DBackpropFilter)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  /** tfjs `valid` conv on the input padded as section 7 says, cut to section 7's output length. */
  function tfjsReference(x: tf.Tensor, g: WindowGeometry, w: tf.Tensor, b: tf.Tensor): { y: tf.Tensor; layer: tf.layers.Layer; xp: tf.Tensor } {
    const steps = x.shape[1]!;
    const left = leftPad(g);
    const outLen = outputLength(g, steps);
    const kEff = (g.kernel - 1) * g.dilation + 1;
    const right = Math.max(0, (outLen - 1) * g.stride + kEff - left - steps);
    const xp = tf.pad(x, [
      [0, 0],
      [left, right],
      [0, 0],
    ]);
    const layer = tf.layers.conv1d({
      filters: w.shape[2]!,
      kernelSize: g.kernel,
      strides: g.stride,
      dilationRate: g.dilation,
      padding: 'valid',
    });
    layer.apply(xp);
    layer.setWeights([w, b]);
    const y = tf.slice(layer.apply(xp) as tf.Tensor, [0, 0, 0], [x.shape[0]!, outLen, w.shape[2]!]);
    return { y, layer, xp };
  }

  for (const mode of MODES) {
    for (const [kernel, stride, dilation] of GEOMETRIES.filter(([, s, d]) => s === 1 || d === 1)) {
      it(`${mode} k=${kernel} s=${stride} d=${dilation}: outputs${dilation > 1 ? "" : " and weight gradients"}`, () => {
        const g: WindowGeometry = { kernel, stride, dilation, mode };
        const x = randn([2, 8, 3], 51);
        const mine = conv(g, 4);
        mine.apply(x);
        const w = randn([kernel, 3, 4], 52, 0.5);
        const b = randn([4], 53);
        mine.setWeights([w, b]);
        const ref = tfjsReference(x, g, w, b);
        const y = mine.apply(x) as tf.Tensor;
        expectClose(y, ref.y);
        // tfjs has no conv gradient with dilation > 1: the section 7 reference above covers those.
        if (dilation > 1) return;
        const r = randn(y.shape, 54);
        const outLen = y.shape[1]!;
        const mineGrads = gradsOf(() => mine.apply(x) as tf.Tensor, r, trainableVars(mine));
        const theirGrads = gradsOf(
          () => tf.slice(ref.layer.apply(ref.xp) as tf.Tensor, [0, 0, 0], [2, outLen, 4]),
          r,
          trainableVars(ref.layer),
        );
        expectClose(mineGrads[0]!, theirGrads[0]!);
        expectClose(mineGrads[1]!, theirGrads[1]!);
      });
    }
  }

  it('copies weights from a tfjs Conv1D (same padding, stride 1) and gives equal outputs', () => {
    const x = randn([2, 6, 3], 61);
    const theirs = tf.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' });
    theirs.apply(x);
    const mine = new SeqnetConv1D({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' });
    mine.apply(x);
    mine.setWeights(theirs.getWeights());
    expect(mine.getWeights().map((w) => w.shape)).toEqual(theirs.getWeights().map((w) => w.shape));
    expectClose(mine.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor);
  });
});
