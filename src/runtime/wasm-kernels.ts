/**
 * Kernels the runtime replaces in tfjs 4.22's WASM backend, same results,
 * less time. It applies to the whole tfjs engine of the process (kernels are
 * registered per backend, not per model), so tfjs-layers models running
 * next to seqnet's get it too.
 *
 * Identity: WASM's copies the whole tensor. The engine clones every tensor it
 * keeps for a backward pass (inputs and outputs of each taped op), so a
 * training step copied each activation several times: 114 copies per step of
 * the classifier example. This one shares the buffer and counts a reference,
 * exactly as WASM's own Reshape and the CPU backend's Identity do; tensors
 * are immutable (a Variable's assign swaps buffers, it never writes in place).
 *
 * Cast to the tensor's own dtype: WASM's Cast copies element by element in
 * JS whatever the dtypes (`tf.cast(mask, 'float32')` on a float mask is a
 * full copy); a same-dtype cast now shares the buffer like Identity. Other
 * casts keep the original kernel.
 */
import { replaceKernel } from './replace-kernel.js';
import { tf } from './tf.js';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let installed = false;

function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  // Strings live outside the WASM heap: the original kernels handle them.
  replaceKernel('Identity', 'wasm', ({ inputs, backend }) => {
    const x = inputs['x'] as tf.TensorInfo;
    return x.dtype === 'string' ? undefined : share(x, backend);
  });
  replaceKernel('Cast', 'wasm', ({ inputs, backend, attrs }) => {
    const x = inputs['x'] as tf.TensorInfo;
    return x.dtype === 'string' || attrs?.['dtype'] !== x.dtype ? undefined : share(x, backend);
  });
}
