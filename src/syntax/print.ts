/**
 * A compact, canonical text form of the AST: sugar shown explicitly
 * (`pipe:relu(x)`, `plus:add(a, b)`), rule expressions fully parenthesised.
 * Used by tests and for debugging; it is not meant to be parsed back.
 */
import type {
  DimExpr,
  Expr,
  FileAst,
  LayerDecl,
  Literal,
  ModelDecl,
  ParamDecl,
  ParamType,
  RExpr,
  Stmt,
  TensorTypeExpr,
} from './ast.js';

export function printAst(file: FileAst): string {
  return [...file.models.map(printModel), ...file.layers.map(printLayer)].join('\n');
}

export function printModel(m: ModelDecl): string {
  return [`model ${m.name.name} {`, ...m.stmts.map((s) => `  ${printStmt(s)};`), '}'].join('\n');
}

export function printStmt(s: Stmt): string {
  switch (s.kind) {
    case 'Input': {
      let out = `input ${s.name.name}: ${printType(s.type)}`;
      if (s.mask) {
        const src = s.mask.source;
        const source =
          src.kind === 'zeros'
            ? 'zeros'
            : src.kind === 'value'
              ? `value(${src.value})`
              : src.kind === 'lengths'
                ? `lengths(${src.input.name})`
                : src.input.name;
        out += ` masked by ${source}`;
        if (s.mask.layout) out += `, padded ${s.mask.layout.value}`;
      }
      return out;
    }
    case 'Target':
      return `target ${s.name.name}: ${printType(s.type)}`;
    case 'Binding':
      return `${s.name.name} = ${printExpr(s.value)}`;
    case 'Output':
      return `output ${s.names.map((n) => n.name).join(', ')}`;
    case 'Loss':
      return `loss ${printExpr(s.call)}`;
  }
}

export function printExpr(e: Expr): string {
  if (e.kind === 'Name') return e.name;
  const args = [...e.args.map(printExpr), ...e.named.map((n) => `${n.name.name}: ${printLiteral(n.value)}`)];
  const prefix = e.sugar === 'call' ? '' : `${e.sugar}:`;
  return `${prefix}${e.callee.name}(${args.join(', ')})`;
}

export function printLiteral(l: Literal): string {
  switch (l.kind) {
    case 'Number':
      return l.text;
    case 'String':
      return JSON.stringify(l.value);
    case 'Bool':
      return String(l.value);
    case 'Word':
      return l.value;
  }
}

export function printType(t: TensorTypeExpr): string {
  return `${t.dtype.name}[${t.dims.map(printDim).join(', ')}]`;
}

function printDim(d: DimExpr): string {
  return d.kind === 'Ellipsis' ? '...' : printRExpr(d);
}

export function printLayer(l: LayerDecl): string {
  const head = `layer ${l.name.name}(${l.params.map(printParam).join(', ')}) -> ${printRExpr(l.output)} {`;
  return [head, ...l.rules.map((r) => `  ${r.key.name}: ${printRExpr(r.value)};`), '}'].join('\n');
}

function printParam(p: ParamDecl): string {
  const def = p.default ? ` = ${printRExpr(p.default)}` : '';
  return `${p.name.name}: ${printParamType(p.type)}${def}`;
}

function printParamType(t: ParamType): string {
  switch (t.kind) {
    case 'tensor':
      return t.alternatives.map(printType).join(' | ');
    case 'scalar':
      return t.scalar;
    case 'enum':
      return `enum(${t.members.map((m) => m.name).join(' | ')})`;
  }
}

export function printRExpr(e: RExpr): string {
  switch (e.kind) {
    case 'Num':
      return String(e.value);
    case 'Str':
      return JSON.stringify(e.value);
    case 'BoolLit':
      return String(e.value);
    case 'Ref':
      return e.prime ? `${e.name}'` : e.name;
    case 'Unary':
      return `(${e.op}${printRExpr(e.operand)})`;
    case 'Binary':
      return `(${printRExpr(e.left)} ${e.op} ${printRExpr(e.right)})`;
    case 'Cond':
      return `(${printRExpr(e.cond)} ? ${printRExpr(e.then)} : ${printRExpr(e.else)})`;
    case 'RCall':
      return `${e.callee.name}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + printRExpr(a.value)).join(', ')})`;
    case 'TensorType':
      return printType(e);
  }
}
