import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../../src/runtime/builder.js';
import { loadModel } from '../../../src/runtime/compiled-model.js';
import { padBatch } from '../../../src/runtime/data.js';
import { dirSaveHandler } from '../../../src/runtime/io.js';
import type { Manifest } from '../../../src/runtime/manifest.js';
import { tf } from '../../../src/runtime/tf.js';
import { pooled, rng, sequence, tagger, taggerManifest } from './model-fixtures.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqnet-io-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('save and loadModel', () => {
  it('writes tfjs layers-model files plus the manifest, and nothing else', async () => {
    const m = pooled();
    const dir = join(root, 'pooled');
    await m.save(dir);
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name).sort()).toEqual(
      ['c_1/bias', 'c_1/kernel', 'c_2/beta', 'c_2/gamma', 'c_2/moving_mean', 'c_2/moving_variance', 'score/bias', 'score/kernel'],
    );
    // 3*2*4 + 4 + 4*4 + 4 + 1 floats.
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(4 * (24 + 4 + 16 + 4 + 1));
    expect(json.userDefinedMetadata.seqnet.inputs).toEqual(['x', 'n']);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual(JSON.parse(JSON.stringify(m.manifest)));
  });

  it('restores a model that predicts identically and keeps training (batch-norm statistics included)', async () => {
    const m = pooled(5);
    const r = rng(2);
    const samples = [3, 7, 1, 5].map((L) => ({ x: sequence(r, L, 2), y: [r()] }));
    const batch = padBatch(samples, m.manifest);
    m.trainStep(batch.inputs, batch.targets, tf.train.sgd(0.1)); // moving statistics away from their start
    const dir = join(root, 'trained');
    await m.save(dir);
    const back = await loadModel(dir);
    expect(back.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
    const a = m.predict(batch.inputs);
    const b = back.predict(batch.inputs);
    for (const key of Object.keys(a)) expect(Array.from(b[key]!.dataSync()), key).toEqual(Array.from(a[key]!.dataSync()));
    expect(back.loss(batch.inputs, batch.targets).dataSync()[0]).toBe(m.loss(batch.inputs, batch.targets).dataSync()[0]);
    expect(back.manifest).toEqual(JSON.parse(JSON.stringify(m.manifest)));
    const lossBefore = back.loss(batch.inputs, batch.targets).dataSync()[0]!;
    for (let i = 0; i < 5; i++) back.trainStep(batch.inputs, batch.targets, tf.train.sgd(0.05));
    expect(back.loss(batch.inputs, batch.targets).dataSync()[0]!).toBeLessThan(lossBefore);
    batch.dispose();
  });

  it('restores snake_case string parameters that tfjs camel-cases on load (leaky_relu, hard_sigmoid)', async () => {
    // tfjs' deserializer camel-cases every string value of a layer config but
    // `name`: 'leaky_relu' comes back as 'leakyRelu', 'hard_sigmoid' as 'hardSigmoid'.
    const manifest: Manifest = {
      ...taggerManifest,
      name: 'Snake',
      outputs: [{ name: 'g', dtype: 'float32', shape: ['B', 'T', 3], masked: true }],
      losses: [],
    };
    const b = new ModelBuilder(manifest, { seed: 3 });
    const xRaw = b.input('x', 'float32', [null, null, 3]);
    const { value: x, mask } = b.maskSource('x__mask', xRaw, { source: 'zeros', layout: 'post' });
    const d = b.layer('d', 'dense', [x], { units: 4, bias: true, activation: 'leaky_relu' });
    const a = b.layer('a', 'leaky_relu', [d], { alpha: 0.3 });
    const g = b.layer('g', 'gru', [a], { units: 3, sequences: true, direction: 'forward', recurrent_activation: 'hard_sigmoid', reset_after: false }, mask);
    b.output('g', g, mask);
    const m = b.build();
    const dir = join(root, 'snake');
    await m.save(dir);
    const back = await loadModel(dir);
    const x0 = tf.tensor3d([[[1, -2, 3], [-4, 5, -6], [0, 0, 0]]]);
    expect(Array.from(back.predict({ x: x0 })['g']!.dataSync())).toEqual(Array.from(m.predict({ x: x0 })['g']!.dataSync()));
  });

  it('overwrites a previous save in place, leaving no temporary files', async () => {
    const dir = join(root, 'twice');
    await tagger(1).save(dir);
    const second = tagger(2);
    await second.save(dir);
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    const back = await loadModel(dir);
    expect(Array.from(back.weights[0]!.read().dataSync())).toEqual(Array.from(second.weights[0]!.read().dataSync()));
  });

  it('refuses a folder without a manifest, and a tfjs model that seqnet did not save', async () => {
    const bare = join(root, 'bare');
    const plain = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    await plain.save(dirSaveHandler(bare));
    await expect(loadModel(bare)).rejects.toThrow(/manifest\.json/);
    await writeFile(join(bare, 'manifest.json'), JSON.stringify({ manifestVersion: 1, name: 'P', inputs: [], targets: [], outputs: [], fills: [] }));
    await expect(loadModel(bare)).rejects.toThrow(/no seqnet graph spec/);
    await writeFile(join(bare, 'manifest.json'), JSON.stringify({ manifestVersion: 2 }));
    await expect(loadModel(bare)).rejects.toThrow(/manifestVersion 2, expected 1/);
  });
});
