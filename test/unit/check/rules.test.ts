/**
 * MASKING.md section 4, row by row: for each layer, what it needs at padded
 * input steps and what it leaves at padded output steps, for every layout
 * and every input pad state. The expected text was written from the spec
 * table, not from the checker's output.
 *
 * `check(body, expected)` compiles `body` under three headers (masked by
 * lengths, post; lengths, pre; an explicit mask, holes). `$` in the body
 * stands for a value with pad `zeros` (`x`, the sanitized input) and then for
 * one with pad `any` (`a = sigmoid(x)`); `$1`, `$2` vary independently. One
 * line per case: the value `y` as `layer(inputs) type mask pad [uses_mask]`,
 * where `!` marks an input edge that needs zeros; the losses; then every fill
 * as `value(consumers)`. A case that does not compile shows its error codes.
 * `decls` are layer declarations put before the model.
 */
import { describe, expect, test } from 'vitest';
import { compile, describeFills, describeLosses, describeNode, errors, fill, trimIndent } from './support.js';

const LAYOUTS = ['post', 'pre', 'holes'] as const;

function header(layout: (typeof LAYOUTS)[number]): string {
  const source = layout === 'holes' ? 'masked by m' : layout === 'pre' ? 'masked by lengths(n), padded pre' : 'masked by lengths(n)';
  return [
    'model M {',
    layout === 'holes' ? '  input m: bool[B, T];' : '  input n: i32[B];',
    `  input x: f32[B, T, 4] ${source};`,
    `  input z: f32[B, T, 4] ${source};`,
    `  input ids: i32[B, T] ${source};`,
    '  input v: f32[B, 4];',
    '  target t: f32[B, T, 4];',
    '  target c: i32[B, T];',
    '  target k: i32[B];',
    '  a = x |> sigmoid();',
  ].join('\n');
}

function combos(n: number): string[][] {
  if (n === 0) return [[]];
  return combos(n - 1).flatMap((c) => [
    [...c, 'x'],
    [...c, 'a'],
  ]);
}

function check(body: string, expected: string, decls = ''): void {
  const holes = [...new Set(body.match(/\$\d?/g) ?? [])].sort();
  if (holes.includes('$') && holes.length > 1) throw new Error('use either `$` or `$1`, `$2`');
  const lines: string[] = [];
  for (const layout of LAYOUTS) {
    for (const combo of combos(holes.length)) {
      let text = body;
      holes.forEach((h, i) => (text = text.replaceAll(h, combo[i]!)));
      const checked = compile(`${decls}${header(layout)}\n  ${text}\n}\n`);
      const label = combo.length ? `${layout} ${combo.join(',')}` : layout;
      const errs = errors(checked);
      if (errs.length) {
        lines.push(`${label}: ${errs.map((d) => d.code).join(' ')}`);
        continue;
      }
      const model = fill(checked.models[0]!);
      const y = model.nodes.find((n) => n.name === 'y');
      const parts = [...(y ? [describeNode(model, y)] : []), ...describeLosses(model), `fills: ${describeFills(model)}`];
      lines.push(`${label}: ${parts.join(' | ')}`);
    }
  }
  expect(lines.join('\n')).toBe(trimIndent(expected));
}

