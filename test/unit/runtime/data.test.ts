import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { padBatch, planBatches, seededRandom, unpad, type Sample } from '../../../src/runtime/data.js';
import { SeqnetInputError } from '../../../src/runtime/errors.js';
import { tf } from '../../../src/runtime/tf.js';
import { ids, idsManifest, maxAbsDiff, pooled, pooledManifest, pre, preManifest, rng, sequence, tagger, taggerManifest } from './model-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('padBatch', () => {
  it('pads post to the longest row, with lengths derived from the sequences', () => {
    const batch = padBatch(
      [
        { x: [[1, 2], [3, 4], [5, 6]], y: [0.5] },
        { x: [[7, 8]], y: [1.5] },
      ],
      pooledManifest,
    );
    expect(batch.inputs['x']!.arraySync()).toEqual([
      [[1, 2], [3, 4], [5, 6]],
      [[7, 8], [0, 0], [0, 0]],
    ]);
    expect(batch.inputs['n']!.dtype).toBe('int32');
    expect(batch.inputs['n']!.arraySync()).toEqual([3, 1]);
    expect(batch.targets['y']!.arraySync()).toEqual([[0.5], [1.5]]);
    expect(batch.lengths).toEqual([3, 1]);
    expect(batch.realSteps).toBe(4);
  });

  it('pads pre, with the bool mask input derived as a suffix', () => {
    const batch = padBatch(
      [
        { x: [[1, 1]], y: [[9, 9]] },
        { x: [[2, 2], [3, 3], [4, 4]], y: [[7, 7], [8, 8], [6, 6]] },
      ],
      preManifest,
    );
    expect(batch.inputs['x']!.arraySync()).toEqual([
      [[0, 0], [0, 0], [1, 1]],
      [[2, 2], [3, 3], [4, 4]],
    ]);
    expect(batch.inputs['m']!.dtype).toBe('bool');
    expect(batch.inputs['m']!.arraySync()).toEqual([
      [0, 0, 1],
      [1, 1, 1],
    ]);
    expect(batch.targets['y']!.arraySync()).toEqual([
      [[0, 0], [0, 0], [9, 9]],
      [[7, 7], [8, 8], [6, 6]],
    ]);
  });

  it('uses the mask source\'s pad value, so that `value(-1)` sees the padding', () => {
    const batch = padBatch([{ ids: [3, 1, 4], y: [1, 0, 1] }, { ids: [2], y: [0] }], idsManifest);
    expect(batch.inputs['ids']!.dtype).toBe('int32');
    expect(batch.inputs['ids']!.arraySync()).toEqual([
      [3, 1, 4],
      [2, -1, -1],
    ]);
    const out = ids().predict(batch.inputs);
    expect(out['logits_mask']!.arraySync()).toEqual([
      [1, 1, 1],
      [1, 0, 0],
    ]);
  });

  it('keeps a mask input the samples hold (holes are theirs to give)', () => {
    const batch = padBatch([{ x: [[1, 1], [2, 2]], m: [false, true] }], preManifest, { targets: false });
    expect(batch.inputs['m']!.arraySync()).toEqual([[0, 1]]);
  });

  it('never makes an empty time axis, and pads a batch of empty sequences to one padded step', () => {
    const batch = padBatch([{ x: [] }, { x: [] }], taggerManifest, { targets: false });
    expect(batch.inputs['x']!.shape).toEqual([2, 1, 3]);
    const out = tagger().predict(batch.inputs);
    expect(out['logits_mask']!.arraySync()).toEqual([[0], [0]]);
    expect(Array.from(out['logits']!.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('reports bad samples as SeqnetInputError naming the field and the sample', () => {
    const cases: [Sample[], string, number | undefined, RegExp][] = [
      [[{ x: [[1, 2, 3]] }, { x: [[1, 2]] }], 'x', 1, /sample 1: `x` has 2 entries on axis 2, expected 3/],
      [[{ x: [[1, 2, 3]] }, { y: [1] }], 'x', 1, /sample 1 has no `x`/],
      [[{ x: [[1, 2, 3], [4, 5]] }], 'x', 0, /ragged/],
      [[{ x: [[1, 2, 3]], y: [0.5] }], 'y', 0, /`y` is int32 but holds 0.5/],
    ];
    for (const [samples, input, row, message] of cases) {
      let caught: unknown;
      try {
        padBatch(samples, taggerManifest, { targets: samples.every((s) => s['y'] !== undefined) });
      } catch (e) {
        caught = e;
      }
      expect(caught, String(message)).toBeInstanceOf(SeqnetInputError);
      expect((caught as SeqnetInputError).input).toBe(input);
      expect((caught as SeqnetInputError).row).toBe(row);
      expect((caught as SeqnetInputError).message).toMatch(message);
    }
  });
});

describe('unpad', () => {
  it('round-trips padBatch for post and pre layouts (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.array(fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).filter((v) => v !== 0), { minLength: 2, maxLength: 2 }), { maxLength: 6 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.constantFrom('post' as const, 'pre' as const),
        (seqs, layout) => {
          const x = seqs.map((s) => s.map((step) => step.map((v) => Math.fround(v))));
          const manifest = layout === 'post' ? pooledManifest : preManifest;
          const batch = padBatch(
            x.map((s) => ({ x: s })),
            manifest,
            { targets: false },
          );
          const back = unpad({ x: batch.inputs['x']! }, { lengths: batch.lengths, layout });
          expect(back.map((r) => r['x'])).toEqual(x);
          batch.dispose();
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('reads <name>_mask beside each output and drops the mask keys', () => {
    const out = {
      seq: tf.tensor3d([[[1], [2], [3]], [[4], [5], [6]]]),
      seq_mask: tf.tensor2d([[1, 1, 0], [0, 1, 1]]),
      pooled: tf.tensor2d([[7, 8], [9, 10]]),
      score: tf.tensor1d([0.5, 0.25]),
    };
    expect(unpad(out)).toEqual([
      { seq: [[1], [2]], pooled: [7, 8], score: 0.5 },
      { seq: [[5], [6]], pooled: [9, 10], score: 0.25 },
    ]);
  });
});

describe('length buckets', () => {
  it('plan every sample once, in batches of close lengths, reproducibly from the seed', () => {
    const r = rng(3);
    const lengths = Array.from({ length: 200 }, () => 1 + Math.floor(r() * 100));
    const plan = planBatches(lengths, 10, seededRandom(5), { bucket: true });
    expect(plan.flat().sort((a, b) => a - b)).toEqual([...lengths.keys()]);
    expect(plan.every((b) => b.length === 10)).toBe(true);
    // Buckets of 2 batches: a batch spans at most the lengths of 20 neighbours in sorted order.
    const spread = (b: number[]) => Math.max(...b.map((i) => lengths[i]!)) - Math.min(...b.map((i) => lengths[i]!));
    const unbucketed = planBatches(lengths, 10, seededRandom(5), { bucket: false });
    const padding = (p: number[][]) => p.reduce((a, b) => a + b.length * Math.max(...b.map((i) => lengths[i]!)) - b.reduce((s, i) => s + lengths[i]!, 0), 0);
    expect(Math.max(...plan.map(spread))).toBeLessThanOrEqual(15);
    expect(padding(plan)).toBeLessThan(padding(unbucketed) / 4);
    expect(planBatches(lengths, 10, seededRandom(5), { bucket: true })).toEqual(plan);
    expect(planBatches(lengths, 10, seededRandom(6), { bucket: true })).not.toEqual(plan);
  });

  it('change no per-sequence output', () => {
    const r = rng(8);
    const lengths = [9, 1, 4, 4, 7, 2, 0, 6, 3, 8, 5, 1];
    for (const [model, features] of [
      [tagger(), 3],
      [pooled(), 2],
      [pre(), 2],
    ] as const) {
      const samples = lengths.map((L) => ({ x: sequence(r, L, features) }));
      const whole = padBatch(samples, model.manifest, { targets: false });
      const reference = unpad(model.predict(whole.inputs));
      const got: Record<string, unknown>[] = [];
      for (const indices of planBatches(lengths, 3, seededRandom(1), { bucket: true, bucketBatches: 2 })) {
        const batch = padBatch(indices.map((i) => samples[i]!), model.manifest, { targets: false });
        unpad(model.predict(batch.inputs)).forEach((row, k) => (got[indices[k]!] = row));
        batch.dispose();
      }
      reference.forEach((row, i) => {
        for (const key of Object.keys(row)) {
          const a = [row[key]].flat(3) as number[];
          const b = [got[i]![key]].flat(3) as number[];
          expect(maxAbsDiff(a, b), `${model.manifest.name}.${key} of sample ${i}`).toBeLessThanOrEqual(1e-5);
        }
      });
      whole.dispose();
    }
  });
});
