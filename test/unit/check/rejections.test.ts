/**
 * MASKING.md section 5: everything the checker rejects, each with its code,
 * message, primary span (the source text it underlines), notes and help.
 *
 * `check(source, expected)` compiles `source` and prints every diagnostic,
 * sorted by position, as `CODE line:col \`span text\`: message`, then its
 * notes (with positions) and help.
 */
import { describe, expect, test } from 'vitest';
import { sortDiagnostics } from '../../../src/diagnostics/diagnostic.js';
import { compile, dumpDiagnostic, trimIndent } from './support.js';

function check(source: string, expected: string): void {
  const checked = compile(trimIndent(source) + '\n');
  expect(sortDiagnostics(checked.diagnostics).map(dumpDiagnostic).join('\n')).toBe(trimIndent(expected));
}

describe('SN0402: a window over a mask that may have holes', () => {
  test('conv1d over `masked by zeros` without a layout (the LANGUAGE.md example)', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros;
        c = x |> conv1d(filters: 8, kernel: 3);
        output c;
      }
      `,
      `
      SN0402 3:12 \`conv1d\`: conv1d reads neighbouring steps, but the mask of \`x\` may have holes
        note: \`x\` is declared \`masked by zeros\` without a layout (2:25)
        help: if padding is only at the end, declare \`masked by zeros, padded post\`
      `,
    ));

  test('maxpool1d two layers below a value mask: the note names the input, the help its source', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by value(-1);
        h = x |> dense(units: 4);
        c = h |> maxpool1d(size: 2);
        output c;
      }
      `,
      `
      SN0402 4:12 \`maxpool1d\`: maxpool1d reads neighbouring steps, but the mask of \`h\` may have holes
        note: \`x\` is declared \`masked by value(-1)\` without a layout (2:25)
        help: if padding is only at the end, declare \`masked by value(-1), padded post\`
      `,
    ));

  test('a value without a name in the source is named by its place (no internal names)', () =>
    check(
      `
      layer my_pool(x: f32[B, T, C]) -> f32[B, C] {
        time: reduce;
        impl: "./my_pool.js#MyPool";
      }
      model M {
        input x: f32[B, T, 4] masked by zeros;
        c = x |> dense(units: 4) |> conv1d(filters: 8, kernel: 3);
        d = my_pool(x |> relu());
        output c, d;
      }
      `,
      `
      SN0402 7:31 \`conv1d\`: conv1d reads neighbouring steps, but the mask of the piped value may have holes
        note: \`x\` is declared \`masked by zeros\` without a layout (6:25)
        help: if padding is only at the end, declare \`masked by zeros, padded post\`
      SN0405 8:7 \`my_pool\`: \`my_pool\` does not receive the mask, so it cannot take the first argument, which is masked
        note: \`x\` is declared \`masked by zeros\` without a layout (6:25)
        help: declare \`uses_mask: true\` in \`my_pool\` (its implementation is then called with [x, mask])
      `,
    ));

  test('avgpool1d over an explicit mask input', () =>
    check(
      `
      model M {
        input m: bool[B, T];
        input x: f32[B, T, 4] masked by m;
        c = avgpool1d(x, size: 3, stride: 1, padding: same);
        output c;
      }
      `,
      `
      SN0402 4:7 \`avgpool1d\`: avgpool1d reads neighbouring steps, but the mask of \`x\` may have holes
        note: \`x\` is declared \`masked by m\` without a layout (3:25)
        help: if padding is only at the end, declare \`masked by m, padded post\`
      `,
    ));
});

describe('SN0403: a strided window over pre-padding', () => {
  test('conv1d with stride 2', () =>
    check(
      `
      model M {
        input n: i32[B];
        input x: f32[B, T, 4] masked by lengths(n), padded pre;
        c = x |> conv1d(filters: 8, kernel: 3, stride: 2);
        output c;
      }
      `,
      `
      SN0403 4:12 \`conv1d\`: conv1d with stride 2 over pre-padding: the phase of the first real step would depend on the pad length
        note: \`x\` is declared \`masked by lengths(n), padded pre\` (3:25)
        help: use stride 1 here, or pad at the end (\`padded post\`)
      `,
    ));

  test('maxpool1d, whose stride defaults to its size', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded pre;
        c = x |> maxpool1d(size: 3);
        output c;
      }
      `,
      `
      SN0403 3:12 \`maxpool1d\`: maxpool1d with stride 3 over pre-padding: the phase of the first real step would depend on the pad length
        note: \`x\` is declared \`masked by zeros, padded pre\` (2:25)
        help: use stride 1 here, or pad at the end (\`padded post\`)
      `,
    ));
});

