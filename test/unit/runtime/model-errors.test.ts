import { beforeAll, describe, expect, it } from 'vitest';
import { SeqnetInputError } from '../../../src/runtime/errors.js';
import { tf } from '../../../src/runtime/tf.js';
import { pooled, pre, tagger } from './model-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `f`, expects a SeqnetInputError about `input` (and `row`), returns its message. */
function inputError(f: () => unknown, input: string, row?: number): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SeqnetInputError);
    const err = e as SeqnetInputError;
    expect(err.input).toBe(input);
    expect(err.row).toBe(row);
    expect(err.message).toContain(`\`${input}\``);
    return err.message;
  }
  throw new Error('expected a SeqnetInputError');
}

describe('SeqnetInputError before the graph runs', () => {
  const P = pooled();
  const x = tf.ones([2, 4, 2]);
  const n = tf.tensor1d([4, 2], 'int32');

  it('missing input: names it and what it is for', () => {
    expect(inputError(() => P.predict({ x }), 'n')).toMatch(/missing input `n` \(i32\[B\], the lengths of `x`\)/);
  });

  it('unknown input, and a target passed as an input', () => {
    expect(inputError(() => P.predict({ x, n, z: x }), 'z')).toMatch(/unknown input `z` \(the inputs of Pooled are `x`, `n`\)/);
    expect(inputError(() => P.predict({ x, n, y: tf.ones([2, 1]) }), 'y')).toMatch(/is a target, not an input/);
  });

  it('wrong dtype', () => {
    expect(inputError(() => P.predict({ x: tf.ones([2, 4, 2], 'int32'), n }), 'x')).toMatch(/must be float32 \(f32\[B, T, 2\]\), got int32/);
    expect(inputError(() => P.predict({ x, n: tf.tensor1d([4, 2]) }), 'n')).toMatch(/must be int32/);
  });

  it('wrong rank', () => {
    expect(inputError(() => P.predict({ x: tf.ones([2, 4]), n }), 'x')).toMatch(/must have rank 3/);
  });

  it('wrong feature size', () => {
    expect(inputError(() => P.predict({ x: tf.ones([2, 4, 3]), n }), 'x')).toMatch(/must have feature size 2 .* got shape \[2, 4, 3\]/);
  });

  it('lengths above T, naming the first offending row', () => {
    expect(inputError(() => P.predict({ x, n: tf.tensor1d([4, 5], 'int32') }), 'n', 1)).toMatch(/length 5 in row 1 is out of range \[0, 4\]/);
  });

  it('lengths below 0, naming the first offending row', () => {
    expect(inputError(() => P.predict({ x, n: tf.tensor1d([2, -1], 'int32') }), 'n', 1)).toMatch(/length -1 in row 1/);
  });

  it('batch sizes that disagree', () => {
    expect(inputError(() => P.predict({ x, n: tf.tensor1d([4, 2, 1], 'int32') }), 'n')).toMatch(/3 on axis 0 \(B\), but `x` has 2/);
  });

  const R = pre();
  const px = tf.ones([2, 4, 2]);

  it('an explicit mask that breaks its declared layout (pre), naming the first offending row', () => {
    const m = tf.tensor2d(
      [
        [0, 0, 1, 1],
        [0, 1, 0, 1],
      ],
      undefined,
      'bool',
    );
    expect(inputError(() => R.predict({ x: px, m }), 'm', 1)).toMatch(/row 1 is not a suffix mask \(declared padded pre\)/);
  });

  it('a float mask that holds something other than 0 or 1', () => {
    const m = tf.tensor2d([
      [0, 0, 1, 1],
      [0, 0.5, 1, 1],
    ]);
    expect(inputError(() => R.predict({ x: px, m }), 'm', 1)).toMatch(/mask value 0.5 at row 1, step 1/);
  });

  it('a mask with another number of steps than its input', () => {
    expect(inputError(() => R.predict({ x: px, m: tf.ones([2, 5], 'bool') }), 'm')).toMatch(/5 on axis 1 \(T\), but `x` has 4/);
  });

  it('accepts a float 0/1 mask and a bool mask alike', () => {
    const rows = [
      [0, 0, 1, 1],
      [0, 0, 0, 1],
    ];
    const a = R.predict({ x: px, m: tf.tensor2d(rows) });
    const b = R.predict({ x: px, m: tf.tensor2d(rows, undefined, 'bool') });
    expect(a['out']!.arraySync()).toEqual(b['out']!.arraySync());
    expect(a['out_mask']!.arraySync()).toEqual(rows);
  });

  const T = tagger();
  const tx = tf.ones([2, 3, 3]);

  it('missing target, wrong target dtype, target steps that disagree with the input', () => {
    inputError(() => T.loss({ x: tx }, {}), 'y');
    expect(inputError(() => T.loss({ x: tx }, { y: tf.zeros([2, 3]) }), 'y')).toMatch(/target `y` must be int32/);
    expect(inputError(() => T.loss({ x: tx }, { y: tf.zeros([2, 5], 'int32') }), 'y')).toMatch(/5 on axis 1 \(T\), but `x` has 3/);
    expect(inputError(() => T.trainStep({ x: tx }, { q: tf.zeros([2, 3], 'int32') }, tf.train.sgd(0.1)), 'q')).toMatch(/unknown target `q`/);
  });

  it('a bad sample in fit names its index in the caller\'s list', async () => {
    const samples = [
      { x: [[1, 1, 1]], y: [0] },
      { x: [[1, 1, 1]], y: [0] },
      { x: [[1, 1, 1], [1, 1]], y: [0, 1] },
    ];
    const err = await T.fit(samples, { verbose: 0, buckets: false, shuffle: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeqnetInputError);
    expect((err as SeqnetInputError).row).toBe(2);
    expect((err as SeqnetInputError).input).toBe('x');
    expect((err as SeqnetInputError).message).toMatch(/sample 2: `x`: ragged array/);
  });
});
