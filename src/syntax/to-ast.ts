/**
 * CST -> AST for files and models, removing sugar: `a |> f(p: 1)` becomes
 * `f(a, p: 1)` and `a + b` becomes `add(a, b)`.
 *
 * After a syntax error the CST may be partial. A node missing something it
 * cannot be without (a binding's value, a call's name) is dropped; broken
 * members of lists (arguments, pipe steps, statements) are left out.
 */
import type { CstNode } from 'chevrotain';
import type {
  BindingStmt,
  CallExpr,
  Expr,
  FileAst,
  InputStmt,
  LayerDecl,
  Literal,
  LossStmt,
  MaskClause,
  MaskSource,
  ModelDecl,
  NamedArg,
  OutputStmt,
  Stmt,
  TargetStmt,
  TensorTypeExpr,
  DimExpr,
} from './ast.js';
import { between, child, has, ident, nodes, nodeSpan, token, tokens, tokenSpan } from './cst.js';
import { numberOrGuess, stringValue } from './lex.js';
import { buildLayer } from './layer-ast.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile, Span } from '../diagnostics/span.js';

export interface BuildContext {
  readonly file: SourceFile;
  readonly diagnostics: Diagnostic[];
}

export function buildFile(cst: CstNode | undefined, ctx: BuildContext): FileAst {
  const models: ModelDecl[] = [];
  const layers: LayerDecl[] = [];
  if (cst) {
    for (const m of nodes(cst, 'model')) push(models, buildModel(m, ctx));
    for (const l of nodes(cst, 'layer')) push(layers, buildLayer(l, ctx));
  }
  return { kind: 'File', models, layers, span: { start: 0, end: ctx.file.text.length } };
}

export function push<T>(list: T[], item: T | undefined): void {
  if (item !== undefined) list.push(item);
}

function buildModel(n: CstNode, ctx: BuildContext): ModelDecl | undefined {
  const name = ident(token(n, 'Identifier'));
  const span = nodeSpan(n);
  if (!name || !span) return undefined;
  const stmts: Stmt[] = [];
  for (const s of nodes(n, 'statement')) push(stmts, buildStatement(s, ctx));
  return { kind: 'Model', name, stmts, span };
}

function buildStatement(n: CstNode, ctx: BuildContext): Stmt | undefined {
  // The statement's span includes its `;`; the kinds' own CST nodes do not.
  const span = nodeSpan(n);
  if (!span) return undefined;
  const input = child(n, 'inputStmt');
  if (input) return buildInput(input, span, ctx);
  const target = child(n, 'targetStmt');
  if (target) return buildTarget(target, span, ctx);
  const output = child(n, 'outputStmt');
  if (output) return buildOutput(output, span);
  const loss = child(n, 'lossStmt');
  if (loss) return buildLoss(loss, span, ctx);
  const binding = child(n, 'binding');
  if (binding) return buildBinding(binding, span, ctx);
  return undefined;
}

function buildInput(n: CstNode, span: Span, ctx: BuildContext): InputStmt | undefined {
  const name = ident(token(n, 'Identifier'));
  const type = buildModelType(child(n, 'modelType'), ctx);
  if (!name || !type) return undefined;
  const clause = child(n, 'maskClause');
  const mask = clause ? buildMaskClause(clause, ctx) : undefined;
  return mask ? { kind: 'Input', name, type, mask, span } : { kind: 'Input', name, type, span };
}

function buildMaskClause(n: CstNode, ctx: BuildContext): MaskClause | undefined {
  const span = nodeSpan(n);
  const source = buildMaskSource(child(n, 'maskSource'));
  if (!span || !source) return undefined;
  const padded = token(n, 'Padded');
  if (padded && !has(n, 'Comma')) {
    ctx.diagnostics.push(
      diagnostic('SN0103', 'expected `,` before `padded`', { file: ctx.file, span: tokenSpan(padded), help: 'write `masked by zeros, padded post`' }),
    );
  }
  const word = token(n, 'Post') ?? token(n, 'Pre');
  if (padded && word) {
    const value = word.image === 'pre' ? 'pre' : 'post';
    return { source, layout: { value, span: between(tokenSpan(padded), tokenSpan(word)) }, span };
  }
  return { source, span };
}

function buildMaskSource(n: CstNode | undefined): MaskSource | undefined {
  const span = nodeSpan(n);
  if (!n || !span) return undefined;
  if (has(n, 'Zeros')) return { kind: 'zeros', span };
  if (has(n, 'Value')) {
    const num = token(n, 'NumberLit');
    const v = num ? numberOrGuess(num.image)?.value : undefined;
    if (v === undefined || !has(n, 'RParen')) return undefined;
    return { kind: 'value', value: has(n, 'Minus') ? -v : v, span };
  }
  const input = ident(token(n, 'Identifier'));
  if (!input) return undefined;
  if (has(n, 'Lengths')) return has(n, 'RParen') ? { kind: 'lengths', input, span } : undefined;
  return { kind: 'input', input, span };
}

function buildTarget(n: CstNode, span: Span, ctx: BuildContext): TargetStmt | undefined {
  const name = ident(token(n, 'Identifier'));
  const type = buildModelType(child(n, 'modelType'), ctx);
  if (!name || !type) return undefined;
  return { kind: 'Target', name, type, span };
}