describe('SN0404: a layer that cannot take a masked time axis', () => {
  test('a user-declared flatten (time: none) on a masked value; on an unmasked one it is fine', () =>
    check(
      `
      layer flatten(x: f32[B, 8, C]) -> f32[B, 8 * C] {
        time: none;
        impl: "./flatten.js#Flatten";
      }
      model M {
        input x: f32[B, 8, 4] masked by zeros, padded post;
        input u: f32[B, 8, 4];
        f = x |> flatten();
        g = u |> flatten();
        output f, g;
      }
      `,
      `
      SN0404 8:12 \`flatten\`: \`flatten\` cannot take a masked time axis, and \`x\` is masked
        note: \`x\` is declared \`masked by zeros, padded post\` (6:25)
        help: reduce the time axis first (global_avgpool, global_maxpool, last, or an RNN with \`sequences: false\`)
      `,
    ));
});

describe('SN0405: a recurrent or reducing layer that does not see the mask', () => {
  test('user-declared recurrent and reducing layers without uses_mask, on masked values only', () =>
    check(
      `
      layer my_rnn(x: f32[B, T, C], units: int) -> f32[B, T, units] {
        time: recurrent(direction: forward);
        pads: zeros;
        impl: "./my_rnn.js#MyRnn";
      }
      layer my_pool(x: f32[B, T, C]) -> f32[B, C] {
        time: reduce;
        impl: "./my_pool.js#MyPool";
      }
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        input u: f32[B, T, 4];
        h = my_rnn(x, units: 8);
        p = x |> my_pool();
        g = my_rnn(u, units: 8);
        q = u |> my_pool();
        output h, p, g, q;
      }
      `,
      `
      SN0405 13:7 \`my_rnn\`: \`my_rnn\` does not receive the mask, so it cannot take the masked value \`x\`
        note: \`x\` is declared \`masked by zeros, padded post\` (11:25)
        help: declare \`uses_mask: true\` in \`my_rnn\` (its implementation is then called with [x, mask])
      SN0405 14:12 \`my_pool\`: \`my_pool\` does not receive the mask, so it cannot take the masked value \`x\`
        note: \`x\` is declared \`masked by zeros, padded post\` (11:25)
        help: declare \`uses_mask: true\` in \`my_pool\` (its implementation is then called with [x, mask])
      `,
    ));

  test('with uses_mask: true they are accepted', () =>
    check(
      `
      layer my_rnn(x: f32[B, T, C], units: int) -> f32[B, T, units] {
        time: recurrent(direction: backward);
        pads: zeros;
        uses_mask: true;
        impl: "./my_rnn.js#MyRnn";
      }
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        h = my_rnn(x, units: 8);
        output h;
      }
      `,
      ``,
    ));
});

