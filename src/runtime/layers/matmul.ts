/**
 * `a @ b` whose gradient never asks matMul for a transposed operand. tfjs's
 * own matMul gradient does (dA = dY @ B^T, dB = A^T @ dY with transpose
 * flags), and WASM's matMul falls back to a naive loop whenever a transpose
 * flag is set: for dense(128) over 6,400 rows one weight-gradient product took
 * about 38 ms that way and 5-7 ms with the transposes made explicit.
 */
import { tf } from '../tf.js';

// customGrad passes the inputs and then `save` as one rest list.
const plain = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
});

export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return plain(a, b) as tf.Tensor2D;
}
