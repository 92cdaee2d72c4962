/**
 * The typed AST of a `.seqnet` file. Every node carries the span of the source
 * text it came from. Sugar is removed here: `a |> f(p: 1)` is `f(a, p: 1)` and
 * `a + b` is `add(a, b)` (with `sugar` recording which form was written).
 */
import type { Span } from '../diagnostics/span.js';

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

export interface FileAst {
  readonly kind: 'File';
  readonly models: ModelDecl[];
  readonly layers: LayerDecl[];
  readonly span: Span;
}

// ---------------------------------------------------------------- models

export interface ModelDecl {
  readonly kind: 'Model';
  readonly name: Ident;
  readonly stmts: Stmt[];
  readonly span: Span;
}

export type Stmt = InputStmt | TargetStmt | BindingStmt | OutputStmt | LossStmt;

export type DTypeName = 'f32' | 'i32' | 'bool';

export interface InputStmt {
  readonly kind: 'Input';
  readonly name: Ident;
  readonly type: TensorTypeExpr;
  readonly mask?: MaskClause;
  readonly span: Span;
}

export interface MaskClause {
  readonly source: MaskSource;
  readonly layout?: { readonly value: 'post' | 'pre'; readonly span: Span };
  readonly span: Span;
}

export type MaskSource =
  | { readonly kind: 'zeros'; readonly span: Span }
  | { readonly kind: 'value'; readonly value: number; readonly span: Span }
  | { readonly kind: 'lengths'; readonly input: Ident; readonly span: Span }
  | { readonly kind: 'input'; readonly input: Ident; readonly span: Span };

export interface TargetStmt {
  readonly kind: 'Target';
  readonly name: Ident;
  readonly type: TensorTypeExpr;
  readonly span: Span;
}

export interface BindingStmt {
  readonly kind: 'Binding';
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

export interface OutputStmt {
  readonly kind: 'Output';
  readonly names: Ident[];
  readonly span: Span;
}

export interface LossStmt {
  readonly kind: 'Loss';
  readonly call: CallExpr;
  readonly span: Span;
}

export type Expr = CallExpr | NameExpr;

export interface NameExpr {
  readonly kind: 'Name';
  readonly name: string;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: 'Call';
  readonly callee: Ident;
  /** Tensor arguments, in order (for a pipe step the piped value is first). */
  readonly args: Expr[];
  readonly named: NamedArg[];
  /** How it was written: `f(...)`, `a |> f(...)` or `a + b`. */
  readonly sugar: 'call' | 'pipe' | 'plus';
  readonly span: Span;
}

export interface NamedArg {
  readonly name: Ident;
  readonly value: Literal;
  readonly span: Span;
}

export type Literal =
  | { readonly kind: 'Number'; readonly value: number; readonly text: string; readonly span: Span }
  | { readonly kind: 'String'; readonly value: string; readonly span: Span }
  | { readonly kind: 'Bool'; readonly value: boolean; readonly span: Span }
  /** An enum value such as `same`, or a dtype keyword such as `f32`. */
  | { readonly kind: 'Word'; readonly value: string; readonly span: Span };

// ---------------------------------------------------------------- types

/** `f32[B, T, 40]`; in layer declarations also `D[B, ..., C]`, `f32[B, T', 2 * units]`, `f32[]`. */
export interface TensorTypeExpr {
  readonly kind: 'TensorType';
  /** A dtype keyword, or (in declarations) a dtype variable / dtype-valued parameter. */
  readonly dtype: Ident;
  readonly dims: DimExpr[];
  readonly span: Span;
}

/** In a model: a Name or a Num. In a declaration: any rule expression, or `...`. */
export type DimExpr = RExpr | EllipsisDim;

export interface EllipsisDim {
  readonly kind: 'Ellipsis';
  readonly span: Span;
}

// ---------------------------------------------------------------- layer declarations

export interface LayerDecl {
  readonly kind: 'LayerDecl';
  readonly name: Ident;
  readonly params: ParamDecl[];
  /** A TensorType, or a conditional choosing between TensorTypes. */
  readonly output: RExpr;
  readonly rules: RuleEntry[];
  readonly span: Span;
}

export interface ParamDecl {
  readonly name: Ident;
  readonly type: ParamType;
  readonly default?: RExpr;
  readonly span: Span;
}

export type ParamType =
  | { readonly kind: 'tensor'; readonly alternatives: TensorTypeExpr[]; readonly span: Span }
  | { readonly kind: 'scalar'; readonly scalar: 'int' | 'float' | 'string' | 'bool'; readonly span: Span }
  | { readonly kind: 'enum'; readonly members: Ident[]; readonly span: Span };

export interface RuleEntry {
  /** `time`, `needs`, `pads`, `uses_mask`, `impl` (others are reported by the checker). */
  readonly key: Ident;
  readonly value: RExpr;
  readonly span: Span;
}

/** Expressions of declarations: dims, defaults, rule values, conditions. */
export type RExpr =
  | { readonly kind: 'Num'; readonly value: number; readonly span: Span }
  | { readonly kind: 'Str'; readonly value: string; readonly span: Span }
  | { readonly kind: 'BoolLit'; readonly value: boolean; readonly span: Span }
  /** A parameter, a dim variable (`T`, with `prime` for `T'`), or a word (`zeros`, `pointwise`, `same`). */
  | { readonly kind: 'Ref'; readonly name: string; readonly prime: boolean; readonly span: Span }
  | { readonly kind: 'Unary'; readonly op: '!' | '-'; readonly operand: RExpr; readonly span: Span }
  | {
      readonly kind: 'Binary';
      readonly op: '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';
      readonly left: RExpr;
      readonly right: RExpr;
      readonly span: Span;
    }
  | { readonly kind: 'Cond'; readonly cond: RExpr; readonly then: RExpr; readonly else: RExpr; readonly span: Span }
  /** `window(size: kernel, ...)`, `recurrent(direction: direction)`, `ceil(T / 2)`, `pads_of(activation)`. */
  | { readonly kind: 'RCall'; readonly callee: Ident; readonly args: RArg[]; readonly span: Span }
  | TensorTypeExpr;

export interface RArg {
  readonly name?: Ident;
  readonly value: RExpr;
  readonly span: Span;
}