/** `f32[B, T, 40]`: dims are names or whole numbers. */
function buildModelType(n: CstNode | undefined, ctx: BuildContext): TensorTypeExpr | undefined {
  const span = nodeSpan(n);
  const dtype = n ? ident(token(n, 'DType')) : undefined;
  if (!n || !span || !dtype || !has(n, 'RBracket')) return undefined;
  const dims: DimExpr[] = [];
  for (const d of nodes(n, 'modelDim')) {
    const name = token(d, 'Identifier');
    if (name) {
      dims.push({ kind: 'Ref', name: name.image, prime: false, span: tokenSpan(name) });
      continue;
    }
    const num = token(d, 'NumberLit');
    const guess = num ? numberOrGuess(num.image) : undefined;
    if (!num || !guess) return undefined;
    if (!/^[0-9]+$/.test(guess.text)) {
      if (guess.text !== num.image) return undefined; // an invalid number, already reported
      ctx.diagnostics.push(
        diagnostic('SN0103', `expected a dimension (a name or a whole number), found \`${num.image}\``, {
          file: ctx.file,
          span: tokenSpan(num),
        }),
      );
      return undefined;
    }
    dims.push({ kind: 'Num', value: guess.value, span: tokenSpan(num) });
  }
  return { kind: 'TensorType', dtype, dims, span };
}

function buildBinding(n: CstNode, span: Span, ctx: BuildContext): BindingStmt | undefined {
  const name = ident(token(n, 'Identifier'));
  const value = buildExpr(child(n, 'expr'), ctx);
  if (!name || !value) return undefined;
  return { kind: 'Binding', name, value, span };
}

function buildOutput(n: CstNode, span: Span): OutputStmt | undefined {
  const names = tokens(n, 'Identifier').map((t) => ident(t)!);
  if (names.length === 0) return undefined;
  return { kind: 'Output', names, span };
}

function buildLoss(n: CstNode, span: Span, ctx: BuildContext): LossStmt | undefined {
  const c = child(n, 'call');
  const call = c ? buildCall(c, 'call', [], undefined, ctx) : undefined;
  if (!call) return undefined;
  return { kind: 'Loss', call, span };
}

// ---------------------------------------------------------------- expressions

/** `sum { "|>" call }`: each step is a call with the value so far as its first argument. */
function buildExpr(n: CstNode | undefined, ctx: BuildContext): Expr | undefined {
  const sumNode = n ? child(n, 'sum') : undefined;
  const start = nodeSpan(sumNode);
  let acc = buildSum(sumNode, ctx);
  if (!n || !acc || !start) return undefined;
  for (const c of nodes(n, 'call')) {
    const end = nodeSpan(c);
    if (!end) continue;
    acc = buildCall(c, 'pipe', [acc], between(start, end), ctx) ?? acc;
  }
  return acc;
}

/** `primary { "+" primary }`: left-associated `add` calls, the callee spanning the `+`. */
function buildSum(n: CstNode | undefined, ctx: BuildContext): Expr | undefined {
  if (!n) return undefined;
  const operands = nodes(n, 'primary');
  const pluses = tokens(n, 'Plus');
  const first = operands[0];
  const start = nodeSpan(first);
  let acc = buildPrimary(first, ctx);
  if (!acc || !start) return undefined;
  for (let i = 1; i < operands.length; i++) {
    const plus = pluses[i - 1];
    const rightSpan = nodeSpan(operands[i]);
    const right = buildPrimary(operands[i], ctx);
    if (!plus || !right || !rightSpan) continue;
    acc = {
      kind: 'Call',
      callee: { name: 'add', span: tokenSpan(plus) },
      args: [acc, right],
      named: [],
      sugar: 'plus',
      span: between(start, rightSpan),
    };
  }
  return acc;
}

function buildPrimary(n: CstNode | undefined, ctx: BuildContext): Expr | undefined {
  if (!n) return undefined;
  const call = child(n, 'call');
  if (call) return buildCall(call, 'call', [], undefined, ctx);
  const inner = child(n, 'expr');
  if (inner) return has(n, 'RParen') ? buildExpr(inner, ctx) : undefined;
  const name = token(n, 'Identifier');
  return name ? { kind: 'Name', name: name.image, span: tokenSpan(name) } : undefined;
}

function buildCall(
  n: CstNode,
  sugar: CallExpr['sugar'],
  leading: Expr[],
  outerSpan: Span | undefined,
  ctx: BuildContext,
): CallExpr | undefined {
  const callee = ident(token(n, 'Identifier'));
  const span = outerSpan ?? nodeSpan(n);
  // Without its `)` a call is cut short by an error: its arguments cannot be trusted.
  if (!callee || !span || !has(n, 'RParen')) return undefined;
  const args: Expr[] = [...leading];
  const named: NamedArg[] = [];
  for (const a of nodes(n, 'arg')) {
    const na = child(a, 'namedArg');
    if (na) push(named, buildNamedArg(na));
    else push(args, buildExpr(child(a, 'expr'), ctx));
  }
  return { kind: 'Call', callee, args, named, sugar, span };
}

function buildNamedArg(n: CstNode): NamedArg | undefined {
  const name = ident(token(n, 'Identifier'));
  const value = buildLiteral(child(n, 'literal'));
  const span = nodeSpan(n);
  if (!name || !value || !span) return undefined;
  return { name, value, span };
}

function buildLiteral(n: CstNode | undefined): Literal | undefined {
  const span = nodeSpan(n);
  if (!n || !span) return undefined;
  const num = token(n, 'NumberLit');
  if (num) {
    const guess = numberOrGuess(num.image);
    if (!guess) return undefined;
    const minus = has(n, 'Minus');
    return { kind: 'Number', value: minus ? -guess.value : guess.value, text: minus ? `-${guess.text}` : guess.text, span };
  }
  const str = token(n, 'StringLit');
  if (str) return { kind: 'String', value: stringValue(str), span };
  if (has(n, 'True')) return { kind: 'Bool', value: true, span };
  if (has(n, 'False')) return { kind: 'Bool', value: false, span };
  const word = token(n, 'Identifier') ?? token(n, 'DType');
  if (word) return { kind: 'Word', value: word.image, span };
  return undefined;
}
