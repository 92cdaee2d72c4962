import { describe, expect, it } from 'vitest';
import { backendInfo, backendName, initBackend } from '../../../src/runtime/backend.js';
import { padBatch } from '../../../src/runtime/data.js';
import { tf } from '../../../src/runtime/tf.js';
import { maxAbsDiff, pooled, rng, sequence } from './model-fixtures.js';

// Neither tfjs-node package is installed here: the default order must fall through to WASM.
describe('initBackend', () => {
  it('falls through tfjs-node-gpu and tfjs-node to WASM by default', async () => {
    expect(await initBackend({ env: {} })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(backendName()).toBe('wasm');
    const info = backendInfo()!;
    expect(info.forced).toBe(false);
    expect(info.skipped.map((s) => s.backend)).toEqual(['gpu', 'node']);
    expect(info.skipped[0]!.error).toMatch(/tfjs-node-gpu/);
  });

  it('runs and trains a model on WASM (conv1d, batch norm) as on CPU', async () => {
    await initBackend({ env: { SEQNET_BACKEND: 'cpu' } });
    const m = pooled(6);
    const r = rng(4);
    const batch = padBatch([6, 2, 9, 4].map((L) => ({ x: sequence(r, L, 2), y: [r()] })), m.manifest);
    const onCpu = m.predict(batch.inputs);
    const cpuH = Array.from(onCpu['h']!.dataSync());
    const cpuScore = Array.from(onCpu['score']!.dataSync());

    expect(await initBackend({ env: { SEQNET_BACKEND: 'wasm' } })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = m.predict(batch.inputs);
    expect(maxAbsDiff(Array.from(onWasm['h']!.dataSync()), cpuH)).toBeLessThan(1e-5);
    expect(maxAbsDiff(Array.from(onWasm['score']!.dataSync()), cpuScore)).toBeLessThan(1e-5);
    const opt = tf.train.adam(0.05);
    const first = m.trainStep(batch.inputs, batch.targets, opt);
    let last = first;
    for (let i = 0; i < 20; i++) last = m.trainStep(batch.inputs, batch.targets, opt);
    expect(Number.isFinite(first)).toBe(true);
    expect(last).toBeLessThan(first);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('SEQNET_BACKEND forces one, and fails loudly when it cannot be had', async () => {
    expect(await initBackend({ env: { SEQNET_BACKEND: 'cpu' } })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(backendInfo()!.forced).toBe(true);
    await expect(initBackend({ env: { SEQNET_BACKEND: 'node' } })).rejects.toThrow(/backend node was forced but cannot be used: .*tfjs-node/);
    await expect(initBackend({ env: { SEQNET_BACKEND: 'gpu' } })).rejects.toThrow(/backend gpu was forced/);
    await expect(initBackend({ env: { SEQNET_BACKEND: 'tpu' } })).rejects.toThrow(/SEQNET_BACKEND=tpu: expected one of gpu, node, wasm, cpu, webgl/);
    // The variable wins over the option.
    expect(await initBackend({ env: { SEQNET_BACKEND: 'WASM' }, backend: 'cpu' })).toBe('wasm');
    expect(await initBackend({ env: {}, backend: 'cpu' })).toBe('cpu');
    expect(backendName()).toBe('cpu');
  });
});
