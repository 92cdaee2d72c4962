/**
 * tfjs-backend-cpu 4.22 computes Conv2DBackpropFilter (the weight gradient
 * of every tfjs-layers Conv1D) by reading each element through
 * `TensorBuffer.get(...)`: about 12 s per training batch of the demo's
 * baseline, so the baseline could not train within the demo's time budget.
 * This is the same kernel over flat arrays (same loops, same float64
 * accumulation), registered in its place for the demo only and checked
 * against the original before use. It changes how fast the baseline runs,
 * not what it computes.
 */
import { tf } from '../src/runtime/index.js';

interface BackendData {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

interface Attrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** tfjs' CPU filter-gradient loops over flat arrays (float64 accumulation); the bench's baselines use it too. */
export function flatBackpropFilter(x: tf.TensorInfo, dy: tf.TensorInfo, backend: BackendData, attrs: Attrs): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const { strideHeight: sH, strideWidth: sW, filterHeight: fH, filterWidth: fW, inHeight, inWidth, outHeight, outWidth, inChannels: ci, outChannels: co } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const acc = new Float64Array(fH * fW * ci * co);
  for (let wR = 0; wR < fH; wR++) {
    const yR0 = Math.max(0, Math.ceil((top - wR) / sH));
    const yR1 = Math.min(outHeight, (inHeight + top - wR) / sH);
    for (let wC = 0; wC < fW; wC++) {
      const yC0 = Math.max(0, Math.ceil((left - wC) / sW));
      const yC1 = Math.min(outWidth, (inWidth + left - wC) / sW);
      const wBase = (wR * fW + wC) * ci * co;
      for (let b = 0; b < info.batchSize; b++) {
        for (let yR = yR0; yR < yR1; yR++) {
          const xR = wR + yR * sH - top;
          for (let yC = yC0; yC < yC1; yC++) {
            const xC = wC + yC * sW - left;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * ci;
            const dyOff = ((b * outHeight + yR) * outWidth + yC) * co;
            for (let d1 = 0; d1 < ci; d1++) {
              const v = xv[xOff + d1]!;
              if (v === 0) continue;
              const o = wBase + d1 * co;
              for (let d2 = 0; d2 < co; d2++) acc[o + d2]! += v * dyv[dyOff + d2]!;
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(info.filterShape, 'float32', Float32Array.from(acc));
}

/** Replaces the CPU Conv2DBackpropFilter (channels-last, as tfjs-layers uses it) after checking it matches the original. */
export function installFlatConvBackpropFilter(): void {
  const original = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (original === undefined) throw new Error('demo: tfjs has no CPU Conv2DBackpropFilter kernel');
  const kernelFunc = ((args: { inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; backend: unknown; attrs: unknown }) => {
    const attrs = args.attrs as Attrs;
    if (attrs.dataFormat !== 'NHWC') return original.kernelFunc(args as never);
    return flatBackpropFilter(args.inputs.x, args.inputs.dy, args.backend as BackendData, attrs);
  }) as unknown as tf.KernelFunc;

  // The check: both kernels on a small case with stride 1 and 2, 'same' and 'valid'.
  const cases: [number, 'same' | 'valid'][] = [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']];
  const x = tf.randomNormal([3, 1, 11, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([1, 3, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
  const grads = (): tf.Tensor[] => cases.map(([s, p]) => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, [1, s], p)))(w));
  const before = grads();
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc });
  const after = grads();
  const worst = Math.max(...before.map((g, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(g, after[i]!))).dataSync()[0]!)));
  tf.dispose([x, w, ...before, ...after]);
  if (!(worst < 1e-4)) {
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(original);
    throw new Error(`demo: the flat Conv2DBackpropFilter differs from tfjs' by ${worst}`);
  }
}
