import type { Span } from '../diagnostics/span.js';
import type { SourceFile } from '../diagnostics/span.js';
import type { DTypeName } from '../syntax/ast.js';
import type { Dim } from './dim.js';
import type { Window } from './window.js';

export type Layout = 'post' | 'pre' | 'holes';
export type Pad = 'zeros' | 'any';

/** Where a mask comes from (MASKING.md section 8). Two inputs masked by the same lengths input share it. */
export type MaskOrigin =
  | { readonly kind: 'zeros'; readonly input: string }
  | { readonly kind: 'value'; readonly input: string; readonly value: number }
  | { readonly kind: 'lengths'; readonly input: string }
  | { readonly kind: 'input'; readonly input: string };

/** A mask, named by its source and its normalised length (MASKING.md section 3). */
export interface Mask {
  /** Identity: masks with equal ids are the same mask. */
  readonly id: string;
  readonly origin: MaskOrigin;
  readonly layout: Layout;
  /** The real length of a row as a dim of the root length `L`; for `holes`, the root. */
  readonly length: Dim;
  /** How the mask was derived: a root mask, or the output mask of a window. */
  readonly parent?: { readonly mask: Mask; readonly window: Window };
  /** Where the root mask was declared, for notes. */
  readonly declaredAt: { readonly file: SourceFile; readonly span: Span };
}

export interface ValueType {
  readonly dtype: DTypeName;
  readonly dims: readonly Dim[];
  readonly mask?: Mask;
  /** What padded steps hold; defined when `mask` is. */
  readonly pad?: Pad;
}

export function formatShape(dims: readonly Dim[]): string {
  return `[${dims.map((d) => d.toString()).join(', ')}]`;
}

export function formatType(t: { dtype: string; dims: readonly Dim[] }): string {
  return `${t.dtype}${formatShape(t.dims)}`;
}

export function maskIdOf(origin: MaskOrigin, layout: Layout, length: Dim): string {
  const src = origin.kind === 'value' ? `value(${origin.value}):${origin.input}` : `${origin.kind}:${origin.input}`;
  return layout === 'holes' ? `${src}/holes` : `${src}/${layout}/${length.key}`;
}
