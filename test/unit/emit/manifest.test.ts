/**
 * The manifest of API.md from the rewritten IR: every mask source with its
 * fields, layouts, shapes named as the source names them, one `fills` entry
 * per fill node with its consumers, and the hash of the source text.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../../src/emit/manifest.js';
import { compileOk } from './support.js';

const manifestOf = (text: string) => buildManifest(compileOk(text), '1.2.3');

describe('buildManifest', () => {
  it('describes each mask source with exactly the fields API.md gives it', () => {
    const m = manifestOf(`
      model M {
        input a: f32[B, T, 3] masked by zeros;
        input b: f32[B, T, 3] masked by value(-1.5), padded pre;
        input c: f32[B, T, 3] masked by lengths(n), padded pre;
        input d: f32[B, T, 3] masked by k;
        input n: i32[B];
        input k: bool[B, T];
        sa = global_maxpool(a);
        sb = global_maxpool(b);
        sc = global_maxpool(c);
        sd = global_maxpool(d);
        output sa, sb, sc, sd;
      }`);
    expect(m.inputs.map((i) => [i.name, i.mask])).toEqual([
      ['a', { source: 'zeros', layout: 'holes' }],
      ['b', { source: 'value', layout: 'pre', value: -1.5 }],
      ['c', { source: 'lengths', layout: 'pre', input: 'n' }],
      ['d', { source: 'input', layout: 'holes', input: 'k' }],
      ['n', undefined],
      ['k', undefined],
    ]);
    expect(m.inputs.map((i) => i.role)).toEqual(['features', 'features', 'features', 'features', 'lengths', 'mask']);
    expect(m.inputs.find((i) => i.name === 'n')).toEqual({ name: 'n', dtype: 'int32', shape: ['B'], role: 'lengths' });
    expect(m.inputs.find((i) => i.name === 'k')).toMatchObject({ dtype: 'bool', shape: ['B', 'T'] });
    // Outputs without a time axis are not masked.
    expect(m.outputs.map((o) => [o.name, o.shape, o.masked])).toEqual([
      ['sa', ['B', 3], false],
      ['sb', ['B', 3], false],
      ['sc', ['B', 3], false],
      ['sd', ['B', 3], false],
    ]);
    expect(m.fills).toEqual([]);
  });

  it('names computed dims as the source does, integers as numbers', () => {
    const m = manifestOf(`
      model M {
        input x: f32[B, T, 6] masked by zeros, padded post;
        h = x |> conv1d(filters: 4, kernel: 3, stride: 2, padding: valid) |> maxpool1d(size: 2, padding: same);
        output h;
      }`);
    expect(m.outputs).toEqual([{ name: 'h', dtype: 'float32', shape: ['B', 'floor((T + 1) / 4)', 4], masked: true, layout: 'post' }]);
  });

  it('writes one fills entry per fill node: the value, fill 0, its consumers (masked pools need none) and the reason', () => {
    const text = `model M {
  input x: f32[B, T, 4] masked by zeros, padded post;
  target y: f32[B, T, 4];
  h = dense(x, units: 4);
  c = conv1d(h, filters: 4, kernel: 3);
  p = avgpool1d(h, size: 2);
  s = c |> dense(units: 4);
  output h, s;
  loss mse(s, y);
}
`;
    const model = compileOk(text);
    const fills = model.nodes.filter((n) => n.kind === 'fill');
    const m = buildManifest(model, '1.2.3');
    expect(m.fills).toHaveLength(fills.length);
    expect(m.fills).toEqual([
      { value: 'h', fill: 0, consumers: ['conv1d 5:7', 'output h 8:10'], reason: 'dense `h` (4:7) leaves padded steps non-zero (bias: true)' },
      { value: 's', fill: 0, consumers: ['output s 8:13'], reason: 'dense `s` (7:12) leaves padded steps non-zero (bias: true)' },
    ]);
    expect(m.outputs.map((o) => [o.name, o.masked])).toEqual([
      ['h', true],
      ['s', true],
    ]);
    expect(m.losses).toEqual([{ kind: 'mse', pred: 's', target: 'y', params: { weight: 1, reduction: 'mean' }, masked: true, layout: 'post' }]);
  });

  it('hashes the source text (UTF-8) and records the compiler version', () => {
    const text = '// é 😀\nmodel Ünïcode { input x: f32[B, T, 2] masked by zeros, padded post; h = relu(x); output h; }\n'.replace('Ünïcode', 'U');
    const m = manifestOf(text);
    expect(m.sourceHash).toBe(`sha256:${createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')}`);
    expect(m.compiler).toBe('1.2.3');
    expect(m.manifestVersion).toBe(1);
    expect(m.name).toBe('U');
  });
});