describe('SN0401: values with different masks meet', () => {
  test('two different lengths inputs', () =>
    check(
      `
      model M {
        input n: i32[B];
        input n2: i32[B];
        input x: f32[B, T, 4] masked by lengths(n);
        input z: f32[B, T, 4] masked by lengths(n2);
        s = x + z;
        output s;
      }
      `,
      `
      SN0401 6:11 \`z\`: \`add\` joins \`x\` (post mask of lengths(n), real length L) with \`z\` (post mask of lengths(n2), real length L)
        note: \`x\` is declared \`masked by lengths(n)\` (padded post by default) (4:25)
        note: \`z\` is declared \`masked by lengths(n2)\` (padded post by default) (5:25)
        help: both sides must be masked by the same source and have the same real length
      `,
    ));

  test('the same lengths, post and pre', () =>
    check(
      `
      model M {
        input n: i32[B];
        input x: f32[B, T, 4] masked by lengths(n);
        input z: f32[B, T, 4] masked by lengths(n), padded pre;
        s = concat(x, z);
        output s;
      }
      `,
      `
      SN0401 5:17 \`z\`: \`concat\` joins \`x\` (post mask of lengths(n), real length L) with \`z\` (pre mask of lengths(n), real length L)
        note: \`x\` is declared \`masked by lengths(n)\` (padded post by default) (3:25)
        note: \`z\` is declared \`masked by lengths(n), padded pre\` (4:25)
        help: both sides must be masked by the same source and have the same real length
      `,
    ));

  test('two inputs masked by zeros each have their own mask', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros;
        input z: f32[B, T, 4] masked by zeros;
        s = x + z;
        output s;
      }
      `,
      `
      SN0401 4:11 \`z\`: \`add\` joins \`x\` (mask of zeros on \`x\`, any pattern) with \`z\` (mask of zeros on \`z\`, any pattern)
        note: \`x\` is declared \`masked by zeros\` without a layout (2:25)
        note: \`z\` is declared \`masked by zeros\` without a layout (3:25)
        help: both sides must be masked by the same source and have the same real length
      `,
    ));

  test('equal time dims, different real lengths after strided windows (ceil vs floor)', () =>
    check(
      `
      model M {
        input n: i32[B];
        input x: f32[B, 8, 4] masked by lengths(n);
        a = x |> conv1d(filters: 4, kernel: 3, stride: 2);
        b = x |> maxpool1d(size: 2);
        s = a + b;
        output s;
      }
      `,
      `
      SN0401 6:11 \`b\`: \`add\` joins \`a\` (post mask of lengths(n), real length ceil(L / 2)) with \`b\` (post mask of lengths(n), real length floor(L / 2))
        note: \`x\` is declared \`masked by lengths(n)\` (padded post by default) (3:25)
        help: both sides must be masked by the same source and have the same real length
      `,
    ));

  test('a masked value meets an unmasked one with a time axis, on either side', () =>
    check(
      `
      model M {
        input n: i32[B];
        input x: f32[B, T, 4] masked by lengths(n);
        input u: f32[B, T, 4];
        s = x + u;
        t = u + x;
        output s, t;
      }
      `,
      `
      SN0401 5:11 \`u\`: \`add\` joins \`x\` (post mask of lengths(n), real length L) with \`u\` (no mask)
        note: \`x\` is declared \`masked by lengths(n)\` (padded post by default) (3:25)
        help: only a value without a time axis may meet a masked one
      SN0401 6:7 \`u\`: \`add\` joins \`x\` (post mask of lengths(n), real length L) with \`u\` (no mask)
        note: \`x\` is declared \`masked by lengths(n)\` (padded post by default) (3:25)
        help: only a value without a time axis may meet a masked one
      `,
    ));

  test('an unmasked [B, T] value has a time axis; a [B, C] one broadcasts', () =>
    check(
      `
      layer pick(x: f32[B, T, C], ids: i32[B, T]) -> f32[B, T, C] {
        time: pointwise;
        impl: "./pick.js#Pick";
      }
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        input ids: i32[B, T];
        input v: f32[B, 4];
        y = pick(x, ids);
        z = x + v;
        output y, z;
      }
      `,
      `
      SN0401 9:15 \`ids\`: \`pick\` joins \`x\` (post mask of zeros on \`x\`, real length L) with \`ids\` (no mask)
        note: \`x\` is declared \`masked by zeros, padded post\` (6:25)
        help: only a value without a time axis may meet a masked one
      `,
    ));

  test('a loss whose target is masked differently from its prediction', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        input z: f32[B, T, 4] masked by zeros, padded post;
        output x;
        loss mse(x, z);
      }
      `,
      `
      SN0401 5:15 \`z\`: \`mse\` joins \`x\` (post mask of zeros on \`x\`, real length L) with \`z\` (post mask of zeros on \`z\`, real length L)
        note: \`x\` is declared \`masked by zeros, padded post\` (2:25)
        note: \`z\` is declared \`masked by zeros, padded post\` (3:25)
        help: both sides must be masked by the same source and have the same real length
      `,
    ));
});

