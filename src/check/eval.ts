/**
 * The rule interpreter: evaluates the expressions of layer declarations
 * (dims, defaults, rule values, conditions) in the environment of one call.
 */
import type { Span } from '../diagnostics/span.js';
import type { RExpr, TensorTypeExpr } from '../syntax/ast.js';
import { Dim } from './dim.js';
import type { ParamValue } from './ir.js';
import type { WindowMode } from './window.js';

export type PadsRule = 'zeros' | 'keeps_zeros' | 'any';

export type RValue =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'dim'; readonly v: Dim }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'word'; readonly v: string }
  | { readonly k: 'type'; readonly v: TensorTypeExpr }
  | {
      readonly k: 'window';
      readonly size: number;
      readonly stride: number;
      readonly dilation: number;
      readonly mode: WindowMode;
    }
  | { readonly k: 'recurrent'; readonly direction: string };

/** A rule that cannot be evaluated: a defect of the declaration, reported at `span`. */
export class RuleError {
  constructor(
    readonly message: string,
    readonly span: Span,
    /** The parameter whose value the rule rejects, when the rule reads one directly. */
    readonly param?: string,
  ) {}
}

export interface EvalEnv {
  param(name: string): ParamValue | undefined;
  dim(name: string, prime: boolean): Dim | undefined;
  /** The pads rule of the layer an activation names (`pads_of`). */
  padsOf(layer: string, span: Span): PadsRule;
}

export function fromParam(v: ParamValue): RValue {
  if (typeof v === 'number') return { k: 'num', v };
  if (typeof v === 'boolean') return { k: 'bool', v };
  return { k: 'word', v };
}

export function describe(v: RValue): string {
  switch (v.k) {
    case 'num':
      return `number ${v.v}`;
    case 'dim':
      return `dim ${v.v.toString()}`;
    case 'str':
      return `string "${v.v}"`;
    case 'bool':
      return `${v.v}`;
    case 'word':
      return `\`${v.v}\``;
    case 'type':
      return 'a tensor type';
    case 'window':
      return 'window(...)';
    case 'recurrent':
      return 'recurrent(...)';
  }
}

function asDim(v: RValue, span: Span): Dim {
  if (v.k === 'dim') return v.v;
  if (v.k === 'num' && Number.isInteger(v.v)) return Dim.of(v.v);
  throw new RuleError(`expected a whole number or a dim, found ${describe(v)}`, span);
}

function asNumber(v: RValue, span: Span): number {
  if (v.k === 'num') return v.v;
  if (v.k === 'dim' && v.v.isConstant) return v.v.constant;
  throw new RuleError(`expected a number, found ${describe(v)}`, span);
}

function asBool(v: RValue, span: Span): boolean {
  if (v.k === 'bool') return v.v;
  throw new RuleError(`expected a condition, found ${describe(v)}`, span);
}

function asInt(v: RValue, span: Span, what: string): number {
  const n = asNumber(v, span);
  if (!Number.isInteger(n)) throw new RuleError(`${what} must be a whole number, found ${n}`, span);
  return n;
}

function equal(a: RValue, b: RValue): boolean {
  if ((a.k === 'num' || a.k === 'dim') && (b.k === 'num' || b.k === 'dim')) {
    const da = a.k === 'dim' ? a.v : Number.isInteger(a.v) ? Dim.of(a.v) : undefined;
    const db = b.k === 'dim' ? b.v : Number.isInteger(b.v) ? Dim.of(b.v) : undefined;
    if (da && db) return da.equals(db);
    return a.k === 'num' && b.k === 'num' && a.v === b.v;
  }
  // A string literal equals the word it spells: `activation == "none"` and `activation == none`.
  if ((a.k === 'str' || a.k === 'word') && (b.k === 'str' || b.k === 'word')) return a.v === b.v;
  if (a.k === 'bool' && b.k === 'bool') return a.v === b.v;
  return false;
}