describe('dense', () => {
  test('with bias: pads any', () =>
    check(
      'y = $ |> dense(units: 8); output y;',
      `
      post x: dense(x) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a: dense(a) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre x: dense(x) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a: dense(a) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes x: dense(x) f32[B, T, 8] m0 holes any | fills: y(output y)
      holes a: dense(a) f32[B, T, 8] m0 holes any | fills: y(output y)
      `,
    ));

  test('without bias: keeps zeros', () =>
    check(
      'y = $ |> dense(units: 8, bias: false); output y;',
      `
      post x: dense(x) f32[B, T, 8] m0 post L zeros | fills: -
      post a: dense(a) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre x: dense(x) f32[B, T, 8] m0 pre L zeros | fills: -
      pre a: dense(a) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes x: dense(x) f32[B, T, 8] m0 holes zeros | fills: -
      holes a: dense(a) f32[B, T, 8] m0 holes any | fills: y(output y)
      `,
    ));

  for (const act of ['relu', 'tanh', 'gelu', 'elu', 'leaky_relu']) {
    test(`without bias, fused ${act}: keeps zeros`, () =>
      check(
        `y = $ |> dense(units: 8, bias: false, activation: ${act}); output y;`,
        `
        post x: dense(x) f32[B, T, 8] m0 post L zeros | fills: -
        post a: dense(a) f32[B, T, 8] m0 post L any | fills: y(output y)
        pre x: dense(x) f32[B, T, 8] m0 pre L zeros | fills: -
        pre a: dense(a) f32[B, T, 8] m0 pre L any | fills: y(output y)
        holes x: dense(x) f32[B, T, 8] m0 holes zeros | fills: -
        holes a: dense(a) f32[B, T, 8] m0 holes any | fills: y(output y)
        `,
      ));
  }

  for (const act of ['sigmoid', 'softplus', 'softmax']) {
    test(`without bias, fused ${act}: pads any`, () =>
      check(
        `y = $ |> dense(units: 8, bias: false, activation: ${act}); output y;`,
        `
        post x: dense(x) f32[B, T, 8] m0 post L any | fills: y(output y)
        post a: dense(a) f32[B, T, 8] m0 post L any | fills: y(output y)
        pre x: dense(x) f32[B, T, 8] m0 pre L any | fills: y(output y)
        pre a: dense(a) f32[B, T, 8] m0 pre L any | fills: y(output y)
        holes x: dense(x) f32[B, T, 8] m0 holes any | fills: y(output y)
        holes a: dense(a) f32[B, T, 8] m0 holes any | fills: y(output y)
        `,
      ));
  }

  test('with bias and a fused relu: pads any (the bias comes first)', () =>
    check(
      'y = x |> dense(units: 8, activation: relu); output y;',
      `
      post: dense(x) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre: dense(x) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes: dense(x) f32[B, T, 8] m0 holes any | fills: y(output y)
      `,
    ));

  test('on a [B, C] value: no mask, no fill', () =>
    check(
      'y = $ |> global_maxpool() |> dense(units: 3); output y;',
      `
      post x: dense(y_1) f32[B, 3] - | fills: -
      post a: dense(y_1) f32[B, 3] - | fills: -
      pre x: dense(y_1) f32[B, 3] - | fills: -
      pre a: dense(y_1) f32[B, 3] - | fills: -
      holes x: dense(y_1) f32[B, 3] - | fills: -
      holes a: dense(y_1) f32[B, 3] - | fills: -
      `,
    ));
});

describe('pointwise layers that keep zeros', () => {
  for (const call of ['relu()', 'tanh()', 'gelu()', 'leaky_relu()', 'leaky_relu(alpha: 0.1)', 'elu()', 'dropout(rate: 0.5)', 'cast(to: f32)']) {
    const layer = call.slice(0, call.indexOf('('));
    test(call, () =>
      check(
        `y = $ |> ${call}; output y;`,
        `
        post x: ${layer}(x) f32[B, T, 4] m0 post L zeros | fills: -
        post a: ${layer}(a) f32[B, T, 4] m0 post L any | fills: y(output y)
        pre x: ${layer}(x) f32[B, T, 4] m0 pre L zeros | fills: -
        pre a: ${layer}(a) f32[B, T, 4] m0 pre L any | fills: y(output y)
        holes x: ${layer}(x) f32[B, T, 4] m0 holes zeros | fills: -
        holes a: ${layer}(a) f32[B, T, 4] m0 holes any | fills: y(output y)
        `,
      ));
  }

  test('cast of masked ids to f32 and back', () =>
    check(
      'y_f = ids |> cast(to: f32); y = y_f |> cast(to: i32); output y_f, y;',
      `
      post: cast(y_f) i32[B, T] m0 post L zeros | fills: -
      pre: cast(y_f) i32[B, T] m0 pre L zeros | fills: -
      holes: cast(y_f) i32[B, T] m0 holes zeros | fills: -
      `,
    ));
});

describe('pointwise layers that make padding non-zero', () => {
  for (const layer of ['sigmoid', 'softmax', 'softplus', 'layernorm']) {
    test(layer, () =>
      check(
        `y = $ |> ${layer}(); output y;`,
        `
        post x: ${layer}(x) f32[B, T, 4] m0 post L any | fills: y(output y)
        post a: ${layer}(a) f32[B, T, 4] m0 post L any | fills: y(output y)
        pre x: ${layer}(x) f32[B, T, 4] m0 pre L any | fills: y(output y)
        pre a: ${layer}(a) f32[B, T, 4] m0 pre L any | fills: y(output y)
        holes x: ${layer}(x) f32[B, T, 4] m0 holes any | fills: y(output y)
        holes a: ${layer}(a) f32[B, T, 4] m0 holes any | fills: y(output y)
        `,
      ));
  }

  test('batchnorm reads the mask (moments over real steps)', () =>
    check(
      'y = $ |> batchnorm(); output y;',
      `
      post x: batchnorm(x) f32[B, T, 4] m0 post L any uses_mask | fills: y(output y)
      post a: batchnorm(a) f32[B, T, 4] m0 post L any uses_mask | fills: y(output y)
      pre x: batchnorm(x) f32[B, T, 4] m0 pre L any uses_mask | fills: y(output y)
      pre a: batchnorm(a) f32[B, T, 4] m0 pre L any uses_mask | fills: y(output y)
      holes x: batchnorm(x) f32[B, T, 4] m0 holes any uses_mask | fills: y(output y)
      holes a: batchnorm(a) f32[B, T, 4] m0 holes any uses_mask | fills: y(output y)
      `,
    ));

  test('embedding of masked ids', () =>
    check(
      'y = ids |> embedding(vocab: 10, dim: 8); output y;',
      `
      post: embedding(ids) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre: embedding(ids) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes: embedding(ids) f32[B, T, 8] m0 holes any | fills: y(output y)
      `,
    ));
});

