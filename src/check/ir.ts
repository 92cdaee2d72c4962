/**
 * The typed IR that `check` produces, `rewrite` extends with fill nodes, and
 * `emit` turns into code. It holds no CST and no AST nodes of the model, only
 * names, resolved parameters, types and spans.
 */
import type { SourceFile, Span } from '../diagnostics/span.js';
import type { Mask, Pad, ValueType } from './types.js';
import type { Window } from './window.js';

export type ParamValue = number | string | boolean;

export interface SourceRef {
  readonly file: SourceFile;
  readonly span: Span;
}

export type TimeRule =
  | { readonly kind: 'pointwise' }
  | { readonly kind: 'window'; readonly window: Window }
  | { readonly kind: 'recurrent'; readonly direction: string }
  | { readonly kind: 'reduce' }
  | { readonly kind: 'none' };

export interface InputEdge {
  /** The producing node. */
  readonly node: number;
  /** The consumer reads zeros at padded steps here (its `needs`, exact for windows). */
  readonly needsZeros: boolean;
}

interface NodeBase {
  readonly id: number;
  /** The value name (API.md: `h`, `h_1`, fill nodes `<value>__fill`). */
  readonly name: string;
  readonly type: ValueType;
  readonly at: SourceRef;
}

export interface InputNode extends NodeBase {
  readonly kind: 'input';
  readonly role: 'features' | 'lengths' | 'mask' | 'target';
  /** The declared source, for masked features. */
  readonly maskSource?: { readonly mask: Mask; readonly aux?: string };
}

export interface LayerNode extends NodeBase {
  readonly kind: 'layer';
  readonly layer: string;
  /** A user-declared layer's implementation, `path#Export`, relative to its file. */
  readonly impl?: { readonly module: string; readonly exportName: string; readonly file: SourceFile };
  readonly inputs: readonly InputEdge[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly time: TimeRule;
  /** The layer reads a mask (`uses_mask`); on an unmasked value it gets one with every step real. */
  readonly usesMask: boolean;
  /** The mask of the layer's tensor inputs (what it reads with `uses_mask`). */
  readonly inputMask?: Mask;
  /** The parameter count, when the declaration states `weights`. */
  readonly weightCount?: number;
  /** Why the output pad is `any`: the node whose rule made padded steps non-zero. */
  readonly padOrigin?: { readonly node: number; readonly why: string };
}

export interface FillNode extends NodeBase {
  readonly kind: 'fill';
  readonly of: number;
  readonly reason: FillReason;
}

export interface FillReason {
  /** Consumers that read zeros here: `<layer> <line>:<col>` or `output <name> <line>:<col>`. */
  readonly consumers: readonly string[];
  readonly consumerAt: readonly SourceRef[];
  /** The layer that made the padding non-zero. */
  readonly origin: { readonly node: number; readonly name: string; readonly layer: string; readonly at: SourceRef; readonly why: string };
  readonly text: string;
}

export type IrNode = InputNode | LayerNode | FillNode;

export interface IrOutput {
  readonly name: string;
  readonly node: number;
  readonly at: SourceRef;
}

export interface IrLoss {
  readonly layer: string;
  readonly pred: number;
  readonly target: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly mask?: Mask;
  readonly at: SourceRef;
}

export interface IrModel {
  readonly name: string;
  readonly file: SourceFile;
  readonly at: SourceRef;
  /** In topological order (every input precedes its consumers). */
  readonly nodes: IrNode[];
  readonly outputs: IrOutput[];
  readonly losses: IrLoss[];
  /** Every distinct mask, roots first. */
  readonly masks: Mask[];
}
