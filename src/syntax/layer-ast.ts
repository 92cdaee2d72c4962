/**
 * CST -> AST for layer declarations (docs/layer-declarations.md). Rule
 * expressions are all-or-nothing: a rule, default or output whose expression
 * is broken anywhere is left out, since a half-read condition would mean
 * something else.
 */
import type { CstNode, IToken } from 'chevrotain';
import type { DimExpr, Ident, LayerDecl, ParamDecl, ParamType, RArg, RExpr, RuleEntry, TensorTypeExpr } from './ast.js';
import { between, child, has, ident, nodes, nodeSpan, token, tokens, tokenSpan } from './cst.js';
import { numberOrGuess, stringValue } from './lex.js';
import type { BuildContext } from './to-ast.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';

type BinaryOp = Extract<RExpr, { kind: 'Binary' }>['op'];

const SCALARS = new Set(['int', 'float', 'string', 'bool']);

export function buildLayer(n: CstNode, ctx: BuildContext): LayerDecl | undefined {
  const name = ident(token(n, 'Identifier'));
  const span = nodeSpan(n);
  const output = buildRExpr(child(n, 'rexpr'), ctx);
  if (!name || !span || !output) return undefined;
  const params: ParamDecl[] = [];
  for (const p of nodes(n, 'param')) {
    const built = buildParam(p, ctx);
    if (built) params.push(built);
  }
  const rules: RuleEntry[] = [];
  for (const r of nodes(n, 'layerRule')) {
    const key = ident(token(r, 'Identifier'));
    const value = buildRExpr(child(r, 'rexpr'), ctx);
    const rspan = nodeSpan(r);
    if (key && value && rspan) rules.push({ key, value, span: rspan });
  }
  return { kind: 'LayerDecl', name, params, output, rules, span };
}

function buildParam(n: CstNode, ctx: BuildContext): ParamDecl | undefined {
  const name = ident(token(n, 'Identifier') ?? token(n, 'Keyword'));
  const type = buildParamType(child(n, 'paramType'), ctx);
  const span = nodeSpan(n);
  if (!name || !type || !span) return undefined;
  if (!has(n, 'Eq')) return { name, type, span };
  const def = buildRExpr(child(n, 'rexpr'), ctx);
  return def ? { name, type, default: def, span } : undefined;
}

/**
 * The parser reads `a | b | c` alternatives of one shape; which kind of type
 * they make is decided here: all tensor types, one scalar type name, or enum
 * members (identifiers or dtype keywords).
 */
function buildParamType(n: CstNode | undefined, ctx: BuildContext): ParamType | undefined {
  const span = nodeSpan(n);
  if (!n || !span) return undefined;
  const tensors: TensorTypeExpr[] = [];
  const members: Ident[] = [];
  for (const alt of nodes(n, 'paramAlt')) {
    const tt = child(alt, 'tensorType');
    if (tt) {
      const built = buildTensorType(tt, ctx);
      if (!built) return undefined;
      tensors.push(built);
      continue;
    }
    const word = ident(token(alt, 'Identifier') ?? token(alt, 'DType'));
    if (!word) return undefined;
    members.push(word);
  }
  if (tensors.length > 0 && members.length > 0) {
    ctx.diagnostics.push(
      diagnostic('SN0103', 'a parameter type is either tensor types or enum members, not both', {
        file: ctx.file,
        span,
        help: 'write tensor alternatives like `i32[B, T] | f32[B, T, C]`, or an enum like `same | valid`',
      }),
    );
    return undefined;
  }
  if (tensors.length > 0) return { kind: 'tensor', alternatives: tensors, span };
  if (members.length === 1 && SCALARS.has(members[0]!.name)) {
    return { kind: 'scalar', scalar: members[0]!.name as 'int' | 'float' | 'string' | 'bool', span };
  }
  if (members.length === 0) return undefined;
  return { kind: 'enum', members, span };
}

function buildTensorType(n: CstNode, ctx: BuildContext): TensorTypeExpr | undefined {
  const span = nodeSpan(n);
  const dtype = ident(token(n, 'DType') ?? token(n, 'Identifier'));
  if (!span || !dtype || !has(n, 'RBracket')) return undefined;
  const dims: DimExpr[] = [];
  for (const d of nodes(n, 'tensorDim')) {
    const dots = token(d, 'Ellipsis');
    if (dots) {
      dims.push({ kind: 'Ellipsis', span: tokenSpan(dots) });
      continue;
    }
    const e = buildRExpr(child(d, 'rexpr'), ctx);
    if (!e) return undefined;
    dims.push(e);
  }
  return { kind: 'TensorType', dtype, dims, span };
}

// ---------------------------------------------------------------- rule expressions