describe('add and concat', () => {
  test('add keeps zeros when both inputs are zeros', () =>
    check(
      'y = add($1, $2); output y;',
      `
      post x,x: add(x, x) f32[B, T, 4] m0 post L zeros | fills: -
      post x,a: add(x, a) f32[B, T, 4] m0 post L any | fills: y(output y)
      post a,x: add(a, x) f32[B, T, 4] m0 post L any | fills: y(output y)
      post a,a: add(a, a) f32[B, T, 4] m0 post L any | fills: y(output y)
      pre x,x: add(x, x) f32[B, T, 4] m0 pre L zeros | fills: -
      pre x,a: add(x, a) f32[B, T, 4] m0 pre L any | fills: y(output y)
      pre a,x: add(a, x) f32[B, T, 4] m0 pre L any | fills: y(output y)
      pre a,a: add(a, a) f32[B, T, 4] m0 pre L any | fills: y(output y)
      holes x,x: add(x, x) f32[B, T, 4] m0 holes zeros | fills: -
      holes x,a: add(x, a) f32[B, T, 4] m0 holes any | fills: y(output y)
      holes a,x: add(a, x) f32[B, T, 4] m0 holes any | fills: y(output y)
      holes a,a: add(a, a) f32[B, T, 4] m0 holes any | fills: y(output y)
      `,
    ));

  test('a + b is add, over two inputs that share a lengths mask', () =>
    check(
      'y = x + z; output y;',
      `
      post: add(x, z) f32[B, T, 4] m0 post L zeros | fills: -
      pre: add(x, z) f32[B, T, 4] m0 pre L zeros | fills: -
      holes: add(x, z) f32[B, T, 4] m0 holes zeros | fills: -
      `,
    ));

  test('concat keeps zeros when both inputs are zeros', () =>
    check(
      'y = concat($1, $2); output y;',
      `
      post x,x: concat(x, x) f32[B, T, 8] m0 post L zeros | fills: -
      post x,a: concat(x, a) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a,x: concat(a, x) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a,a: concat(a, a) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre x,x: concat(x, x) f32[B, T, 8] m0 pre L zeros | fills: -
      pre x,a: concat(x, a) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a,x: concat(a, x) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a,a: concat(a, a) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes x,x: concat(x, x) f32[B, T, 8] m0 holes zeros | fills: -
      holes x,a: concat(x, a) f32[B, T, 8] m0 holes any | fills: y(output y)
      holes a,x: concat(a, x) f32[B, T, 8] m0 holes any | fills: y(output y)
      holes a,a: concat(a, a) f32[B, T, 8] m0 holes any | fills: y(output y)
      `,
    ));

  test('broadcast add of a [B, C] value: its value sits at padded steps', () =>
    check(
      'y = add($, v); output y;',
      `
      post x: add(x, v) f32[B, T, 4] m0 post L any | fills: y(output y)
      post a: add(a, v) f32[B, T, 4] m0 post L any | fills: y(output y)
      pre x: add(x, v) f32[B, T, 4] m0 pre L any | fills: y(output y)
      pre a: add(a, v) f32[B, T, 4] m0 pre L any | fills: y(output y)
      holes x: add(x, v) f32[B, T, 4] m0 holes any | fills: y(output y)
      holes a: add(a, v) f32[B, T, 4] m0 holes any | fills: y(output y)
      `,
    ));

  test('a strided residual block: same stride 2 and a valid 1x1 stride-2 shortcut have one mask', () =>
    check(
      'y = ($ |> conv1d(filters: 4, kernel: 3, stride: 2)) + ($ |> conv1d(filters: 4, kernel: 1, stride: 2, padding: valid)); output y;',
      `
      post x: add(y_1, y_2) f32[B, ceil(T / 2), 4] m1 post ceil(L / 2) any | fills: y(output y)
      post a: add(y_1, y_2) f32[B, ceil(T / 2), 4] m1 post ceil(L / 2) any | fills: a(conv1d) y(output y)
      pre x: SN0403 SN0403
      pre a: SN0403 SN0403
      holes x: SN0402 SN0402
      holes a: SN0402 SN0402
      `,
    ));

  test('two unmasked [B, C] values: no mask', () =>
    check(
      'y = v + v; output y;',
      `
      post: add(v, v) f32[B, 4] - | fills: -
      pre: add(v, v) f32[B, 4] - | fills: -
      holes: add(v, v) f32[B, 4] - | fills: -
      `,
    ));
});

