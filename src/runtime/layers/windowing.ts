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

/** Swaps axes 0 and 1 (batch-major <-> time-major). */
export function swapBatchTime(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[0] = 1;
  perm[1] = 0;
  return tf.transpose(x, perm);
}

/**
 * `x[begin : begin + size]` along axis 0. Along the outermost axis a slice
 * is one contiguous copy on every backend; its gradient is built by
 * concatenating zeros on axis 0, because tfjs' own (a pad) runs an
 * index computation per element on the CPU backend.
 */
export function sliceRows(x: tf.Tensor, begin: number, size: number): tf.Tensor {
  const shape = x.shape;
  const rest = shape.slice(1);
  const f = tf.customGrad((...args: unknown[]) => {
    const t = args[0] as tf.Tensor;
    return {
      value: tf.slice(t, [begin, ...rest.map(() => 0)], [size, ...rest]),
      gradFunc: (dy: tf.Tensor) => {
        const after = shape[0]! - begin - size;
        const parts: tf.Tensor[] = [];
        if (begin > 0) parts.push(tf.zeros([begin, ...rest], dy.dtype));
        parts.push(dy);
        if (after > 0) parts.push(tf.zeros([after, ...rest], dy.dtype));
        return parts.length === 1 ? dy : tf.concat(parts, 0);
      },
    };
  });
  return f(x);
}

/**
 * The `kernel` views of `x` (`[B, T, ...]`) for `outLen` output steps, time
 * major: view `i` is `[outLen, B, ...]` with step `j` = input step
 * `j * s - left + i * d`, reading `value` outside `[0, T)`. `outLen` must be
 * at least 1 (callers check sizes in JS).
 *
 * Time-major so that every slice is along the outermost axis (contiguous):
 * the input is padded by concatenation, and a stride `s > 1` is split once
 * into its `s` phases (`phase[p][q] = padded[q * s + p]`), so that each view
 * is a contiguous run of one phase.
 */
export function windowViews(x: tf.Tensor, g: WindowGeometry, outLen: number, value: number): tf.Tensor[] {
  const [batch, steps, ...rest] = x.shape as number[];
  const s = g.stride;
  const left = leftPad(g);
  const needed = Math.max((g.kernel - 1) * g.dilation + outLen * s, left + steps!);
  const total = Math.ceil(needed / s) * s;
  const right = total - left - steps!;
  const parts: tf.Tensor[] = [];
  if (left > 0) parts.push(tf.fill([left, batch!, ...rest], value, x.dtype));
  parts.push(swapBatchTime(x));
  if (right > 0) parts.push(tf.fill([right, batch!, ...rest], value, x.dtype));
  const padded = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  const phaseRows = total / s;
  const phases = new Map<number, tf.Tensor>();
  const split = s === 1 ? padded : swapBatchTime(tf.reshape(padded, [phaseRows, s, batch!, ...rest]));
  const phase = (p: number): tf.Tensor => {
    if (s === 1) return padded;
    let t = phases.get(p);
    if (!t) {
      t = tf.reshape(sliceRows(split, p, 1), [phaseRows, batch!, ...rest]);
      phases.set(p, t);
    }
    return t;
  };
  return Array.from({ length: g.kernel }, (_, i) => {
    const offset = i * g.dilation;
    return sliceRows(phase(offset % s), Math.floor(offset / s), outLen);
  });
}

/**
 * The output mask of a window layer computed locally from the input mask
 * (`[B, T]`, float 0/1). For the post layout, and the pre layout with stride
 * 1, this equals the lengths formula of section 7: in mode `valid` an output
 * step is real when its whole window is real; in `same`/`causal` when the
 * input step `j * s` is real. `outLen` must be at least 1.
 */
export function localWindowMask(mask: tf.Tensor, g: WindowGeometry, outLen: number): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    let out: tf.Tensor;
    if (g.mode === 'valid') {
      out = windowViews(m, g, outLen, 0).reduce((acc, v) => tf.minimum(acc, v));
    } else {
      const anchor: WindowGeometry = { kernel: 1, stride: g.stride, dilation: 1, mode: 'valid' };
      out = windowViews(m, anchor, outLen, 0)[0]!;
    }
    return swapBatchTime(out);
  });
}
