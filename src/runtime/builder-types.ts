/**
 * The contract between the compiler's emitter (and tests) and the runtime.
 * The generated module is a thin program of calls on a `ModelBuilder`: one
 * call per layer, per mask derivation and per fill, in topological order.
 * Every mask is explicit: the builder never relies on tfjs-layers' implicit
 * mask propagation. Masks are float32 0/1 tensors of shape [B, T].
 *
 * All parameters arrive fully resolved (defaults applied by the checker),
 * with the names of LANGUAGE.md section 4.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export type Sym = tfTypes.SymbolicTensor;

export type DType = 'float32' | 'int32' | 'bool';
export type Layout = 'post' | 'pre' | 'holes';
export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

export type MaskSourceSpec =
  | { readonly source: 'zeros'; readonly layout: Layout }
  | { readonly source: 'value'; readonly value: number; readonly layout: Layout }
  /** `aux` names the lengths input (i32 [B]). */
  | { readonly source: 'lengths'; readonly input: string; readonly layout: 'post' | 'pre' }
  /** `aux` names the mask input (bool or float 0/1 [B, T]). */
  | { readonly source: 'input'; readonly input: string; readonly layout: Layout };

export interface WindowSpec {
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly mode: 'same' | 'valid' | 'causal';
  readonly layout: 'post' | 'pre';
}

export interface ModelBuilderApi {
  /** A raw model input (features, ids, lengths or mask) as the user passes it. `shape` excludes nothing: [null, null, 40]. */
  input(name: string, dtype: DType, shape: readonly (number | null)[]): Sym;
  /** A target, as the user passes it; used only by losses. */
  target(name: string, dtype: DType, shape: readonly (number | null)[]): Sym;
  /**
   * A mask source on input `x` (MASKING.md section 8): returns the sanitized
   * input (`where(mask, x, 0)`) and the mask. `aux` is the lengths or mask input.
   */
  maskSource(name: string, x: Sym, spec: MaskSourceSpec, aux?: Sym): { value: Sym; mask: Sym };
  /** The output mask of a window layer, from the input mask's lengths (MASKING.md section 7). */
  windowMask(name: string, mask: Sym, spec: WindowSpec): Sym;
  /** A built-in layer by its `.seqnet` name; `mask` is passed when the layer's rule says `uses_mask`. */
  layer(name: string, kind: string, inputs: readonly Sym[], params: Params, mask?: Sym): Sym;
  /** A user-declared layer: a registered tf.layers.Layer class, called with [...inputs] or [...inputs, mask]. */
  custom(name: string, layer: tfTypes.layers.Layer, inputs: readonly Sym[], mask?: Sym): Sym;
  /** Every step of `x` real (`[B, T]` ones): the mask a mask-reading layer gets on an unmasked value. */
  fullMask(name: string, x: Sym): Sym;
  /** A fill node `x * mask` (every pad is finite). */
  fill(name: string, x: Sym, mask: Sym): Sym;
  /** A declared output; `mask` when it keeps a time axis (then `<name>_mask` is returned beside it). */
  output(name: string, x: Sym, mask?: Sym): void;
  /** A loss term: `kind` is a loss layer name (crossentropy, binary_crossentropy, mse, mae). */
  loss(kind: string, pred: Sym, target: Sym, params: Params, mask?: Sym): void;
}
