/**
 * One training step of one model in a fresh process, for its peak RSS
 * (issue 7, item 7): `node --expose-gc dist/bench/child-memory.js
 * <seqnet|masking|plain> <T> [backend]`. Prints one JSON line.
 *
 * Peak RSS is the process's maxRSS (getrusage), so it includes Node, tfjs
 * and the WASM heap; `baseRssMb` is the RSS after the model and the batch
 * are built, before the step, so that the step's own share can be read off.
 */
import { initBackend, tf, type BackendChoice } from '../src/runtime/index.js';
import { baselineStep, registerConvFilterGrad, taggerBaseline } from './baselines.js';
import { compileSeqnet, taggerBatch, taggerText } from './training.js';

const [variant = 'seqnet', tArg = '1000', backendArg = 'wasm'] = process.argv.slice(2);
const T = Number(tArg);
const gc = (globalThis as { gc?: () => void }).gc;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function main(): Promise<void> {
  await initBackend({ backend: backendArg as BackendChoice, env: {} });
  if (variant !== 'seqnet') await registerConvFilterGrad();
  const data = taggerBatch(32, T, 11 + T);
  const optimizer = tf.train.adam(1e-3);
  const seqnet = variant === 'seqnet' ? compileSeqnet(taggerText()) : undefined;
  const baseline = variant === 'seqnet' ? undefined : taggerBaseline(variant === 'masking');
  gc?.();
  const baseRss = process.memoryUsage().rss;
  const baseMaxRss = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const loss = seqnet !== undefined ? seqnet.trainStep(data.inputs, data.targets, optimizer) : await baselineStep(baseline!, data.x, data.y);
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  const out = {
    variant,
    T,
    backend: tf.getBackend(),
    peakRssMb: mb(peak),
    baseRssMb: mb(baseRss),
    peakBeforeStepMb: mb(baseMaxRss),
    stepMs: Math.round(ms),
    loss,
    numTensors: tf.memory().numTensors,
    wasmHeapMb: tf.getBackend() === 'wasm' ? mb((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength) : undefined,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
