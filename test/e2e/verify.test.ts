/**
 * The mask guarantee on the examples, and its teeth: every fill is necessary
 * (dropping it makes verify find a counterexample), and planted runtime bugs
 * are caught. CPU backend, fixed seeds.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instantiate } from '../../src/emit/instantiate.js';
import { ModelBuilder, tf } from '../../src/runtime/index.js';
import { layerFactory, lossFn, registerLayerKind, registerLossKind } from '../../src/runtime/layers/registry.js';
import type { Manifest } from '../../src/runtime/manifest.js';
import { verifyCompiled, renderReport } from '../../src/verify/verify.js';
import { compiled, example, EXAMPLES } from '../helpers/compile.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function verifyText(text: string, opts: { drop?: string; runs?: number; builder?: (m: Manifest) => ModelBuilder } = {}) {
  const model = compiled(text, opts.drop ? { drop: new Set([opts.drop]) } : {});
  const c = instantiate(model, { seed: 3, builder: opts.builder });
  return verifyCompiled(model, c, { runs: opts.runs ?? 6, seed: 7, maxT: 6, maxB: 3 });
}

describe('examples keep R1-R4', () => {
  for (const name of EXAMPLES) {
    it(name, () => {
      const r = verifyText(example(name), { runs: name === 'tagger' || name === 'tokens' ? 3 : 6 });
      expect(r.counterexample, r.counterexample && renderReport(r, '')).toBeUndefined();
    });
  }
});

describe('every fill of every example is necessary', () => {
  for (const name of EXAMPLES) {
    const fills = compiled(example(name)).nodes.filter((n) => n.kind === 'fill');
    for (const f of fills) {
      const value = compiled(example(name)).nodes.find((n) => n.id === (f.kind === 'fill' ? f.of : -1))!.name;
      it(`${name}: without the fill of \`${value}\``, () => {
        const r = verifyText(example(name), { drop: value, runs: 6 });
        expect(r.counterexample).toBeDefined();
        expect(['R1', 'R2a', 'R2b', 'R3']).toContain(r.counterexample!.violation.property);
      });
    }
  }
});

describe('planted bugs are caught', () => {
  const restore: (() => void)[] = [];
  afterEach(() => restore.splice(0).forEach((f) => f()));

  /** Replace a layer kind with one whose mask input is all ones: it then ignores padding. */
  function ignoreMask(kind: string): void {
    const original = layerFactory(kind)!;
    registerLayerKind(kind, (name, params) => {
      const layer = original(name, params);
      const call = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => {
        const list = inputs as tf.Tensor[];
        return call([list[0]!, tf.onesLike(list[1]!)], kwargs);
      };
      return layer;
    });
    restore.push(() => registerLayerKind(kind, original));
  }

  it('batch-norm moments over all steps', () => {
    ignoreMask('batchnorm');
    const r = verifyText(`model M {
      input x: f32[B, T, 3] masked by lengths(n);
      input n: i32[B];
      target y: f32[B, T, 3];
      h = batchnorm(x);
      output h;
      loss mse(h, y);
    }`);
    expect(r.counterexample?.violation.property).toMatch(/R2/);
    expect(r.counterexample?.violation.mode).toBe('training');
  });

  it('a conv fill removed', () => {
    const r = verifyText(example('streaming'), { drop: 'c1' });
    expect(r.counterexample?.violation.property).toBe('R1');
  });

  it('a GRU that does not carry its state over masked steps', () => {
    ignoreMask('gru');
    const r = verifyText(`model M {
      input x: f32[B, T, 3] masked by zeros;
      h = gru(x, units: 4);
      output h;
    }`);
    expect(r.counterexample?.violation.property).toMatch(/R1|R3/);
  });

  it('a loss that averages over all steps', () => {
    const original = lossFn('mse')!;
    registerLossKind('mse', (pred, target, mask, params) => {
      // Averages over every step, padded ones included (their targets made finite, so only the mean is wrong).
      const safe = tf.where(tf.isFinite(target), target, tf.zerosLike(target));
      return original(pred, safe, mask ? tf.onesLike(mask) : undefined, params);
    });
    restore.push(() => registerLossKind('mse', original));
    const r = verifyText(`model M {
      input x: f32[B, T, 3] masked by lengths(n);
      input n: i32[B];
      target y: f32[B, T, 2];
      h = dense(x, units: 2);
      output h;
      loss mse(h, y);
    }`);
    expect(r.counterexample?.violation.property).toMatch(/R2|R4/);
  });

  it('a global average pool that divides by T', () => {
    ignoreMask('global_avgpool');
    const r = verifyText(`model M {
      input x: f32[B, T, 3] masked by lengths(n);
      input n: i32[B];
      p = global_avgpool(x);
      output p;
    }`);
    expect(r.counterexample?.violation.property).toMatch(/R1|R2b/);
  });

  it('an output fill removed', () => {
    const r = verifyText(example('classifier').replace('output logits;', 'output logits, h;'), { drop: 'h' });
    expect(r.counterexample?.violation.property).toMatch(/R1|R3/);
  });

  it('input sanitizing by multiply instead of where', () => {
    class MultiplyingBuilder extends ModelBuilder {
      override maskSource(...args: Parameters<ModelBuilder['maskSource']>) {
        const r = super.maskSource(...args);
        // x * mask lets NaN through: NaN * 0 is NaN.
        return { value: this.fill(`${args[0]}__multiply`, args[1], r.mask), mask: r.mask };
      }
    }
    const r = verifyText(
      `model M {
      input x: f32[B, T, 3] masked by lengths(n);
      input n: i32[B];
      h = dense(x, units: 2);
      output h;
    }`,
      { builder: (m) => new MultiplyingBuilder(m, { seed: 3 }) },
    );
    expect(r.counterexample?.violation.property).toBe('R4');
  });
});
