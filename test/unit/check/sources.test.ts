/**
 * MASKING.md section 8: what each `masked by` clause gives its input (mask
 * identity, layout, pad `zeros` after sanitizing) and which inputs share a
 * mask. Section 3: masks are named by their source, one per clause, shared
 * by inputs masked by the same lengths or mask input.
 *
 * `check(body, expected)` compiles `model M { body }` and prints every value
 * (`name = role-or-layer(inputs) type mask pad`), the outputs, and the masks
 * by id.
 */
import { expect, test } from 'vitest';
import { compile, dumpModel, errors, fill, trimIndent } from './support.js';
import { renderText } from '../../../src/diagnostics/render.js';

function check(body: string, expected: string): void {
  const checked = compile(`model M {\n${trimIndent(body)}\n}\n`);
  expect(errors(checked).map(renderText)).toEqual([]);
  expect(dumpModel(fill(checked.models[0]!))).toBe(trimIndent(expected));
}

test('masked by zeros: holes unless a layout is declared; each clause its own mask', () =>
  check(
    `
    input x: f32[B, T, 4] masked by zeros;
    input y: f32[B, T, 4] masked by zeros, padded post;
    input z: f32[B, T, 4] masked by zeros, padded pre;
    output x, y, z;
    `,
    `
    x = features f32[B, T, 4] m0 holes zeros
    y = features f32[B, T, 4] m1 post L zeros
    z = features f32[B, T, 4] m2 pre L zeros
    output x <- x
    output y <- y
    output z <- z
    m0 = zeros:x/holes
    m1 = zeros:y/post/L
    m2 = zeros:z/pre/L
    `,
  ));

test('masked by value(v): float features and integer ids', () =>
  check(
    `
    input x: f32[B, T, 4] masked by value(-1), padded pre;
    input ids: i32[B, T] masked by value(0), padded post;
    output x, ids;
    `,
    `
    x = features f32[B, T, 4] m0 pre L zeros
    ids = features i32[B, T] m1 post L zeros
    output x <- x
    output ids <- ids
    m0 = value(-1):x/pre/L
    m1 = value(0):ids/post/L
    `,
  ));

test('masked by lengths(n): post by default, shared by every input that names n, declared in any order', () =>
  check(
    `
    input x: f32[B, T, 4] masked by lengths(n);
    input ids: i32[B, T] masked by lengths(n), padded post;
    input n: i32[B];
    input w: f32[B, T, 2] masked by lengths(k), padded pre;
    input k: i32[B];
    h = concat(x, ids |> embedding(vocab: 5, dim: 3));
    output h, w;
    `,
    `
    x = features f32[B, T, 4] m0 post L zeros
    ids = features i32[B, T] m0 post L zeros
    n = lengths i32[B] -
    w = features f32[B, T, 2] m1 pre L zeros
    k = lengths i32[B] -
    h_1 = embedding(ids) f32[B, T, 3] m0 post L any
    h = concat(x, h_1) f32[B, T, 7] m0 post L any
    h__fill = fill(h) f32[B, T, 7] m0 post L zeros
    output h <- h__fill
    output w <- w
    m0 = lengths:n/post/L
    m1 = lengths:k/pre/L
    `,
  ));

test('masked by a bool mask input: holes unless declared; shared by the inputs that name it', () =>
  check(
    `
    input m: bool[B, T];
    input x: f32[B, T, 4] masked by m;
    input z: f32[B, T, 4] masked by m;
    input p: f32[B, T, 4] masked by m, padded post;
    s = x + z;
    output s, p;
    `,
    `
    m = mask bool[B, T] -
    x = features f32[B, T, 4] m0 holes zeros
    z = features f32[B, T, 4] m0 holes zeros
    p = features f32[B, T, 4] m1 post L zeros
    s = add(x, z) f32[B, T, 4] m0 holes zeros
    output s <- s
    output p <- p
    m0 = input:m/holes
    m1 = input:m/post/L
    `,
  ));

test('an unmasked sequence and a vector carry no mask; a constant time dim stays constant', () =>
  check(
    `
    input u: f32[B, 12, 4];
    input v: f32[B, 4];
    c = u |> conv1d(filters: 2, kernel: 5, stride: 2, padding: valid);
    d = v |> dense(units: 2);
    output c, d;
    `,
    `
    u = features f32[B, 12, 4] -
    v = features f32[B, 4] -
    c = conv1d(u) f32[B, 4, 2] -
    d = dense(v) f32[B, 2] -
    output c <- c
    output d <- d
    `,
  ));

test('derived masks keep their source and layout and record the window', () =>
  check(
    `
    input x: f32[B, T, 4] masked by lengths(n);
    input n: i32[B];
    a = x |> conv1d(filters: 4, kernel: 3, stride: 2) |> maxpool1d(size: 2, padding: same);
    output a;
    `,
    `
    x = features f32[B, T, 4] m0 post L zeros
    n = lengths i32[B] -
    a_1 = conv1d(x!) f32[B, ceil(T / 2), 4] m1 post ceil(L / 2) any
    a = maxpool1d(a_1) f32[B, ceil(T / 4), 4] m2 post ceil(L / 4) zeros uses_mask
    output a <- a
    m0 = lengths:n/post/L
    m1 = lengths:n/post/ceil(L / 2) <- m0 window(3, 2, 1, same)
    m2 = lengths:n/post/ceil(L / 4) <- m1 window(2, 2, 1, same)
    `,
  ));