describe('conv1d', () => {
  test('kernel 3, same: needs zeros on both sides (it reaches right and left)', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 3); output y;',
      `
      post x: conv1d(x!) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a: conv1d(a__fill!) f32[B, T, 8] m0 post L any | fills: a(conv1d) y(output y)
      pre x: conv1d(x!) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a: conv1d(a__fill!) f32[B, T, 8] m0 pre L any | fills: a(conv1d) y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 3, causal: reaches only left, so needs zeros on pre only', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 3, padding: causal); output y;',
      `
      post x: conv1d(x) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a: conv1d(a) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre x: conv1d(x!) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a: conv1d(a__fill!) f32[B, T, 8] m0 pre L any | fills: a(conv1d) y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 3, valid: reads real steps only; the real length shrinks', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 3, padding: valid); output y;',
      `
      post x: conv1d(x) f32[B, max(0, T - 2), 8] m1 post max(0, L - 2) any | fills: y(output y)
      post a: conv1d(a) f32[B, max(0, T - 2), 8] m1 post max(0, L - 2) any | fills: y(output y)
      pre x: conv1d(x) f32[B, max(0, T - 2), 8] m1 pre max(0, L - 2) any | fills: y(output y)
      pre a: conv1d(a) f32[B, max(0, T - 2), 8] m1 pre max(0, L - 2) any | fills: y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 2, same: left pad 0, so it reaches right only (post needs, pre does not)', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 2); output y;',
      `
      post x: conv1d(x!) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a: conv1d(a__fill!) f32[B, T, 8] m0 post L any | fills: a(conv1d) y(output y)
      pre x: conv1d(x) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a: conv1d(a) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 3, dilation 2, same: needs on both sides', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 3, dilation: 2); output y;',
      `
      post x: conv1d(x!) f32[B, T, 8] m0 post L any | fills: y(output y)
      post a: conv1d(a__fill!) f32[B, T, 8] m0 post L any | fills: a(conv1d) y(output y)
      pre x: conv1d(x!) f32[B, T, 8] m0 pre L any | fills: y(output y)
      pre a: conv1d(a__fill!) f32[B, T, 8] m0 pre L any | fills: a(conv1d) y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 1 without bias: keeps zeros and needs nothing (no neighbours)', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 1, bias: false); output y;',
      `
      post x: conv1d(x) f32[B, T, 8] m0 post L zeros | fills: -
      post a: conv1d(a) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre x: conv1d(x) f32[B, T, 8] m0 pre L zeros | fills: -
      pre a: conv1d(a) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 1 with bias: pads any', () =>
    check(
      'y = x |> conv1d(filters: 8, kernel: 1); output y;',
      `
      post: conv1d(x) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre: conv1d(x) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes: SN0402
      `,
    ));

  test('kernel 1 without bias, fused tanh keeps zeros, fused softplus does not', () =>
    check(
      'y_t = x |> conv1d(filters: 8, kernel: 1, bias: false, activation: tanh); y = y_t |> conv1d(filters: 8, kernel: 1, bias: false, activation: softplus); output y_t, y;',
      `
      post: conv1d(y_t) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre: conv1d(y_t) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes: SN0402
      `,
    ));

  test('kernel 3, bias false: still any (a neighbour leaks into a padded output step)', () =>
    check(
      'y = x |> conv1d(filters: 8, kernel: 3, bias: false); output y;',
      `
      post: conv1d(x!) f32[B, T, 8] m0 post L any | fills: y(output y)
      pre: conv1d(x!) f32[B, T, 8] m0 pre L any | fills: y(output y)
      holes: SN0402
      `,
    ));

  test('kernel 3, stride 2: needs on post, rejected on pre, new real length ceil(L / 2)', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 3, stride: 2); output y;',
      `
      post x: conv1d(x!) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: y(output y)
      post a: conv1d(a__fill!) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: a(conv1d) y(output y)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 2, stride 2, same: left pad 0, and an odd length reaches the first padded step', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 2, stride: 2); output y;',
      `
      post x: conv1d(x!) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: y(output y)
      post a: conv1d(a__fill!) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: a(conv1d) y(output y)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 1, stride 2, no bias: keeps zeros, needs nothing', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 1, stride: 2, bias: false); output y;',
      `
      post x: conv1d(x) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) zeros | fills: -
      post a: conv1d(a) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: y(output y)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('kernel 2, dilation 2, stride 2, causal: reaches left only', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 2, dilation: 2, stride: 2, padding: causal); output y;',
      `
      post x: conv1d(x) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: y(output y)
      post a: conv1d(a) f32[B, ceil(T / 2), 8] m1 post ceil(L / 2) any | fills: y(output y)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('two strided convs: ceil(ceil(L / 2) / 2) is ceil(L / 4)', () =>
    check(
      'y = $ |> conv1d(filters: 8, kernel: 3, stride: 2) |> conv1d(filters: 8, kernel: 3, stride: 2); output y;',
      `
      post x: conv1d(y_1__fill!) f32[B, ceil(T / 4), 8] m2 post ceil(L / 4) any | fills: y_1(conv1d) y(output y)
      post a: conv1d(y_1__fill!) f32[B, ceil(T / 4), 8] m2 post ceil(L / 4) any | fills: a(conv1d) y_1(conv1d) y(output y)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));
});

describe('pools', () => {
  test('avgpool1d, size 2 (stride 2, valid): needs nothing, new real length floor(L / 2)', () =>
    check(
      'y = $ |> avgpool1d(size: 2); output y;',
      `
      post x: avgpool1d(x) f32[B, floor(T / 2), 4] m1 post floor(L / 2) any uses_mask | fills: y(output y)
      post a: avgpool1d(a) f32[B, floor(T / 2), 4] m1 post floor(L / 2) any uses_mask | fills: y(output y)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('avgpool1d, size 3, stride 1, same: needs zeros on both sides', () =>
    check(
      'y = $ |> avgpool1d(size: 3, stride: 1, padding: same); output y;',
      `
      post x: avgpool1d(x!) f32[B, T, 4] m0 post L any uses_mask | fills: y(output y)
      post a: avgpool1d(a__fill!) f32[B, T, 4] m0 post L any uses_mask | fills: a(avgpool1d) y(output y)
      pre x: avgpool1d(x!) f32[B, T, 4] m0 pre L any uses_mask | fills: y(output y)
      pre a: avgpool1d(a__fill!) f32[B, T, 4] m0 pre L any uses_mask | fills: a(avgpool1d) y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  // Its padded output steps read padded steps only (left pad 0), and an all-zero window averages to 0:
  // over zeros it keeps zeros, so the output needs no fill (more exact than MASKING.md's table, which says any).
  test('avgpool1d, size 2, same (stride 2): reaches right on an odd length, keeps zeros at padded outputs', () =>
    check(
      'y = $ |> avgpool1d(size: 2, padding: same); output y;',
      `
      post x: avgpool1d(x!) f32[B, ceil(T / 2), 4] m1 post ceil(L / 2) zeros uses_mask | fills: -
      post a: avgpool1d(a__fill!) f32[B, ceil(T / 2), 4] m1 post ceil(L / 2) zeros uses_mask | fills: a(avgpool1d)
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('maxpool1d, size 3, stride 1, same: needs nothing, pads zeros', () =>
    check(
      'y = $ |> maxpool1d(size: 3, stride: 1, padding: same); output y;',
      `
      post x: maxpool1d(x) f32[B, T, 4] m0 post L zeros uses_mask | fills: -
      post a: maxpool1d(a) f32[B, T, 4] m0 post L zeros uses_mask | fills: -
      pre x: maxpool1d(x) f32[B, T, 4] m0 pre L zeros uses_mask | fills: -
      pre a: maxpool1d(a) f32[B, T, 4] m0 pre L zeros uses_mask | fills: -
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('maxpool1d, size 2 (stride 2, valid)', () =>
    check(
      'y = $ |> maxpool1d(size: 2); output y;',
      `
      post x: maxpool1d(x) f32[B, floor(T / 2), 4] m1 post floor(L / 2) zeros uses_mask | fills: -
      post a: maxpool1d(a) f32[B, floor(T / 2), 4] m1 post floor(L / 2) zeros uses_mask | fills: -
      pre x: SN0403
      pre a: SN0403
      holes x: SN0402
      holes a: SN0402
      `,
    ));

  test('maxpool1d, size 3, stride 1, valid on pre: the real length shrinks at the front', () =>
    check(
      'y = $ |> maxpool1d(size: 3, stride: 1); output y;',
      `
      post x: maxpool1d(x) f32[B, max(0, T - 2), 4] m1 post max(0, L - 2) zeros uses_mask | fills: -
      post a: maxpool1d(a) f32[B, max(0, T - 2), 4] m1 post max(0, L - 2) zeros uses_mask | fills: -
      pre x: maxpool1d(x) f32[B, max(0, T - 2), 4] m1 pre max(0, L - 2) zeros uses_mask | fills: -
      pre a: maxpool1d(a) f32[B, max(0, T - 2), 4] m1 pre max(0, L - 2) zeros uses_mask | fills: -
      holes x: SN0402
      holes a: SN0402
      `,
    ));
});

describe('recurrent layers', () => {
  for (const [call, units] of [
    ['gru(units: 16)', 16],
    ['gru(units: 16, direction: backward)', 16],
    ['gru(units: 16, direction: both)', 32],
    ['gru(units: 16, reset_after: false, recurrent_activation: hard_sigmoid)', 16],
    ['lstm(units: 16)', 16],
    ['lstm(units: 16, direction: backward)', 16],
    ['lstm(units: 16, direction: both)', 32],
  ] as const) {
    const layer = call.slice(0, call.indexOf('('));
    test(`${call}, sequences: writes zeros at padded steps, needs nothing`, () =>
      check(
        `y = $ |> ${call}; output y;`,
        `
        post x: ${layer}(x) f32[B, T, ${units}] m0 post L zeros uses_mask | fills: -
        post a: ${layer}(a) f32[B, T, ${units}] m0 post L zeros uses_mask | fills: -
        pre x: ${layer}(x) f32[B, T, ${units}] m0 pre L zeros uses_mask | fills: -
        pre a: ${layer}(a) f32[B, T, ${units}] m0 pre L zeros uses_mask | fills: -
        holes x: ${layer}(x) f32[B, T, ${units}] m0 holes zeros uses_mask | fills: -
        holes a: ${layer}(a) f32[B, T, ${units}] m0 holes zeros uses_mask | fills: -
        `,
      ));
  }

  for (const [call, units] of [
    ['gru(units: 16, sequences: false)', 16],
    ['gru(units: 16, sequences: false, direction: both)', 32],
    ['lstm(units: 5, sequences: false, direction: backward)', 5],
    ['lstm(units: 5, sequences: false, direction: both)', 10],
  ] as const) {
    const layer = call.slice(0, call.indexOf('('));
    test(`${call}: final state, no mask`, () =>
      check(
        `y = $ |> ${call}; output y;`,
        `
        post x: ${layer}(x) f32[B, ${units}] - uses_mask | fills: -
        post a: ${layer}(a) f32[B, ${units}] - uses_mask | fills: -
        pre x: ${layer}(x) f32[B, ${units}] - uses_mask | fills: -
        pre a: ${layer}(a) f32[B, ${units}] - uses_mask | fills: -
        holes x: ${layer}(x) f32[B, ${units}] - uses_mask | fills: -
        holes a: ${layer}(a) f32[B, ${units}] - uses_mask | fills: -
        `,
      ));
  }
});

describe('reductions', () => {
  test('global_avgpool needs zeros (it sums what it reads)', () =>
    check(
      'y = $ |> global_avgpool(); output y;',
      `
      post x: global_avgpool(x!) f32[B, 4] - uses_mask | fills: -
      post a: global_avgpool(a__fill!) f32[B, 4] - uses_mask | fills: a(global_avgpool)
      pre x: global_avgpool(x!) f32[B, 4] - uses_mask | fills: -
      pre a: global_avgpool(a__fill!) f32[B, 4] - uses_mask | fills: a(global_avgpool)
      holes x: global_avgpool(x!) f32[B, 4] - uses_mask | fills: -
      holes a: global_avgpool(a__fill!) f32[B, 4] - uses_mask | fills: a(global_avgpool)
      `,
    ));

  for (const layer of ['global_maxpool', 'last']) {
    test(`${layer} needs nothing`, () =>
      check(
        `y = $ |> ${layer}(); output y;`,
        `
        post x: ${layer}(x) f32[B, 4] - uses_mask | fills: -
        post a: ${layer}(a) f32[B, 4] - uses_mask | fills: -
        pre x: ${layer}(x) f32[B, 4] - uses_mask | fills: -
        pre a: ${layer}(a) f32[B, 4] - uses_mask | fills: -
        holes x: ${layer}(x) f32[B, 4] - uses_mask | fills: -
        holes a: ${layer}(a) f32[B, 4] - uses_mask | fills: -
        `,
      ));
  }

  test('one fill is shared by every consumer that needs it', () =>
    check(
      'y_1 = a |> global_avgpool(); y_2 = a |> conv1d(filters: 4, kernel: 3); y = a |> maxpool1d(size: 2); output y_1, y_2, y;',
      `
      post: maxpool1d(a) f32[B, floor(T / 2), 4] m1 post floor(L / 2) zeros uses_mask | fills: a(global_avgpool, conv1d) y_2(output y_2)
      pre: SN0403
      holes: SN0402 SN0402
      `,
    ));
});

describe('losses', () => {
  for (const [call, target] of [
    ['mse', 't'],
    ['mae', 't'],
    ['binary_crossentropy', 't'],
    ['crossentropy', 'c'],
    ['crossentropy', 't'],
  ] as const) {
    test(`${call} with target \`${target}\`: reads any padding, masked by the prediction`, () =>
      check(
        `loss ${call}($, ${target}); output x;`,
        `
        post x: loss ${call}(x, ${target}) m0 post L | fills: -
        post a: loss ${call}(a, ${target}) m0 post L | fills: -
        pre x: loss ${call}(x, ${target}) m0 pre L | fills: -
        pre a: loss ${call}(a, ${target}) m0 pre L | fills: -
        holes x: loss ${call}(x, ${target}) m0 holes | fills: -
        holes a: loss ${call}(a, ${target}) m0 holes | fills: -
        `,
      ));
  }

  test('a sequence-level loss after a reduction has no mask', () =>
    check(
      'y = $ |> global_maxpool(); loss crossentropy(y, k, weight: 0.5); loss mse(y, v); output y;',
      `
      post x: global_maxpool(x) f32[B, 4] - uses_mask | loss crossentropy(y, k) - | loss mse(y, v) - | fills: -
      post a: global_maxpool(a) f32[B, 4] - uses_mask | loss crossentropy(y, k) - | loss mse(y, v) - | fills: -
      pre x: global_maxpool(x) f32[B, 4] - uses_mask | loss crossentropy(y, k) - | loss mse(y, v) - | fills: -
      pre a: global_maxpool(a) f32[B, 4] - uses_mask | loss crossentropy(y, k) - | loss mse(y, v) - | fills: -
      holes x: global_maxpool(x) f32[B, 4] - uses_mask | loss crossentropy(y, k) - | loss mse(y, v) - | fills: -
      holes a: global_maxpool(a) f32[B, 4] - uses_mask | loss crossentropy(y, k) - | loss mse(y, v) - | fills: -
      `,
    ));

  test('a loss after a strided window is masked by the derived mask', () =>
    check(
      'y = x |> maxpool1d(size: 2, stride: 1); loss mse(y, z |> maxpool1d(size: 2, stride: 1)); output y;',
      `
      post: maxpool1d(x) f32[B, max(0, T - 1), 4] m1 post max(0, L - 1) zeros uses_mask | loss mse(y, loss_1) m1 post max(0, L - 1) | fills: -
      pre: maxpool1d(x) f32[B, max(0, T - 1), 4] m1 pre max(0, L - 1) zeros uses_mask | loss mse(y, loss_1) m1 pre max(0, L - 1) | fills: -
      holes: SN0402 SN0402
      `,
    ));
});

describe('user-declared layers follow their own rules (LANGUAGE.md section 5)', () => {
  const decls = `
layer swish(x: f32[B, ..., C]) -> f32[B, ..., C] {
  time: pointwise;
  pads: keeps_zeros;
  impl: "./swish.js#Swish";
}
layer energy(x: f32[B, ..., C]) -> f32[B, ..., C] {
  time: pointwise;
  needs: zeros;
  pads: keeps_zeros;
  impl: "./energy.js#Energy";
}
layer smooth(x: f32[B, T, C], k: int, mode: same | valid | causal = same) -> f32[B, T', C] {
  time: window(size: k, mode: mode);
  needs: zeros;
  pads: any;
  impl: "./smooth.js#Smooth";
}
layer scan(x: f32[B, T, C], reverse: bool = false) -> f32[B, T, C] {
  time: recurrent(direction: reverse ? backward : forward);
  pads: zeros;
  uses_mask: true;
  impl: "./scan.js#Scan";
}
layer scale(x: f32[B, ..., C], shift: bool = false) -> f32[B, ..., C] {
  time: pointwise;
  pads: shift ? any : keeps_zeros;
  impl: "./scale.js#Scale";
}
layer gate(a: f32[B, ..., C], b: f32[B, ..., C]) -> f32[B, ..., C] {
  time: pointwise;
  pads: keeps_zeros;
  impl: "./gate.js#Gate";
}
`;

  test('a pointwise layer that keeps zeros', () =>
    check(
      'y = $ |> swish(); output y;',
      `
      post x: swish(x) f32[B, T, 4] m0 post L zeros | fills: -
      post a: swish(a) f32[B, T, 4] m0 post L any | fills: y(output y)
      pre x: swish(x) f32[B, T, 4] m0 pre L zeros | fills: -
      pre a: swish(a) f32[B, T, 4] m0 pre L any | fills: y(output y)
      holes x: swish(x) f32[B, T, 4] m0 holes zeros | fills: -
      holes a: swish(a) f32[B, T, 4] m0 holes any | fills: y(output y)
      `,
      decls,
    ));

  test('a pointwise layer that needs zeros gets them on every layout', () =>
    check(
      'y = $ |> energy(); output y;',
      `
      post x: energy(x!) f32[B, T, 4] m0 post L zeros | fills: -
      post a: energy(a__fill!) f32[B, T, 4] m0 post L zeros | fills: a(energy)
      pre x: energy(x!) f32[B, T, 4] m0 pre L zeros | fills: -
      pre a: energy(a__fill!) f32[B, T, 4] m0 pre L zeros | fills: a(energy)
      holes x: energy(x!) f32[B, T, 4] m0 holes zeros | fills: -
      holes a: energy(a__fill!) f32[B, T, 4] m0 holes zeros | fills: a(energy)
      `,
      decls,
    ));

  test('a window layer: needs zeros where its window reaches padding, its own T\'', () =>
    check(
      'y_1 = $ |> smooth(k: 3); y = y_1 |> smooth(k: 2, mode: valid); output y;',
      `
      post x: smooth(y_1) f32[B, max(0, T - 1), 4] m1 post max(0, L - 1) any | fills: y(output y)
      post a: smooth(y_1) f32[B, max(0, T - 1), 4] m1 post max(0, L - 1) any | fills: a(smooth) y(output y)
      pre x: smooth(y_1) f32[B, max(0, T - 1), 4] m1 pre max(0, L - 1) any | fills: y(output y)
      pre a: smooth(y_1) f32[B, max(0, T - 1), 4] m1 pre max(0, L - 1) any | fills: a(smooth) y(output y)
      holes x: SN0402
      holes a: SN0402
      `,
      decls,
    ));

  test('a recurrent layer with the mask, direction from a parameter', () =>
    check(
      'y = $ |> scan(reverse: true); output y;',
      `
      post x: scan(x) f32[B, T, 4] m0 post L zeros uses_mask | fills: -
      post a: scan(a) f32[B, T, 4] m0 post L zeros uses_mask | fills: -
      pre x: scan(x) f32[B, T, 4] m0 pre L zeros uses_mask | fills: -
      pre a: scan(a) f32[B, T, 4] m0 pre L zeros uses_mask | fills: -
      holes x: scan(x) f32[B, T, 4] m0 holes zeros uses_mask | fills: -
      holes a: scan(a) f32[B, T, 4] m0 holes zeros uses_mask | fills: -
      `,
      decls,
    ));

  test('pads chosen by a parameter', () =>
    check(
      'y_1 = x |> scale(); y = y_1 |> scale(shift: true); output y_1, y;',
      `
      post: scale(y_1) f32[B, T, 4] m0 post L any | fills: y(output y)
      pre: scale(y_1) f32[B, T, 4] m0 pre L any | fills: y(output y)
      holes: scale(y_1) f32[B, T, 4] m0 holes any | fills: y(output y)
      `,
      decls,
    ));

  test('two tensors that keep zeros only when both are zeros', () =>
    check(
      'y = gate($1, $2); output y;',
      `
      post x,x: gate(x, x) f32[B, T, 4] m0 post L zeros | fills: -
      post x,a: gate(x, a) f32[B, T, 4] m0 post L any | fills: y(output y)
      post a,x: gate(a, x) f32[B, T, 4] m0 post L any | fills: y(output y)
      post a,a: gate(a, a) f32[B, T, 4] m0 post L any | fills: y(output y)
      pre x,x: gate(x, x) f32[B, T, 4] m0 pre L zeros | fills: -
      pre x,a: gate(x, a) f32[B, T, 4] m0 pre L any | fills: y(output y)
      pre a,x: gate(a, x) f32[B, T, 4] m0 pre L any | fills: y(output y)
      pre a,a: gate(a, a) f32[B, T, 4] m0 pre L any | fills: y(output y)
      holes x,x: gate(x, x) f32[B, T, 4] m0 holes zeros | fills: -
      holes x,a: gate(x, a) f32[B, T, 4] m0 holes any | fills: y(output y)
      holes a,x: gate(a, x) f32[B, T, 4] m0 holes any | fills: y(output y)
      holes a,a: gate(a, a) f32[B, T, 4] m0 holes any | fills: y(output y)
      `,
      decls,
    ));
});
