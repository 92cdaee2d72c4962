/**
 * An independent oracle for window layers (MASKING.md section 7). It does not
 * use src/check/window.ts: it lays out concrete rows (real length L, padded
 * length T, post or pre), lists the input steps that each real output step
 * reads, and decides by plain index arithmetic whether some real output step
 * reads a padded step (then the layer needs zeros there) and how many real
 * output steps there are. The checker must agree on every window with
 * kernel 1..5, dilation 1..3, stride 1..3, modes same/valid/causal, for
 * L = 0..12 and T = L..L+7: its `needsZeros` edge, the fill it inserts, the
 * output mask's length at L and the output time dim at T.
 */
import { describe, expect, test } from 'vitest';
import type { IrModel, LayerNode } from '../../../src/check/ir.js';
import { compile, errors, fill, trimIndent } from './support.js';

type Mode = 'same' | 'valid' | 'causal';
type Layout = 'post' | 'pre';

interface Win {
  readonly k: number;
  readonly d: number;
  readonly s: number;
  readonly mode: Mode;
}

// ------------------------------------------------------------------ oracle

function kEff(w: Win): number {
  return (w.k - 1) * w.d + 1;
}

/** The left pad of the section 7 table. */
function left(w: Win): number {
  if (w.mode === 'valid') return 0;
  if (w.mode === 'causal') return kEff(w) - 1;
  return Math.floor(Math.max(kEff(w) - w.s, 0) / 2);
}

/** Input steps output step `j` reads, including those outside [0, n). */
function taps(w: Win, j: number): number[] {
  return Array.from({ length: w.k }, (_, i) => j * w.s - left(w) + i * w.d);
}

/** How many output steps a sequence of n steps has: count them, one anchor every `s` steps. */
function outCount(w: Win, n: number): number {
  let count = 0;
  for (let j = 0; ; j++) {
    const last = j * w.s + (w.mode === 'valid' ? kEff(w) - 1 : 0);
    if (last > n - 1) break;
    count++;
  }
  return count;
}

interface Row {
  /** Real output steps in padded coordinates. */
  readonly realOut: number[];
  readonly outLength: number;
  readonly outT: number;
  /** Some real output step reads a padded input step. */
  readonly readsPadding: boolean;
}

/** One row: real steps [0, L) (post) or [T - L, T) (pre) of T. */
function row(w: Win, layout: Layout, L: number, T: number): Row {
  const outT = outCount(w, T);
  const outL = outCount(w, L);
  const realOut = Array.from({ length: outL }, (_, i) => (layout === 'post' ? i : outT - outL + i));
  const inOffset = layout === 'post' ? 0 : T - L;
  const isPadded = (p: number) => p >= 0 && p < T && (p < inOffset || p >= inOffset + L);
  let readsPadding = false;
  for (const [jc, j] of realOut.entries()) {
    const padded = taps(w, j);
    const alone = taps(w, jc); // the same output step of the sequence run alone (B = 1, T = L)
    for (let i = 0; i < w.k; i++) {
      const p = padded[i]!;
      const c = alone[i]!;
      // Per-sequence equivalence (R1) needs the same real step, or zero where the sequence alone reads its explicit pad.
      if (c >= 0 && c < L) assert(p - inOffset === c, `tap ${i} of output ${j} reads ${p}, alone ${c}`);
      else if (isPadded(p)) readsPadding = true;
      else assert(p < 0 || p >= T, `tap ${i} of output ${j} reads the real step ${p} where alone it reads padding`);
    }
  }
  return { realOut, outLength: outL, outT, readsPadding };
}

