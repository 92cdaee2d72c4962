/**
 * Length arithmetic of window layers (MASKING.md section 7), in one place
 * for both symbolic dims (checker) and plain numbers (tests, oracle).
 */
import { Dim } from './dim.js';

export type WindowMode = 'same' | 'valid' | 'causal';

export interface Window {
  readonly size: number;
  readonly stride: number;
  readonly dilation: number;
  readonly mode: WindowMode;
}

export function effectiveSize(w: Window): number {
  return (w.size - 1) * w.dilation + 1;
}

/** Steps of explicit padding on the left; independent of the sequence length. */
export function leftPad(w: Window): number {
  const k = effectiveSize(w);
  switch (w.mode) {
    case 'same':
      return Math.floor(Math.max(k - w.stride, 0) / 2);
    case 'valid':
      return 0;
    case 'causal':
      return k - 1;
  }
}

export function outputLength(w: Window, length: Dim): Dim {
  if (w.mode === 'valid') return length.sub(effectiveSize(w)).floorDiv(w.stride).add(1).max0();
  return length.ceilDiv(w.stride);
}

export function outputLengthNumber(w: Window, length: number): number {
  return outputLength(w, Dim.of(length)).value!;
}

/**
 * Whether the window of some real output step can reach a padded step, so
 * that a layer that `needs: zeros` really needs them (MASKING.md section 4).
 */
export function reachesPadding(w: Window, layout: 'post' | 'pre'): boolean {
  if (w.mode === 'valid') return false;
  const left = leftPad(w);
  return layout === 'post' ? effectiveSize(w) - 1 - left > 0 : left > 0;
}

/**
 * Whether the window of some padded output step can read a real step (the
 * mirror of `reachesPadding`). When it cannot, a layer that maps an all-zero
 * window to zero (`pads: keeps_zeros`) leaves zeros at padded output steps.
 * post: the first padded output reads from `ceil(L / s) * s - left`, which is
 * a real step for some L exactly when left > 0; valid mode from
 * `L' * s <= L - 1` for some L exactly when k_eff > 1. pre (stride 1): the
 * last padded output reaches right by `k_eff - 1 - left`.
 */
export function paddedReachesReal(w: Window, layout: 'post' | 'pre'): boolean {
  const k = effectiveSize(w);
  if (w.mode === 'valid') return k > 1;
  const left = leftPad(w);
  return layout === 'post' ? left > 0 : k - 1 - left > 0;
}
