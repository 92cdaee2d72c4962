/** Activations by their `.seqnet` names, shared by the activation layers and the fused `activation:` of dense/conv1d. */
import { tf } from '../tf.js';

export const ACTIVATIONS = [
  'none',
  'linear',
  'relu',
  'tanh',
  'sigmoid',
  'gelu',
  'softplus',
  'elu',
  'leaky_relu',
  'softmax',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The default slope of `leaky_relu` (LANGUAGE.md section 4). */
export const LEAKY_RELU_ALPHA = 0.2;

export function activate(x: tf.Tensor, name: ActivationName, alpha = LEAKY_RELU_ALPHA): tf.Tensor {
  switch (name) {
    case 'none':
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'gelu':
      // Exact (erf) form: Keras' default and tfjs-layers' `gelu`.
      return tf.tidy(() => tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2))))));
    case 'softplus':
      return tf.softplus(x);
    case 'elu':
      return tf.elu(x);
    case 'leaky_relu':
      return tf.leakyRelu(x, alpha);
    case 'softmax':
      return tf.softmax(x, -1);
  }
}

/**
 * The activation a config names. tfjs camel-cases every string of a layer
 * config when it loads a saved model (`leaky_relu` comes back `leakyRelu`),
 * so both spellings mean the same activation.
 */
export function activationName(raw: string): ActivationName {
  const snake = raw.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (!isActivationName(snake)) throw new Error(`seqnet runtime: unknown activation '${raw}'`);
  return snake;
}

export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}
