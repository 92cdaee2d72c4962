/**
 * Window arithmetic of MASKING.md section 7 and the strided views that the
 * window layers are built from. Padding is explicit and independent of `T`
 * (TensorFlow's `same` takes its pad from `T mod s`, which breaks
 * per-sequence equivalence for `s > 1`), and every op runs in `valid` form
 * on the padded input.
 */
import { tf } from '../tf.js';

export type WindowMode = 'same' | 'valid' | 'causal';

export interface WindowGeometry {
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly mode: WindowMode;
}

export function effectiveKernel(g: WindowGeometry): number {
  return (g.kernel - 1) * g.dilation + 1;
}

export function leftPad(g: WindowGeometry): number {
  const kEff = effectiveKernel(g);
  switch (g.mode) {
    case 'same':
      return Math.floor(Math.max(kEff - g.stride, 0) / 2);
    case 'causal':
      return kEff - 1;
    case 'valid':
      return 0;
  }
}

/** Output length for an input of length `length` (also the output mask's real length, post layout). */
export function outputLength(g: WindowGeometry, length: number): number {
  if (g.mode === 'valid') return Math.max(0, Math.floor((length - effectiveKernel(g)) / g.stride) + 1);
  return Math.ceil(length / g.stride);
}

/** The same formula on a tensor of lengths (float32), for the output mask. */
export function outputLengthTensor(g: WindowGeometry, length: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (g.mode === 'valid') {
      return tf.maximum(tf.add(tf.floor(tf.div(tf.sub(length, effectiveKernel(g)), g.stride)), 1), 0);
    }
    return tf.ceil(tf.div(length, g.stride));
  });
}

export function outputLengthOrNull(g: WindowGeometry, length: number | null | undefined): number | null {
  return length == null ? null : outputLength(g, length);
}

/**
 * Pads the time axis of `x` (`[B, T, ...]`) on the left by the geometry's
 * left pad, and on the right far enough that every view below is a
 * contiguous slice (`(k - 1) * d + outLen * s` steps), with `value`.
 */
export function padForWindows(x: tf.Tensor, g: WindowGeometry, outLen: number, value: number): tf.Tensor {
  const left = leftPad(g);
  const steps = x.shape[1]!;
  const right = Math.max(0, (g.kernel - 1) * g.dilation + outLen * g.stride - left - steps);
  if (left === 0 && right === 0) return x;
  const paddings: [number, number][] = x.shape.map((): [number, number] => [0, 0]);
  paddings[1] = [left, right];
  return tf.pad(x, paddings, value);
}

/**
 * View `i` of a padded input `xp` (`[B, Tp, ...]`): step `j` of the view is
 * `xp[j * s + i * d]`, `j < outLen`. A contiguous slice, reshaped to
 * `[B, outLen, s, ...]` and cut at phase 0, so that its gradient exists on
 * every backend (no strided slice).
 */
export function windowView(xp: tf.Tensor, g: WindowGeometry, outLen: number, i: number): tf.Tensor {
  const batch = xp.shape[0]!;
  const rest = xp.shape.slice(2);
  const begin = [0, i * g.dilation, ...rest.map(() => 0)];
  const size = [batch, outLen * g.stride, ...rest];
  const slab = tf.slice(xp, begin, size);
  if (g.stride === 1) return slab;
  const grouped = tf.reshape(slab, [batch, outLen, g.stride, ...rest]);
  const phase0 = tf.slice(grouped, [0, 0, 0, ...rest.map(() => 0)], [batch, outLen, 1, ...rest]);
  return tf.reshape(phase0, [batch, outLen, ...rest]);
}

/** All `kernel` views of `x` padded with `value`. */
export function windowViews(x: tf.Tensor, g: WindowGeometry, outLen: number, value: number): tf.Tensor[] {
  const xp = padForWindows(x, g, outLen, value);
  return Array.from({ length: g.kernel }, (_, i) => windowView(xp, g, outLen, i));
}

/**
 * The output mask of a window layer computed locally from the input mask
 * (`[B, T]`, float 0/1). For the post layout, and the pre layout with stride
 * 1, this equals the lengths formula of section 7: in mode `valid` an output
 * step is real when its whole window is real; in `same`/`causal` when the
 * input step `j * s` is real.
 */
export function localWindowMask(mask: tf.Tensor, g: WindowGeometry, outLen: number): tf.Tensor {
  return tf.tidy(() => {
    const m3 = tf.expandDims(tf.cast(mask, 'float32'), -1);
    let out: tf.Tensor;
    if (g.mode === 'valid') {
      const views = windowViews(m3, g, outLen, 0);
      out = views.reduce((acc, v) => tf.minimum(acc, v));
    } else {
      const anchor: WindowGeometry = { kernel: 1, stride: g.stride, dilation: 1, mode: 'valid' };
      out = windowView(padForWindows(m3, anchor, outLen, 0), anchor, outLen, 0);
    }
    return tf.squeeze(out, [2]);
  });
}