describe('SN0304 and SN0305: time dims', () => {
  test('two unmasked values with different time dims', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4];
        input w: f32[B, U, 4];
        s = x + w;
        output s;
      }
      `,
      `
      SN0304 4:11 \`w\`: \`add\` expects \`b\` as f32[B, ..., C] or f32[B, C], but \`w\` is f32[B, U, 4]: time dims differ: T and U
        note: \`b\` is declared here (specs/pointwise.seqnet:94:30)
      `,
    ));

  test('a residual add across a strided window', () =>
    check(
      `
      model M {
        input n: i32[B];
        input x: f32[B, T, 4] masked by lengths(n);
        a = x |> conv1d(filters: 4, kernel: 3, stride: 2);
        s = a + x;
        output s;
      }
      `,
      `
      SN0304 5:11 \`x\`: \`add\` expects \`b\` as f32[B, ..., C] or f32[B, C], but \`x\` is f32[B, T, 4]: time dims differ: ceil(T / 2) and T
        note: \`b\` is declared here (specs/pointwise.seqnet:94:30)
      `,
    ));

  test('a loss target with the input time dim after a strided window', () =>
    check(
      `
      model M {
        input n: i32[B];
        input x: f32[B, T, 4] masked by lengths(n);
        target y: i32[B, T];
        a = x |> conv1d(filters: 4, kernel: 3, stride: 2);
        output a;
        loss crossentropy(a, y);
      }
      `,
      `
      SN0305 7:24 \`y\`: \`crossentropy\` cannot compare \`y\` (i32[B, T]) with its prediction: time dims differ: ceil(T / 2) and T
        note: \`labels\` is declared i32[B, ...] or f32[B, ..., C] (specs/losses.seqnet:5:44)
      `,
    ));

  test('a sequence-level target for a step-level prediction', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        target k: i32[B];
        output x;
        loss crossentropy(x, k);
      }
      `,
      `
      SN0305 5:24 \`k\`: \`crossentropy\` cannot compare \`k\` (i32[B]) with its prediction: the other argument has a time axis [T], this one []
        note: \`labels\` is declared i32[B, ...] or f32[B, ..., C] (specs/losses.seqnet:5:44)
      `,
    ));

  test('a loss target with other features', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        target t: f32[B, T, 5];
        output x;
        loss mse(x, t);
      }
      `,
      `
      SN0305 5:15 \`t\`: \`mse\` cannot compare \`t\` (f32[B, T, 5]) with its prediction: C is 4 from an earlier argument, but 5 here
        note: \`truth\` is declared f32[B, ..., C] (specs/losses.seqnet:17:33)
      `,
    ));
});

describe('SN03xx: shapes and dtypes', () => {
  test('rank, dtype and dim errors; a nested call is named by position', () =>
    check(
      `
      model M {
        input x: f32[B, 4];
        input ids: i32[B, T] masked by value(0), padded post;
        input w: f32[B, T, 4] masked by zeros, padded post;
        a = x |> conv1d(filters: 4, kernel: 3);
        b = ids |> dense(units: 4);
        d = add(w, w |> dense(units: 5));
        output a, b, d;
      }
      `,
      `
      SN0301 5:7 \`x\`: \`conv1d\` expects \`x\` as f32[B, T, C], but \`x\` is f32[B, 4]: expected rank 3, found rank 2
        note: \`x\` is declared here (specs/window.seqnet:6:14)
      SN0302 6:7 \`ids\`: \`dense\` expects \`x\` as f32[B, ..., C], but \`ids\` is i32[B, T]: expected dtype f32, found i32
        note: \`x\` is declared here (specs/pointwise.seqnet:6:13)
        help: an i32 value reaches a float layer only through \`embedding\` or \`cast\`
      SN0303 7:14 \`w |> dense(units: 5)\`: \`add\` expects \`b\` as f32[B, ..., C] or f32[B, C], but the second argument is f32[B, T, 5]: C is 4 from an earlier argument, but 5 here
        note: \`b\` is declared here (specs/pointwise.seqnet:94:30)
      `,
    ));

  test('the broadcast operand of add is its second', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        input v: f32[B, 4];
        s = v + x;
        output s;
      }
      `,
      `
      SN0301 4:11 \`x\`: \`add\` expects \`b\` as f32[B, ..., C] or f32[B, C], but \`x\` is f32[B, T, 4]: the other argument has no time axis [], this one [T]
        note: \`b\` is declared here (specs/pointwise.seqnet:94:30)
      `,
    ));

  test('mask sources of the wrong type', () =>
    check(
      `
      model M {
        input x: f32[B] masked by zeros;
        input n: i32[B];
        input y: f32[B, T, 4] masked by lengths(n);
        input z: f32[B, T, 4] masked by lengths(y);
        input m: bool[B, T] masked by zeros;
        input w: f32[B, T, 4] masked by m;
        input q: f32[B, T, 4] masked by mm;
        input mm: bool[B, U];
        output x, y, z, w, q;
      }
      `,
      `
      SN0308 2:12 \`f32[B]\`: a masked input needs a time axis, but \`x\` is f32[B]
        help: declare it as [B, T, ...]: axis 0 is the batch, axis 1 is time
      SN0306 5:43 \`y\`: lengths input \`y\` must be i32[B], found f32[B, T, 4]
        note: \`y\` is declared here (4:12)
      SN0307 6:23 \`masked by zeros\`: mask input \`m\` cannot itself be masked
      SN0307 8:35 \`mm\`: mask input \`mm\` must be bool[B, T], found bool[B, U]
        note: \`mm\` is declared here (9:13)
      `,
    ));
});

