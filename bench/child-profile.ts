/**
 * Seqnet training steps (the tagger or the classifier) for a profiler, in a process of their own:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/child-profile.js [T=200] [steps=5] [backend=wasm] [tagger|classifier]
 *
 * It runs 2 warm-up steps and then `steps` more; the profile covers the
 * whole process (start-up, compile, warm-up included), so the printed step
 * times tell how much of it is the steady state.
 */
import { initBackend, tf, type BackendChoice } from '../src/runtime/index.js';
import { seqnetWorkload } from './training.js';

const [tArg = '200', stepsArg = '5', backendArg = 'wasm', which = 'tagger'] = process.argv.slice(2);
const T = Number(tArg);

async function main(): Promise<void> {
  await initBackend({ backend: backendArg as BackendChoice, env: {} });
  const { model, data } = seqnetWorkload(which === 'tagger' ? 'tagger' : 'classifier', T);
  const optimizer = tf.train.adam(1e-3);
  const times: number[] = [];
  for (let i = 0; i < 2 + Number(stepsArg); i++) {
    const t0 = performance.now();
    model.trainStep(data.inputs, data.targets, optimizer);
    times.push(Math.round(performance.now() - t0));
  }
  process.stdout.write(`${JSON.stringify({ which, T, backend: tf.getBackend(), stepMs: times })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