export function evaluate(e: RExpr, env: EvalEnv): RValue {
  switch (e.kind) {
    case 'Num':
      return { k: 'num', v: e.value };
    case 'Str':
      return { k: 'str', v: e.value };
    case 'BoolLit':
      return { k: 'bool', v: e.value };
    case 'TensorType':
      return { k: 'type', v: e };
    case 'Ref': {
      if (!e.prime) {
        const p = env.param(e.name);
        if (p !== undefined) return fromParam(p);
      }
      const d = env.dim(e.name, e.prime);
      if (d !== undefined) return { k: 'dim', v: d };
      if (e.prime) throw new RuleError(`\`${e.name}'\` is defined only for a window layer's output`, e.span);
      return { k: 'word', v: e.name };
    }
    case 'Unary': {
      const v = evaluate(e.operand, env);
      if (e.op === '!') return { k: 'bool', v: !asBool(v, e.operand.span) };
      if (v.k === 'dim') return { k: 'dim', v: v.v.scale(-1) };
      return { k: 'num', v: -asNumber(v, e.operand.span) };
    }
    case 'Binary':
      return binary(e, env);
    case 'Cond':
      return asBool(evaluate(e.cond, env), e.cond.span) ? evaluate(e.then, env) : evaluate(e.else, env);
    case 'RCall':
      return call(e, env);
  }
}

function binary(e: Extract<RExpr, { kind: 'Binary' }>, env: EvalEnv): RValue {
  if (e.op === '&&') return { k: 'bool', v: asBool(evaluate(e.left, env), e.left.span) && asBool(evaluate(e.right, env), e.right.span) };
  if (e.op === '||') return { k: 'bool', v: asBool(evaluate(e.left, env), e.left.span) || asBool(evaluate(e.right, env), e.right.span) };
  const l = evaluate(e.left, env);
  const r = evaluate(e.right, env);
  switch (e.op) {
    case '==':
      return { k: 'bool', v: equal(l, r) };
    case '!=':
      return { k: 'bool', v: !equal(l, r) };
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = asNumber(l, e.left.span);
      const b = asNumber(r, e.right.span);
      const v = e.op === '<' ? a < b : e.op === '<=' ? a <= b : e.op === '>' ? a > b : a >= b;
      return { k: 'bool', v };
    }
    case '+':
    case '-':
    case '*': {
      if (l.k === 'dim' || r.k === 'dim') {
        const a = asDim(l, e.left.span);
        const b = asDim(r, e.right.span);
        if (e.op === '+') return { k: 'dim', v: a.add(b) };
        if (e.op === '-') return { k: 'dim', v: a.sub(b) };
        const m = a.mul(b);
        if (!m) throw new RuleError('a product of two symbolic dims is not supported (dims are linear)', e.span);
        return { k: 'dim', v: m };
      }
      const a = asNumber(l, e.left.span);
      const b = asNumber(r, e.right.span);
      return { k: 'num', v: e.op === '+' ? a + b : e.op === '-' ? a - b : a * b };
    }
    case '/':
    case '%': {
      if (l.k === 'dim' && !l.v.isConstant) throw new RuleError('divide a dim with ceil(x / n) or floor(x / n)', e.span);
      const a = asNumber(l, e.left.span);
      const b = asNumber(r, e.right.span);
      if (b === 0) throw new RuleError('division by zero', e.right.span);
      return { k: 'num', v: e.op === '/' ? a / b : a % b };
    }
  }
}

const WINDOW_MODES: readonly string[] = ['same', 'valid', 'causal'];

