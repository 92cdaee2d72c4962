/**
 * Puts a faster kernel in place of one of tfjs', for one backend and the
 * whole process (see cpu-kernels.ts and wasm-kernels.ts).
 */
import { tf } from './tf.js';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Replaces tfjs' kernel `name` on `backend` by `fast`, which returns
 * undefined to hand a call back to the original (a dtype or shape it does
 * not cover). Nothing happens when tfjs has no such kernel.
 */
export function replaceKernel(name: string, backend: string, fast: (args: KernelArgs) => tf.TensorInfo | undefined): void {
  const original = tf.getKernel(name, backend);
  if (original === undefined) return;
  tf.unregisterKernel(name, backend);
  tf.registerKernel({
    kernelName: name,
    backendName: backend,
    kernelFunc: (args) => fast(args) ?? (original.kernelFunc(args) as tf.TensorInfo),
  });
}