describe('SN02xx: names and parameters', () => {
  test('layer and parameter errors, each reported once', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        a = x |> conv1d(filters: 4, kernel: 3) |> convld(filters: 2, kernel: 3);
        b = x |> dense(unit: 4);
        c = x |> dense();
        d = x |> dense(units: 4, units: 5);
        e = x |> conv1d(filters: 4, kernel: 2.5);
        f = x |> dense(units: 4, bias: 1);
        g = x |> conv1d(filters: 4, kernel: 3, padding: full);
        h = add(x);
        i = x |> relu(j);
        output a, b, c, d, e, f, g, h, i;
      }
      `,
      `
      SN0201 3:45 \`convld\`: unknown layer \`convld\`
        help: did you mean \`conv1d\`?
      SN0202 4:18 \`unit\`: \`dense\` has no parameter \`unit\`
        help: did you mean \`units\`?
      SN0203 5:12 \`dense\`: \`dense\` needs the parameter \`units\` (int)
        help: add \`units: ...\` to the call
      SN0204 6:28 \`units: 5\`: parameter \`units\` is given twice
        note: first given here (6:18)
      SN0205 7:39 \`2.5\`: \`kernel\` of \`conv1d\` is a whole number (int), found \`2.5\`
      SN0205 8:34 \`1\`: \`bias\` of \`dense\` is \`true\` or \`false\`, found \`1\`
      SN0206 9:51 \`full\`: \`padding\` of \`conv1d\` is one of same, valid, causal; found \`full\`
      SN0207 10:7 \`add(x)\`: \`add\` takes 2 tensor arguments (a, b), found 1
      SN0207 11:7 \`x |> relu(j)\`: \`relu\` takes 1 tensor argument (x), found 2
        help: the piped value counts as the first argument
      SN0208 11:17 \`j\`: unknown name \`j\`
        help: did you mean \`a\`?
      `,
    ));

  test('parameter values out of range (requires)', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        a = x |> dense(units: 0);
        b = x |> dropout(rate: 1);
        c = x |> conv1d(filters: 4, kernel: 3, stride: 0);
        d = x |> batchnorm(momentum: 2);
        e = x |> maxpool1d(size: 0);
        output a, b, c, d, e;
      }
      `,
      `
      SN0213 3:18 \`units: 0\`: \`dense\` requires \`units >= 1\`, but units: 0
      SN0213 4:20 \`rate: 1\`: \`dropout\` requires \`rate < 1\`, but rate: 1
      SN0213 5:42 \`stride: 0\`: \`conv1d\` requires \`stride >= 1\`, but stride: 0
      SN0213 6:22 \`momentum: 2\`: \`batchnorm\` requires \`momentum <= 1\`, but momentum: 2
      SN0213 7:22 \`size: 0\`: \`maxpool1d\` requires \`size >= 1\`, but size: 0
      `,
    ));

  test('a user window layer given a size or stride below 1 (its declaration has no requires)', () =>
    check(
      `
      layer blur(x: f32[B, T, C], k: int, s: int = 1) -> f32[B, T', C] {
        time: window(size: k, stride: s, mode: same);
        needs: zeros;
        impl: "./blur.js#Blur";
      }
      layer broken(x: f32[B, T, C]) -> f32[B, T', C] {
        time: window(size: 3, dilation: 0);
        impl: "./broken.js#Broken";
      }
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        a = x |> blur(k: 3, s: 0);
        b = x |> blur(k: 0);
        c = x |> broken();
        output a, b, c;
      }
      `,
      `
      SN0213 12:23 \`s: 0\`: \`blur\` cannot take \`s: 0\`: window stride must be at least 1, found 0
        note: \`s\` is used here in the declaration of \`blur\` (2:33)
      SN0213 13:17 \`k: 0\`: \`blur\` cannot take \`k: 0\`: window size must be at least 1, found 0
        note: \`k\` is used here in the declaration of \`blur\` (2:22)
      SN0215 14:12 \`broken\`: the declaration of \`broken\` cannot be applied here: window dilation must be at least 1, found 0
        note: the rule is in the declaration of \`broken\` (7:35)
      `,
    ));

  test('names bound twice, used before they are defined, unknown lengths', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by lengths(len);
        a = x |> relu();
        a = x |> tanh();
        b = c |> relu();
        c = x |> relu();
        output a, b, c;
      }
      `,
      `
      SN0210 2:43 \`len\`: unknown lengths input \`len\`
        help: declare it: \`input len: i32[B];\`
      SN0209 4:3 \`a\`: \`a\` is already defined
        note: first defined here (3:3)
        help: names are bound once; choose a new name
      SN0208 5:7 \`c\`: \`c\` is used before it is defined
        note: \`c\` is defined later (6:3)
        help: a binding is visible after its statement; move this use below it
      `,
    ));

  test('no cascades: a binding used too early is not also unused; a suggested lengths input is not unused', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by lengths(len);
        input lens: i32[B];
        y = dense(h, units: 4);
        h = relu(x);
        output y;
      }
      `,
      `
      SN0210 2:43 \`len\`: unknown lengths input \`len\`
        help: did you mean \`lens\`?
      SN0208 4:13 \`h\`: \`h\` is used before it is defined
        note: \`h\` is defined later (5:3)
        help: a binding is visible after its statement; move this use below it
      `,
    ));

  test('a lengths source is suggested only among i32[B] inputs, a mask only among bool[B, T] ones', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by lengths(n);
        input z: f32[B, T, 4] masked by mk;
        input mm: bool[B, T];
        output x, z;
      }
      `,
      `
      SN0210 2:43 \`n\`: unknown lengths input \`n\`
        help: declare it: \`input n: i32[B];\`
      SN0210 3:35 \`mk\`: unknown mask input \`mk\`
        help: did you mean \`mm\`?
      `,
    ));

  test('a call of a layer whose declaration was rejected is not also an unknown layer', () =>
    check(
      `
      layer swish(x: f32[B, ..., C]) -> f32[B, ..., C] {
        time: pointwise;
      }
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        h = swish(x);
        output h;
      }
      `,
      `
      SN0215 1:7 \`swish\`: layer \`swish\` has no \`impl\`
        help: add \`impl: "./my_layer.js#MyLayer";\` naming a registered tf.layers.Layer class
      `,
    ));

  test('targets and losses in the wrong place', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        target y: i32[B, T];
        a = y |> embedding(vocab: 3, dim: 2);
        b = mse(x, x);
        output a, b;
        loss relu(x);
      }
      `,
      `
      SN0216 4:7 \`y\`: \`y\` is a target; targets are read only by losses
        note: declared as a target here (3:10)
        help: declare it with \`input\` if the model reads it
      SN0217 5:7 \`mse\`: \`mse\` is a loss; it can only be used in a \`loss\` statement
        help: write \`loss mse(x, x);\`
      SN0217 7:8 \`relu\`: \`relu\` is not a loss
        help: losses are layers with a scalar output: crossentropy, binary_crossentropy, mse, mae
      `,
    ));

  test('invalid layer declarations', () =>
    check(
      `
      layer swish(x: f32[B, ..., C]) -> f32[B, ..., C] {
        time: pointwise;
        pads: keeps_zeros;
      }
      layer wobble(x: f32[B, T, C]) -> f32[B, T, C] {
        time: sideways;
        colour: blue;
        impl: "wobble";
      }
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
        output x;
      }
      `,
      `
      SN0215 1:7 \`swish\`: layer \`swish\` has no \`impl\`
        help: add \`impl: "./my_layer.js#MyLayer";\` naming a registered tf.layers.Layer class
      SN0215 6:9 \`sideways\`: \`time\` is pointwise, window(size: ...), recurrent(direction: ...), reduce or none
      SN0215 7:3 \`colour\`: unknown rule \`colour\`
        help: rules are time, needs, pads, uses_mask, impl, requires, weights
      SN0215 7:11 \`blue\`: unknown name \`blue\` in the declaration of \`wobble\`
      SN0215 8:9 \`"wobble"\`: \`impl\` is a string "path#Export": a module path relative to this file and the exported tf.layers.Layer class
      `,
    ));
});

describe('SN05xx: model level', () => {
  test('no output; an unused input is a warning', () =>
    check(
      `
      model M {
        input x: f32[B, T, 4] masked by zeros, padded post;
      }
      `,
      `
      SN0502 1:7 \`M\`: model \`M\` has no output
        help: add \`output <name>;\` for the values the model returns
      warning SN0503 2:9 \`x\`: input \`x\` is never used
      `,
    ));
});
