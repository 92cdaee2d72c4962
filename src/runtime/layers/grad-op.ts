/**
 * An op with a hand-written gradient whose input gradients are computed only
 * when the backward pass asks for them. `tf.customGrad` computes the gradient
 * of every input, even of one no trained weight leads to (the data going into
 * a model's first layer): for the classifier's first conv1d that was three
 * matMuls and the backward of the padding, slicing and transposes, every step.
 * tfjs' own kernels register their gradients as one function per input and
 * the engine calls only those of inputs on a path from a weight; this goes
 * through the same engine entry point (`runKernelFunc`, not in tfjs' typings,
 * pinned with tfjs 4.22; test/unit/runtime/grad-op.test.ts fails if it moves).
 */
import { tf } from '../tf.js';

type Save = (tensors: tf.Tensor[]) => void;

interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: Save) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

/**
 * Runs `forward` on `inputs` (it may `save` tensors the gradient reads; the
 * engine keeps them until the backward pass). `backward(dy, saved)` returns
 * one function per input, called only for inputs whose gradient is needed.
 */
export function gradOp(
  inputs: readonly tf.Tensor[],
  forward: (save: Save) => tf.Tensor,
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => (() => tf.Tensor)[],
): tf.Tensor {
  const engine = tf.engine() as unknown as KernelFuncEngine;
  const named: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => {
    named[i] = t;
  });
  return engine.runKernelFunc({
    forwardFunc: (_backend, save) => forward(save),
    backwardsFunc: (dy, saved) => {
      const fns = backward(dy, saved);
      const map: Record<string, () => tf.Tensor> = {};
      fns.forEach((f, i) => {
        map[i] = f;
      });
      return map;
    },
    inputs: named,
  });
}
