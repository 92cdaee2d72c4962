/**
 * Save in this process, load in a fresh `node` process, predict the same.
 *
 * The child runs the runtime as plain JavaScript: this test transpiles
 * src/runtime to a temporary folder itself (per file, as vitest does), so it
 * depends neither on a prior `tsc` nor on `dist/` being fresh.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { padBatch, type PaddedBatch } from '../../src/runtime/data.js';
import { tf } from '../../src/runtime/index.js';
import type { CompiledModel } from '../../src/runtime/compiled-model.js';
import { pooled, pre, rng, sequence, tagger } from '../unit/runtime/model-fixtures.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let work: string;
let child: string;

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await tsFiles(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** src/runtime as ESM JavaScript under `outDir`, resolving packages from the repo's node_modules. */
async function transpileRuntime(outDir: string): Promise<void> {
  for (const file of await tsFiles(join(repo, 'src/runtime'))) {
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = join(outDir, relative(repo, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  await symlink(join(repo, 'node_modules'), join(outDir, 'node_modules'), 'dir');
}

const CHILD = `
import { readFileSync, writeFileSync } from 'node:fs';
import { backendName, initBackend, loadModel, tf } from './src/runtime/index.js';
const [dir, inputsPath, outPath] = process.argv.slice(2);
await initBackend();
const model = await loadModel(dir);
const spec = JSON.parse(readFileSync(inputsPath, 'utf8'));
const tensors = (record) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
const inputs = tensors(spec.inputs);
const out = model.predict(inputs);
const result = { backend: backendName(), outputs: {}, loss: model.loss(inputs, tensors(spec.targets)).dataSync()[0] };
for (const [k, t] of Object.entries(out)) result.outputs[k] = { shape: t.shape, values: Array.from(t.dataSync()) };
writeFileSync(outPath, JSON.stringify(result));
`;

function encode(record: Record<string, tf.Tensor>): Record<string, { shape: number[]; dtype: string; values: number[] }> {
  return Object.fromEntries(
    Object.entries(record).map(([k, t]) => [k, { shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync(), Number) }]),
  );
}

function runChild(args: string[], env: Record<string, string | undefined>): Promise<void> {
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string | undefined> = { ...process.env };
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete childEnv[k];
      else childEnv[k] = v;
    }
    const p = spawn(process.execPath, [child, ...args], { cwd: work, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

interface ChildResult {
  backend: string;
  loss: number;
  outputs: Record<string, { shape: number[]; values: number[] }>;
}

/** Saves `model`, runs the child on `batch` with `env`, returns what it read. */
async function roundTrip(name: string, model: CompiledModel, batch: PaddedBatch, env: Record<string, string | undefined>): Promise<ChildResult> {
  const dir = join(work, name);
  await model.save(dir);
  const inputsPath = join(work, `${name}.inputs.json`);
  const outPath = join(work, `${name}.${env['SEQNET_BACKEND'] ?? 'default'}.out.json`);
  await writeFile(inputsPath, JSON.stringify({ inputs: encode(batch.inputs), targets: encode(batch.targets) }));
  await runChild([dir, inputsPath, outPath], env);
  return JSON.parse(await readFile(outPath, 'utf8')) as ChildResult;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'seqnet-e2e-'));
  await transpileRuntime(work);
  child = join(work, 'child.mjs');
  await writeFile(child, CHILD);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('save -> load in a fresh process', () => {
  const r = rng(21);

  async function trainedCase(model: CompiledModel, features: number, target: (L: number) => unknown) {
    const samples = [5, 1, 8, 3, 6].map((L) => ({ x: sequence(r, L, features), y: target(L) }));
    const batch = padBatch(samples, model.manifest);
    // Trained a little, so that no weight (nor a batch-norm statistic) is at its initial value.
    const opt = tf.train.adam(0.02);
    for (let i = 0; i < 3; i++) model.trainStep(batch.inputs, batch.targets, opt);
    return batch;
  }

  it('gives identical predictions and loss on CPU', async () => {
    const cases: [string, CompiledModel, number, (L: number) => unknown][] = [
      ['tagger', tagger(31), 3, (L) => Array.from({ length: L }, (_, t) => t % 3)],
      ['pooled', pooled(32), 2, () => [r()]],
      ['pre', pre(33), 2, (L) => Array.from({ length: L }, () => [r(), -r()])],
    ];
    for (const [name, model, features, target] of cases) {
      const batch = await trainedCase(model, features, target);
      const got = await roundTrip(name, model, batch, { SEQNET_BACKEND: 'cpu' });
      expect(got.backend).toBe('cpu');
      const want = model.predict(batch.inputs);
      expect(Object.keys(got.outputs).sort(), name).toEqual(Object.keys(want).sort());
      for (const [key, t] of Object.entries(want)) {
        expect(got.outputs[key]!.shape, `${name}.${key}`).toEqual(t.shape);
        expect(got.outputs[key]!.values, `${name}.${key}`).toEqual(Array.from(t.dataSync()));
      }
      expect(got.loss, `${name} loss`).toBe(model.loss(batch.inputs, batch.targets).dataSync()[0]);
      batch.dispose();
    }
  });

  it('loads on the default backend of a fresh process (WASM here) with the same predictions', async () => {
    const model = pooled(34);
    const batch = await trainedCase(model, 2, () => [r()]);
    const got = await roundTrip('pooled-wasm', model, batch, { SEQNET_BACKEND: undefined });
    expect(got.backend).toBe('wasm');
    const want = Array.from(model.predict(batch.inputs)['h']!.dataSync());
    const diff = Math.max(...want.map((v, i) => Math.abs(v - got.outputs['h']!.values[i]!)));
    expect(diff).toBeLessThan(1e-5);
    batch.dispose();
  });
});