/** Plain assertion: `expect` in these hot loops would cost most of the run time. */
function assert(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

const Ls = Array.from({ length: 13 }, (_, i) => i);

function oracleNeeds(w: Win, layout: Layout): boolean {
  return Ls.some((L) => Array.from({ length: 8 }, (_, e) => L + e).some((T) => row(w, layout, L, T).readsPadding));
}

// ------------------------------------------------------------------ checker

function compileWindow(layer: string, w: Win, layout: Layout): { model?: IrModel; codes: string[] } {
  const call =
    layer === 'conv1d'
      ? `conv1d(filters: 2, kernel: ${w.k}, stride: ${w.s}, dilation: ${w.d}, padding: ${w.mode})`
      : `${layer}(size: ${w.k}, stride: ${w.s}, padding: ${w.mode})`;
  const text = trimIndent(`
    model M {
      input n: i32[B];
      input x: f32[B, T, 4] masked by lengths(n)${layout === 'pre' ? ', padded pre' : ''};
      a = x |> sigmoid();
      y = a |> ${call};
      output y;
    }
  `);
  const checked = compile(text);
  const errs = errors(checked);
  if (errs.length) return { codes: errs.map((d) => d.code) };
  return { model: checked.models[0]!, codes: [] };
}

/** The checker's decision, in the words of the oracle. */
function check(layer: string, w: Win, layout: Layout): void {
  const { model, codes } = compileWindow(layer, w, layout);
  if (layout === 'pre' && w.s > 1) {
    expect(codes).toEqual(['SN0403']);
    return;
  }
  expect(codes).toEqual([]);
  const y = model!.nodes.find((n): n is LayerNode => n.kind === 'layer' && n.name === 'y')!;
  const needs = layer === 'maxpool1d' ? false : oracleNeeds(w, layout);
  expect(y.inputs[0]!.needsZeros, 'needsZeros').toBe(needs);
  const filled = fill(model!);
  const fillOfA = filled.nodes.find((n) => n.kind === 'fill' && n.name === 'a__fill');
  expect(fillOfA !== undefined, 'a fill of `a`').toBe(needs);
  expect(y.type.mask!.layout).toBe(layout);
  for (const L of Ls) {
    const T = L + 5;
    const r = row(w, layout, L, T);
    expect(y.type.mask!.length.evaluate((v) => (v === 'L' ? L : NaN)), `real length at L = ${L}`).toBe(r.outLength);
    expect(y.type.dims[1]!.evaluate((v) => (v === 'T' ? T : NaN)), `time dim at T = ${T}`).toBe(r.outT);
  }
}

// ------------------------------------------------------------------ tests

const MODES: Mode[] = ['same', 'valid', 'causal'];

describe('the oracle itself', () => {
  test('reads what the section 7 table says, on concrete rows', () => {
    const show = (w: Win, layout: Layout, L: number, T: number) => {
      const r = row(w, layout, L, T);
      return `${r.realOut.map((j) => `${j}:[${taps(w, j).join(' ')}]`).join(' ')} len ${r.outLength} of ${r.outT}${r.readsPadding ? ' reads padding' : ''}`;
    };
    const lines = [
      show({ k: 3, d: 1, s: 1, mode: 'same' }, 'post', 3, 5),
      show({ k: 3, d: 1, s: 1, mode: 'same' }, 'pre', 3, 5),
      show({ k: 3, d: 1, s: 1, mode: 'causal' }, 'post', 3, 5),
      show({ k: 3, d: 1, s: 1, mode: 'causal' }, 'pre', 3, 5),
      show({ k: 3, d: 1, s: 1, mode: 'valid' }, 'pre', 4, 6),
      show({ k: 2, d: 1, s: 1, mode: 'same' }, 'pre', 3, 5),
      show({ k: 2, d: 1, s: 2, mode: 'same' }, 'post', 4, 7),
      show({ k: 2, d: 1, s: 2, mode: 'same' }, 'post', 5, 7),
      show({ k: 3, d: 2, s: 1, mode: 'same' }, 'post', 2, 4),
      show({ k: 2, d: 1, s: 1, mode: 'valid' }, 'post', 1, 4),
    ];
    expect(lines.join('\n')).toBe(
      trimIndent(`
        0:[-1 0 1] 1:[0 1 2] 2:[1 2 3] len 3 of 5 reads padding
        2:[1 2 3] 3:[2 3 4] 4:[3 4 5] len 3 of 5 reads padding
        0:[-2 -1 0] 1:[-1 0 1] 2:[0 1 2] len 3 of 5
        2:[0 1 2] 3:[1 2 3] 4:[2 3 4] len 3 of 5 reads padding
        2:[2 3 4] 3:[3 4 5] len 2 of 4
        2:[2 3] 3:[3 4] 4:[4 5] len 3 of 5
        0:[0 1] 1:[2 3] len 2 of 4
        0:[0 1] 1:[2 3] 2:[4 5] len 3 of 4 reads padding
        0:[-2 0 2] 1:[-1 1 3] len 2 of 4 reads padding
         len 0 of 3
      `),
    );
  });

  test('the left pad is TensorFlow\'s when T is a multiple of the stride', () => {
    for (const k of [1, 2, 3, 4, 5])
      for (const d of [1, 2, 3])
        for (const s of [1, 2, 3])
          for (const T of [s, 2 * s, 5 * s]) {
            const w: Win = { k, d, s, mode: 'same' };
            const total = Math.max((Math.ceil(T / s) - 1) * s + kEff(w) - T, 0);
            expect(left(w)).toBe(Math.floor(total / 2));
          }
  });

  test('the output lengths are the section 7 formulas', () => {
    for (const k of [1, 2, 3, 4, 5])
      for (const d of [1, 2, 3])
        for (const s of [1, 2, 3])
          for (const mode of MODES)
            for (const n of Ls) {
              const w: Win = { k, d, s, mode };
              const formula = mode === 'valid' ? Math.max(0, Math.floor((n - kEff(w)) / s) + 1) : Math.ceil(n / s);
              expect(outCount(w, n)).toBe(formula);
            }
  });

  test('which windows need zeros, in short', () => {
    const summary = (layout: Layout, s: number) =>
      MODES.map(
        (mode) =>
          `${layout} s${s} ${mode}: ` +
          [1, 2, 3, 4, 5]
            .flatMap((k) => [1, 2, 3].map((d) => (oracleNeeds({ k, d, s, mode }, layout) ? `${k}x${d}` : '')))
            .filter(Boolean)
            .join(' ')
            .trimEnd(),
      ).map((l) => l.trimEnd());
    expect([...summary('post', 1), ...summary('post', 2), ...summary('pre', 1)].join('\n')).toBe(
      trimIndent(`
        post s1 same: 2x1 2x2 2x3 3x1 3x2 3x3 4x1 4x2 4x3 5x1 5x2 5x3
        post s1 valid:
        post s1 causal:
        post s2 same: 2x1 2x2 2x3 3x1 3x2 3x3 4x1 4x2 4x3 5x1 5x2 5x3
        post s2 valid:
        post s2 causal:
        pre s1 same: 2x2 2x3 3x1 3x2 3x3 4x1 4x2 4x3 5x1 5x2 5x3
        pre s1 valid:
        pre s1 causal: 2x1 2x2 2x3 3x1 3x2 3x3 4x1 4x2 4x3 5x1 5x2 5x3
      `),
    );
  });
});

for (const layout of ['post', 'pre'] as const) {
  describe(`conv1d on ${layout}: the checker agrees with the oracle`, () => {
    for (const mode of MODES)
      for (const s of [1, 2, 3])
        test(`${mode}, stride ${s}, kernel 1..5, dilation 1..3${layout === 'pre' && s > 1 ? ' (rejected, SN0403)' : ''}`, () => {
          for (const k of [1, 2, 3, 4, 5]) for (const d of [1, 2, 3]) check('conv1d', { k, d, s, mode }, layout);
        });
  });

  describe(`pools on ${layout}: the checker agrees with the oracle`, () => {
    for (const layer of ['avgpool1d', 'maxpool1d'])
      for (const mode of ['same', 'valid'] as const)
        test(`${layer}, ${mode}, size 1..5, stride 1..3`, () => {
          for (const k of [1, 2, 3, 4, 5]) for (const s of [1, 2, 3]) check(layer, { k, d: 1, s, mode }, layout);
        });
  });
}
