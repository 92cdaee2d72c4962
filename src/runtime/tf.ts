/**
 * The one tfjs namespace the runtime uses. Native backends (tfjs-node,
 * tfjs-node-gpu) register themselves into this same engine, so callers and
 * the runtime always build tensors with one engine.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
