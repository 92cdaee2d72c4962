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
import { padBatch, type Nested, type PaddedBatch } from '../../src/runtime/data.js';
import { tf } from '../../src/runtime/index.js';
import type { CompiledModel } from '../../src/runtime/compiled-model.js';
import { pooled, pre, recurrent, rng, sequence, tagger } from '../unit/runtime/model-fixtures.js';

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

/** Loads every saved case of a job file and writes what it predicts: one process for all cases. */
const CHILD = `
import { readFileSync, writeFileSync } from 'node:fs';
import { backendName, initBackend, loadModel, tf } from './src/runtime/index.js';
const [jobPath, outPath] = process.argv.slice(2);
await initBackend();
const tensors = (record) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
const results = {};
for (const job of JSON.parse(readFileSync(jobPath, 'utf8'))) {
  const model = await loadModel(job.dir);
  const inputs = tensors(job.inputs);
  const out = model.predict(inputs);
  const result = { backend: backendName(), outputs: {}, loss: model.loss(inputs, tensors(job.targets)).dataSync()[0] };
  for (const [k, t] of Object.entries(out)) result.outputs[k] = { shape: t.shape, values: Array.from(t.dataSync()) };
  results[job.name] = result;
}
writeFileSync(outPath, JSON.stringify(results));
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

/** Saves each model, runs one child on all of them with `env`, returns what it read, by case name. */
async function roundTrip(
  cases: readonly { name: string; model: CompiledModel; batch: PaddedBatch }[],
  env: Record<string, string | undefined>,
): Promise<Record<string, ChildResult>> {
  const jobs = [];
  for (const { name, model, batch } of cases) {
    const dir = join(work, name);
    await model.save(dir);
    jobs.push({ name, dir, inputs: encode(batch.inputs), targets: encode(batch.targets) });
  }
  const tag = env['SEQNET_BACKEND'] ?? 'default';
  const jobPath = join(work, `jobs.${tag}.json`);
  const outPath = join(work, `results.${tag}.json`);
  await writeFile(jobPath, JSON.stringify(jobs));
  await runChild([jobPath, outPath], env);
  return JSON.parse(await readFile(outPath, 'utf8')) as Record<string, ChildResult>;
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

  async function trainedCase(model: CompiledModel, features: number, target: (L: number) => Nested) {
    const targetName = model.manifest.targets[0]!.name;
    const samples = [5, 1, 8, 3, 6].map((L) => ({ x: sequence(r, L, features), [targetName]: target(L) }));
    const batch = padBatch(samples, model.manifest);
    // Trained a little, so that no weight (nor a batch-norm statistic) is at its initial value.
    const opt = tf.train.adam(0.02);
    for (let i = 0; i < 3; i++) model.trainStep(batch.inputs, batch.targets, opt);
    return batch;
  }

  it('gives identical predictions and loss on CPU', async () => {
    const specs: [string, CompiledModel, number, (L: number) => Nested][] = [
      ['tagger', tagger(31), 3, (L) => Array.from({ length: L }, (_, t) => t % 3)],
      ['pooled', pooled(32), 2, () => [r()]],
      ['pre', pre(33), 2, (L) => Array.from({ length: L }, () => [r(), -r()])],
      ['recurrent', recurrent(35), 2, (L) => L % 2],
    ];
    const cases = [];
    for (const [name, model, features, target] of specs) cases.push({ name, model, batch: await trainedCase(model, features, target) });
    const results = await roundTrip(cases, { SEQNET_BACKEND: 'cpu' });
    for (const { name, model, batch } of cases) {
      const got = results[name]!;
      expect(got.backend).toBe('cpu');
      const want = model.predict(batch.inputs);
      expect(Object.keys(got.outputs).sort(), name).toEqual(Object.keys(want).sort());
      for (const [key, t] of Object.entries(want)) {
        expect(got.outputs[key]!.shape, `${name}.${key}`).toEqual(t.shape);
        // JSON has no -0 (a fill multiplies a negative value by 0): compare numbers, not signs of zero.
        expect(got.outputs[key]!.values, `${name}.${key}`).toEqual(Array.from(t.dataSync(), (v) => v + 0));
      }
      expect(got.loss, `${name} loss`).toBe(model.loss(batch.inputs, batch.targets).dataSync()[0]);
      batch.dispose();
    }
  });

  it('loads on the default backend of a fresh process (WASM here) with the same predictions', async () => {
    const model = recurrent(34);
    const batch = await trainedCase(model, 2, (L) => L % 2);
    const got = (await roundTrip([{ name: 'recurrent-wasm', model, batch }], { SEQNET_BACKEND: undefined }))['recurrent-wasm']!;
    expect(got.backend).toBe('wasm');
    const want = model.predict(batch.inputs);
    for (const key of ['r', 'r_mask', 'logits']) {
      const w = Array.from(want[key]!.dataSync());
      const diff = Math.max(...w.map((v, i) => Math.abs(v - got.outputs[key]!.values[i]!)));
      expect(diff, key).toBeLessThan(1e-5);
    }
    batch.dispose();
  });
});