function call(e: Extract<RExpr, { kind: 'RCall' }>, env: EvalEnv): RValue {
  const name = e.callee.name;
  const named = new Map<string, RExpr>();
  const positional: RExpr[] = [];
  for (const a of e.args) {
    if (a.name) named.set(a.name.name, a.value);
    else positional.push(a.value);
  }
  const arg = (key: string, index: number): RExpr | undefined => named.get(key) ?? positional[index];
  switch (name) {
    case 'window': {
      const size = arg('size', 0);
      if (!size) throw new RuleError('window(...) needs `size:`', e.span);
      const stride = arg('stride', 1);
      const dilation = arg('dilation', 2);
      const mode = arg('mode', 3);
      const m = mode ? evaluate(mode, env) : { k: 'word' as const, v: 'valid' };
      if ((m.k !== 'word' && m.k !== 'str') || !WINDOW_MODES.includes(m.v)) {
        throw new RuleError(`window mode must be same, valid or causal, found ${describe(m)}`, mode?.span ?? e.span);
      }
      // Length arithmetic (MASKING.md section 7) is defined for positive sizes, strides and dilations.
      const positive = (e: RExpr, what: string) => {
        const n = asInt(evaluate(e, env), e.span, what);
        const param = e.kind === 'Ref' && env.param(e.name) !== undefined ? e.name : undefined;
        if (n < 1) throw new RuleError(`${what} must be at least 1, found ${n}`, e.span, param);
        return n;
      };
      return {
        k: 'window',
        size: positive(size, 'window size'),
        stride: stride ? positive(stride, 'window stride') : 1,
        dilation: dilation ? positive(dilation, 'window dilation') : 1,
        mode: m.v as WindowMode,
      };
    }
    case 'recurrent': {
      const d = arg('direction', 0);
      const v = d ? evaluate(d, env) : { k: 'word' as const, v: 'forward' };
      if ((v.k !== 'word' && v.k !== 'str') || !['forward', 'backward', 'both'].includes(v.v)) {
        throw new RuleError(`recurrent direction must be forward, backward or both, found ${describe(v)}`, d?.span ?? e.span);
      }
      return { k: 'recurrent', direction: v.v };
    }
    case 'pads_of': {
      const a = arg('layer', 0);
      if (!a) throw new RuleError('pads_of(...) names a parameter that holds a layer name', e.span);
      const v = evaluate(a, env);
      if (v.k !== 'word' && v.k !== 'str') throw new RuleError(`pads_of expects a layer name, found ${describe(v)}`, a.span);
      if (v.v === 'none') return { k: 'word', v: 'keeps_zeros' };
      return { k: 'word', v: env.padsOf(v.v, a.span) };
    }
    case 'ceil':
    case 'floor': {
      const a = positional[0];
      if (!a || a.kind !== 'Binary' || a.op !== '/') throw new RuleError(`${name}(...) takes one division: ${name}(x / n)`, e.span);
      const num = evaluate(a.left, env);
      const den = asInt(evaluate(a.right, env), a.right.span, 'a divisor');
      if (den <= 0) throw new RuleError('a divisor must be positive', a.right.span);
      if (num.k === 'num' && !Number.isInteger(num.v)) {
        return { k: 'num', v: name === 'ceil' ? Math.ceil(num.v / den) : Math.floor(num.v / den) };
      }
      const d = asDim(num, a.left.span);
      return { k: 'dim', v: name === 'ceil' ? d.ceilDiv(den) : d.floorDiv(den) };
    }
    case 'max':
    case 'min': {
      if (positional.length !== 2) throw new RuleError(`${name}(a, b) takes two values`, e.span);
      const a = evaluate(positional[0]!, env);
      const b = evaluate(positional[1]!, env);
      if (name === 'max' && (a.k === 'dim' || b.k === 'dim')) {
        // max(0, x) is the one symbolic form dims need.
        const da = asDim(a, positional[0]!.span);
        const db = asDim(b, positional[1]!.span);
        if (da.isConstant && da.constant === 0) return { k: 'dim', v: db.max0() };
        if (db.isConstant && db.constant === 0) return { k: 'dim', v: da.max0() };
        if (da.isConstant && db.isConstant) return { k: 'dim', v: Dim.of(Math.max(da.constant, db.constant)) };
        throw new RuleError('max of dims is supported as max(0, x)', e.span);
      }
      const x = asNumber(a, positional[0]!.span);
      const y = asNumber(b, positional[1]!.span);
      return { k: 'num', v: name === 'max' ? Math.max(x, y) : Math.min(x, y) };
    }
    default:
      throw new RuleError(
        `unknown rule function \`${name}\` (known: window, recurrent, pads_of, ceil, floor, max, min)`,
        e.callee.span,
      );
  }
}

export const RULE_FUNCTIONS: readonly string[] = ['window', 'recurrent', 'pads_of', 'ceil', 'floor', 'max', 'min'];
