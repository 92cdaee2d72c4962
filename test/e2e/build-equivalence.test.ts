/**
 * The two ways a model comes to life make the same model: `instantiate()`
 * (the builder plan run in-process, as tests and `seqnetc verify` use it)
 * and the generated module's `createModel()` (what users import). Same
 * seed: the same weights, bit for bit, and the same predictions and loss.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiate } from '../../src/emit/instantiate.js';
import { padBatch, seededRandom, type Nested, type Sample } from '../../src/runtime/data.js';
import type { Manifest } from '../../src/runtime/manifest.js';
import { tf } from '../../src/runtime/tf.js';
import { compileExample, exampleFiles, importGenerated, outDir, removeOut, requireDist, writeBuild } from '../unit/emit/support.js';

let dir: string;

beforeAll(async () => {
  requireDist();
  await tf.setBackend('cpu');
  dir = outDir('build-equivalence');
});

afterAll(() => removeOut(dir));

/** One unpadded sequence of `length` steps for every feature input and target of a manifest. */
function sample(manifest: Manifest, length: number, rnd: () => number): Sample {
  const out: Record<string, Nested> = {};
  const timeDims = new Set(manifest.inputs.flatMap((i) => (i.mask ? [i.shape[1]] : [])));
  const fill = (shape: readonly (string | number)[], value: () => number): Nested => {
    const [d, ...rest] = shape;
    if (d === undefined) return value();
    const n = typeof d === 'number' ? d : timeDims.has(d) ? length : NaN;
    if (Number.isNaN(n)) throw new Error(`no size for dim ${d}`);
    return Array.from({ length: n }, () => fill(rest, value));
  };
  for (const i of manifest.inputs) {
    if (!i.mask) continue; // lengths and mask inputs are derived by padBatch
    const value = i.dtype === 'int32' ? () => 1 + Math.floor(rnd() * 40) : () => rnd() * 4 - 2;
    out[i.name] = fill(i.shape.slice(1), value);
  }
  for (const t of manifest.targets) out[t.name] = fill(t.shape.slice(1), t.dtype === 'int32' ? () => Math.floor(rnd() * 2) : () => rnd());
  return out;
}

const EXAMPLES = exampleFiles();

describe('instantiate(model, { seed }) and the generated createModel({ seed }) make the same model', () => {
  it.each(EXAMPLES)('%s', async (file) => {
    const model = compileExample(file);
    const base = writeBuild(model, dir);
    const mod = await importGenerated(join(dir, `${base}.js`));
    const inProcess = instantiate(model, { seed: 11 });
    const generated = mod.createModel({ seed: 11 });

    // The generated module carries the manifest that .manifest.json has.
    expect(mod.manifest).toEqual(JSON.parse(readFileSync(join(dir, `${base}.manifest.json`), 'utf8')));

    const names = inProcess.weights.map((w) => w.originalName);
    expect(generated.weights.map((w) => w.originalName)).toEqual(names);
    expect(names.length).toBeGreaterThan(0);
    inProcess.weights.forEach((w, i) => {
      const g = generated.weights[i]!;
      expect(g.shape, w.originalName).toEqual(w.shape);
      expect(Buffer.from((g.read().dataSync() as Float32Array).buffer).equals(Buffer.from((w.read().dataSync() as Float32Array).buffer)), `weight ${w.originalName}`).toBe(true);
    });
    // Another seed gives other weights (the seed is not ignored on either path).
    const other = mod.createModel({ seed: 12 });
    const firstKernel = names.findIndex((n) => n.endsWith('kernel') || n.endsWith('embeddings'));
    expect(Array.from(other.weights[firstKernel]!.read().dataSync())).not.toEqual(Array.from(generated.weights[firstKernel]!.read().dataSync()));

    const rnd = seededRandom(5);
    const batch = padBatch([5, 2, 4, 1].map((n) => sample(inProcess.manifest, n, rnd)), inProcess.manifest);
    const a = inProcess.predict(batch.inputs);
    const b = generated.predict(batch.inputs);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) {
      expect(b[k]!.shape, k).toEqual(a[k]!.shape);
      const va = Array.from(a[k]!.dataSync());
      expect(va.every(Number.isFinite), k).toBe(true);
      expect(Array.from(b[k]!.dataSync()), k).toEqual(va);
    }
    const la = inProcess.loss(batch.inputs, batch.targets).dataSync()[0]!;
    const lb = generated.loss(batch.inputs, batch.targets).dataSync()[0]!;
    expect(Number.isFinite(la)).toBe(true);
    expect(lb).toBe(la);
    batch.dispose();
  });
});
