/**
 * `a @ b` whose gradient never asks matMul for a transposed operand. tfjs's
 * own matMul gradient does (dA = dY @ B^T, dB = A^T @ dY with transpose
 * flags), and WASM's matMul falls back to a naive loop whenever a transpose
 * flag is set: for dense(128) over 6,400 rows one weight-gradient product took
 * about 38 ms that way and 5-7 ms with the transposes made explicit.
 */
import { tf } from '../tf.js';
import { SEQNET_MATMUL } from '../cpu-kernels.js';
import { gradOp } from './grad-op.js';

/** On CPU, seqnet's own loop (cpu-kernels.ts: tfjs' CPU matMul is several times slower on these shapes). */
function product(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() === 'cpu' && a.dtype === 'float32' && b.dtype === 'float32') return tf.engine().runKernel(SEQNET_MATMUL, { a, b });
  return tf.matMul(a, b);
}

export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return gradOp(
    [a, b],
    (save) => {
      save([a, b]);
      return product(a, b);
    },
    (dy, saved) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [() => product(dy as tf.Tensor2D, tf.transpose(sb)), () => product(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  ) as tf.Tensor2D;
}
