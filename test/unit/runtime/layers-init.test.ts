import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/runtime/tf.js';
import {
  glorotUniform,
  hashSeed,
  mulberry32,
  orthogonal,
  SeqnetGlorotUniform,
  SeqnetOrthogonal,
  SeqnetUniform,
} from '../../../src/runtime/layers/init.js';

function maxAbsDiffFromIdentity(g: tf.Tensor2D): number {
  return tf.tidy(() => tf.sub(g, tf.eye(g.shape[0])).abs().max().dataSync()[0]!);
}

describe('init', () => {
  it('orthogonal gives orthonormal columns when rows >= cols and rows otherwise', () => {
    const tall = orthogonal([384, 128], 7);
    expect(tall.shape).toEqual([384, 128]);
    expect(maxAbsDiffFromIdentity(tf.matMul(tall, tall, true, false))).toBeLessThan(1e-5);
    const wide = orthogonal([128, 384], 7);
    expect(wide.shape).toEqual([128, 384]);
    expect(maxAbsDiffFromIdentity(tf.matMul(wide, wide, false, true))).toBeLessThan(1e-5);
    const square = orthogonal([64, 64], 3);
    expect(maxAbsDiffFromIdentity(tf.matMul(square, square, true, false))).toBeLessThan(1e-5);
    expect(maxAbsDiffFromIdentity(tf.matMul(square, square, false, true))).toBeLessThan(1e-5);
  });

  it('orthogonal is fast and deterministic per seed', () => {
    const t0 = Date.now();
    const a = orthogonal([128, 384], 11);
    expect(Date.now() - t0).toBeLessThan(1000);
    const b = orthogonal([128, 384], 11);
    const c = orthogonal([128, 384], 12);
    expect(a.dataSync()).toEqual(b.dataSync());
    expect(tf.sub(a, c).abs().max().dataSync()[0]).toBeGreaterThan(0.01);
  });

  it('orthogonal applies the gain', () => {
    const q = orthogonal([8, 8], 5, 2);
    expect(maxAbsDiffFromIdentity(tf.div(tf.matMul(q, q, true, false), 4) as tf.Tensor2D)).toBeLessThan(1e-5);
  });

  it('glorotUniform stays within the Keras limit and spreads over it', () => {
    // Conv kernel [k, in, out]: fanIn = k*in, fanOut = k*out.
    const w = glorotUniform([3, 16, 32], 1);
    const limit = Math.sqrt(6 / (3 * 16 + 3 * 32));
    const values = w.dataSync();
    expect(Math.max(...values)).toBeLessThanOrEqual(limit);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...values)).toBeGreaterThan(0.9 * limit);
    expect(Math.min(...values)).toBeLessThan(-0.9 * limit);
  });

  it('mulberry32 and hashSeed are deterministic and spread', () => {
    const r1 = mulberry32(42);
    const r2 = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => r1());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => r2()));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(hashSeed(1, 'a/kernel')).toBe(hashSeed(1, 'a/kernel'));
    expect(hashSeed(1, 'a/kernel')).not.toBe(hashSeed(1, 'b/kernel'));
    expect(hashSeed(1, 'ab')).not.toBe(hashSeed(1, 'a', 'b'));
  });

  it('initializer classes serialize and apply', () => {
    const o = new SeqnetOrthogonal({ seed: 9, gain: 1 });
    expect(o.apply([6, 3]).dataSync()).toEqual(orthogonal([6, 3], 9).dataSync());
    expect(o.getConfig()).toEqual({ seed: 9, gain: 1 });
    expect(new SeqnetGlorotUniform({ seed: 2 }).apply([4, 5]).dataSync()).toEqual(glorotUniform([4, 5], 2).dataSync());
    const u = new SeqnetUniform({ seed: 2, minval: -0.05, maxval: 0.05 }).apply([100, 3]).dataSync();
    expect(Math.max(...u)).toBeLessThanOrEqual(0.05);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.05);
  });
});