/** `or ["?" rexpr ":" rexpr]` */
function buildRExpr(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  if (!n) return undefined;
  const cond = buildChain(child(n, 'orExpr'), 'andExpr', 'OrOr', buildAnd, ctx);
  if (!cond) return undefined;
  if (!has(n, 'Question')) return cond;
  const branches = nodes(n, 'rexpr');
  const then = buildRExpr(branches[0], ctx);
  const otherwise = buildRExpr(branches[1], ctx);
  const span = nodeSpan(n);
  if (!then || !otherwise || !span) return undefined;
  return { kind: 'Cond', cond, then, else: otherwise, span };
}

function buildAnd(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  return buildChain(n, 'notExpr', 'AndAnd', buildNot, ctx);
}

/**
 * A left-associated chain `x op y op z`. Spans come from the operands' CST
 * nodes, which include any parentheses around them.
 */
function buildChain(
  n: CstNode | undefined,
  operandName: string,
  opName: string,
  operand: (n: CstNode | undefined, ctx: BuildContext) => RExpr | undefined,
  ctx: BuildContext,
): RExpr | undefined {
  if (!n) return undefined;
  const parts = nodes(n, operandName);
  const ops = n.children[opName] ?? [];
  if (parts.length === 0 || ops.length !== parts.length - 1) return undefined;
  const start = nodeSpan(parts[0]);
  let acc = operand(parts[0], ctx);
  if (!acc || !start) return undefined;
  for (let i = 1; i < parts.length; i++) {
    const right = operand(parts[i], ctx);
    const end = nodeSpan(parts[i]);
    if (!right || !end) return undefined;
    const op = (ops[i - 1] as IToken).image as BinaryOp;
    acc = { kind: 'Binary', op, left: acc, right, span: between(start, end) };
  }
  return acc;
}

function buildNot(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  if (!n) return undefined;
  const inner = child(n, 'notExpr');
  if (inner) return unary('!', n, buildNot(inner, ctx));
  const cmp = child(n, 'cmpExpr');
  return cmp ? buildChain(cmp, 'arith', 'CmpOp', buildArith, ctx) : undefined;
}

function buildArith(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  return buildChain(n, 'term', 'AddOp', buildTerm, ctx);
}

function buildTerm(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  return buildChain(n, 'unary', 'MulOp', buildUnary, ctx);
}

function buildUnary(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  if (!n) return undefined;
  const inner = child(n, 'unary');
  if (inner) return unary('-', n, buildUnary(inner, ctx));
  return buildPrimary(child(n, 'rprimary'), ctx);
}

function unary(op: '!' | '-', n: CstNode, operand: RExpr | undefined): RExpr | undefined {
  const span = nodeSpan(n);
  return operand && span ? { kind: 'Unary', op, operand, span } : undefined;
}

function buildPrimary(n: CstNode | undefined, ctx: BuildContext): RExpr | undefined {
  const span = nodeSpan(n);
  if (!n || !span) return undefined;
  const num = token(n, 'NumberLit');
  if (num) {
    const guess = numberOrGuess(num.image);
    return guess === undefined ? undefined : { kind: 'Num', value: guess.value, span };
  }
  const str = token(n, 'StringLit');
  if (str) return { kind: 'Str', value: stringValue(str), span };
  if (has(n, 'True')) return { kind: 'BoolLit', value: true, span };
  if (has(n, 'False')) return { kind: 'BoolLit', value: false, span };
  const tt = child(n, 'tensorType');
  if (tt) return buildTensorType(tt, ctx);
  const inner = child(n, 'rexpr');
  if (inner) return has(n, 'RParen') ? buildRExpr(inner, ctx) : undefined;
  const word = token(n, 'KeywordWord');
  if (word) return { kind: 'Ref', name: word.image, prime: false, span };
  const name = token(n, 'Identifier');
  if (!name) return undefined;
  const prime = token(n, 'Prime');
  if (!has(n, 'LParen')) return { kind: 'Ref', name: name.image, prime: prime !== undefined, span };
  if (prime) {
    ctx.diagnostics.push(
      diagnostic('SN0103', "a call cannot be primed: `'` marks a dimension the `time` rule computes, like `T'`", {
        file: ctx.file,
        span: tokenSpan(prime),
      }),
    );
    return undefined;
  }
  if (!has(n, 'RParen')) return undefined;
  const args: RArg[] = [];
  for (const a of nodes(n, 'rarg')) {
    const built = buildRArg(a, ctx);
    if (!built) return undefined;
    args.push(built);
  }
  return { kind: 'RCall', callee: { name: name.image, span: tokenSpan(name) }, args, span };
}

function buildRArg(n: CstNode, ctx: BuildContext): RArg | undefined {
  const value = buildRExpr(child(n, 'rexpr'), ctx);
  const span: Span | undefined = nodeSpan(n);
  if (!value || !span) return undefined;
  const name = tokens(n, 'Identifier')[0];
  if (name && has(n, 'Colon')) return { name: ident(name)!, value, span };
  return { value, span };
}
