/**
 * Kernel-level profile of one seqnet training step (tf.profile), in a
 * process of its own: which kernels take the time and how many run.
 *
 *   node dist/bench/kernel-profile.js [tagger|classifier] [T=200] [backend=wasm]
 */
import { initBackend, tf, type BackendChoice } from '../src/runtime/index.js';
import { seqnetWorkload } from './training.js';

const [which = 'classifier', tArg = '200', backendArg = 'wasm'] = process.argv.slice(2);
const T = Number(tArg);

async function main(): Promise<void> {
  await initBackend({ backend: backendArg as BackendChoice, env: {} });
  const { model, data } = seqnetWorkload(which === 'tagger' ? 'tagger' : 'classifier', T);
  const optimizer = tf.train.adam(1e-3);
  for (let i = 0; i < 3; i++) model.trainStep(data.inputs, data.targets, optimizer);
  const t0 = performance.now();
  const info = await tf.profile(() => { model.trainStep(data.inputs, data.targets, optimizer); });
  const wall = performance.now() - t0;
  const byName = new Map<string, { n: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const e = byName.get(key) ?? { n: 0, ms: 0 };
    e.n++; e.ms += ms; byName.set(key, e);
  }
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  process.stdout.write(`${[...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}:${n}`).join(" ")}\n`);
  const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40);
  for (const [k, v] of rows) process.stdout.write(`${v.ms.toFixed(2).padStart(8)} ms ${String(v.n).padStart(4)}x  ${k}\n`);
  process.stdout.write(`kernels ${info.kernels.length}, kernel time ${total.toFixed(1)} ms, wall (profiled) ${wall.toFixed(1)} ms\n`);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) { const s = performance.now(); model.trainStep(data.inputs, data.targets, optimizer); times.push(performance.now() - s); }
  times.sort((a, b) => a - b);
  process.stdout.write(`unprofiled step median ${times[5]!.toFixed(1)} ms min ${times[0]!.toFixed(1)}\n`);
}

main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`); process.exitCode = 1; });
