/**
 * Layer declarations, from `specs/` (built-in) and from user files, checked
 * once so that the rule interpreter can trust their form.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile, Span } from '../diagnostics/span.js';
import type { Ident, LayerDecl, ParamDecl, RExpr, RuleEntry, TensorTypeExpr } from '../syntax/ast.js';
import { RULE_FUNCTIONS } from './eval.js';

export const RULE_KEYS = ['time', 'needs', 'pads', 'uses_mask', 'impl', 'requires', 'weights'] as const;
export type RuleKey = (typeof RULE_KEYS)[number];

const RULE_WORDS = ['zeros', 'any', 'keeps_zeros', 'pointwise', 'reduce', 'none', 'same', 'valid', 'causal', 'forward', 'backward', 'both'];
const DTYPES = ['f32', 'i32', 'bool'];

export interface LayerDef {
  readonly name: string;
  readonly decl: LayerDecl;
  readonly file: SourceFile;
  readonly builtin: boolean;
  readonly tensorParams: readonly ParamDecl[];
  readonly scalarParams: readonly ParamDecl[];
  readonly rules: ReadonlyMap<Exclude<RuleKey, 'requires'>, RuleEntry>;
  readonly requires: readonly RuleEntry[];
  /** A layer with a scalar output (`f32[]`) is a loss. */
  readonly isLoss: boolean;
  readonly impl?: { readonly module: string; readonly exportName: string };
}

export class LayerLibrary {
  private readonly defs = new Map<string, LayerDef>();
  /** Layers whose declaration was rejected (already reported): a call to one is not "unknown" too. */
  private readonly rejected = new Set<string>();

  get(name: string): LayerDef | undefined {
    return this.defs.get(name);
  }

  isRejected(name: string): boolean {
    return this.rejected.has(name) && !this.defs.has(name);
  }

  names(): string[] {
    return [...this.defs.keys()].sort();
  }

  all(): LayerDef[] {
    return [...this.defs.values()];
  }

  /** A library extended with a file's own declarations (the built-ins stay shared). */
  extend(decls: readonly { decl: LayerDecl; file: SourceFile }[], diagnostics: Diagnostic[]): LayerLibrary {
    const lib = new LayerLibrary();
    for (const [k, v] of this.defs) lib.defs.set(k, v);
    for (const k of this.rejected) lib.rejected.add(k);
    for (const { decl, file } of decls) lib.add(decl, file, false, diagnostics);
    return lib;
  }

  /** The built-in losses, as a help text lists them: `a, b and c`. */
  private lossNames(): string {
    const names = this.all().filter((d) => d.isLoss && d.builtin).map((d) => d.name);
    return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
  }

  static builtin(decls: readonly { decl: LayerDecl; file: SourceFile }[], diagnostics: Diagnostic[]): LayerLibrary {
    const lib = new LayerLibrary();
    for (const { decl, file } of decls) lib.add(decl, file, true, diagnostics);
    return lib;
  }

  private add(decl: LayerDecl, file: SourceFile, builtin: boolean, out: Diagnostic[]): void {
    const bad = (message: string, span: Span, help?: string) =>
      out.push(diagnostic('SN0215', message, { file, span, help }));
    const prior = this.defs.get(decl.name.name);
    if (prior) {
      out.push(
        diagnostic('SN0209', `layer \`${decl.name.name}\` is declared twice`, {
          file,
          span: decl.name.span,
          notes: [{ message: prior.builtin ? 'it is a built-in layer' : 'first declared here', span: prior.decl.name.span, file: prior.file }],
          help: 'choose another name',
        }),
      );
      return;
    }
    const before = out.length;
    const seen = new Map<string, Ident>();
    for (const p of decl.params) {
      const first = seen.get(p.name.name);
      if (first) bad(`parameter \`${p.name.name}\` is declared twice`, p.name.span);
      seen.set(p.name.name, p.name);
    }
    const tensorParams = decl.params.filter((p) => p.type.kind === 'tensor');
    const scalarParams = decl.params.filter((p) => p.type.kind !== 'tensor');
    if (tensorParams.length === 0) bad(`layer \`${decl.name.name}\` takes no tensor`, decl.name.span, 'declare a tensor parameter such as `x: f32[B, T, C]`');
    const firstScalar = decl.params.findIndex((p) => p.type.kind !== 'tensor');
    const lateTensor = decl.params.findIndex((p, i) => p.type.kind === 'tensor' && firstScalar >= 0 && i > firstScalar);
    if (lateTensor >= 0) bad('tensor parameters come before the other parameters', decl.params[lateTensor]!.name.span);
    for (const p of tensorParams) if (p.default) bad('a tensor parameter has no default', p.default.span);

    const rules = new Map<Exclude<RuleKey, 'requires'>, RuleEntry>();
    const requires: RuleEntry[] = [];
    for (const r of decl.rules) {
      const key = r.key.name;
      if (!(RULE_KEYS as readonly string[]).includes(key)) {
        bad(`unknown rule \`${key}\``, r.key.span, `rules are ${RULE_KEYS.join(', ')}`);
        continue;
      }
      if (key === 'requires') {
        requires.push(r);
        continue;
      }
      const k = key as Exclude<RuleKey, 'requires'>;
      if (rules.has(k)) bad(`rule \`${key}\` is given twice`, r.key.span);
      rules.set(k, r);
    }
    if (!rules.has('time')) bad(`layer \`${decl.name.name}\` has no \`time\` rule`, decl.name.span, 'add `time: pointwise;` (or window(...), recurrent(...), reduce, none)');

    // Names a rule may mention: parameters, dim variables of the tensor types, rule words, enum members.
    const known = new Set<string>([...RULE_WORDS, ...DTYPES]);
    for (const p of decl.params) {
      known.add(p.name.name);
      if (p.type.kind === 'enum') for (const m of p.type.members) known.add(m.name);
      if (p.type.kind === 'tensor') for (const t of p.type.alternatives) collectDimVars(t, known);
    }
    // A bare word at the top of `time` gets the more useful "`time` is pointwise, ..." report below.
    const timeWords = new Set<RExpr>();
    const timeRule = rules.get('time');
    if (timeRule) {
      const leaves: RExpr[] = [];
      collectLeaves(timeRule.value, leaves);
      for (const l of leaves) if (l.kind === 'Ref') timeWords.add(l);
    }
    const checkRefs = (e: RExpr, allowPrime: boolean) =>
      walk(e, (n) => {
        if (n.kind === 'Ref' && timeWords.has(n)) return;
        if (n.kind === 'Ref') {
          if (!known.has(n.name)) bad(`unknown name \`${n.name}\` in the declaration of \`${decl.name.name}\``, n.span);
          else if (n.prime && !allowPrime) bad(`\`${n.name}'\` may appear only in the output type`, n.span);
        } else if (n.kind === 'RCall' && !RULE_FUNCTIONS.includes(n.callee.name)) {
          bad(`unknown rule function \`${n.callee.name}\``, n.callee.span, `known: ${RULE_FUNCTIONS.join(', ')}`);
        } else if (n.kind === 'RCall' && n.callee.name === 'window' && !n.args.some((a) => a.name?.name === 'size' || (!a.name && n.args.indexOf(a) === 0))) {
          bad('window(...) needs `size:`', n.span);
        }
      });
    for (const r of decl.rules) if (r.key.name !== 'impl') checkRefs(r.value, false);
    for (const p of decl.params) if (p.default) checkRefs(p.default, false);
    checkRefs(decl.output, true);

    const time = rules.get('time');
    if (time) {
      const head = time.value;
      const leaves: RExpr[] = [];
      collectLeaves(head, leaves);
      for (const l of leaves) {
        const ok =
          (l.kind === 'Ref' && ['pointwise', 'reduce', 'none'].includes(l.name)) ||
          (l.kind === 'RCall' && ['window', 'recurrent'].includes(l.callee.name));
        if (!ok) bad('`time` is pointwise, window(size: ...), recurrent(direction: ...), reduce or none', l.span);
      }
    }
    const outLeaves: RExpr[] = [];
    collectLeaves(decl.output, outLeaves);
    for (const l of outLeaves) if (l.kind !== 'TensorType') bad('the output type must be a tensor type such as `f32[B, T, C]`', l.span);
    const usesPrime = outLeaves.some((l) => l.kind === 'TensorType' && mentionsPrime(l));
    if (usesPrime && time && !containsCall(time.value, 'window')) bad("`T'` is the output time of a window; this layer's time rule has no window", decl.output.span);
    const isLoss = outLeaves.length > 0 && outLeaves.every((l) => l.kind === 'TensorType' && l.dims.length === 0);

    if (isLoss && !builtin) {
      bad(`layer \`${decl.name.name}\` has a scalar output, which makes it a loss; losses are built in`, decl.output.span, `the built-in losses are ${this.lossNames()}; a declared layer returns a tensor with a batch axis`);
    }
    let impl: LayerDef['impl'];
    const implRule = rules.get('impl');
    if (implRule) {
      if (implRule.value.kind !== 'Str' || !/^[^#]+#[A-Za-z_$][A-Za-z0-9_$]*$/.test(implRule.value.value)) {
        bad('`impl` is a string "path#Export": a module path relative to this file and the exported tf.layers.Layer class', implRule.value.span);
      } else {
        const [module, exportName] = implRule.value.value.split('#') as [string, string];
        impl = { module, exportName };
      }
    } else if (!builtin) {
      bad(`layer \`${decl.name.name}\` has no \`impl\``, decl.name.span, 'add `impl: "./my_layer.js#MyLayer";` naming a registered tf.layers.Layer class');
    }
    if (out.length > before) {
      this.rejected.add(decl.name.name);
      return;
    }
    this.defs.set(decl.name.name, {
      name: decl.name.name,
      decl,
      file,
      builtin,
      tensorParams,
      scalarParams,
      rules,
      requires,
      isLoss,
      impl,
    });
  }
}

function collectDimVars(t: TensorTypeExpr, into: Set<string>): void {
  into.add(t.dtype.name);
  for (const d of t.dims) if (d.kind !== 'Ellipsis') walk(d, (n) => n.kind === 'Ref' && into.add(n.name));
}

function collectLeaves(e: RExpr, out: RExpr[]): void {
  if (e.kind === 'Cond') {
    collectLeaves(e.then, out);
    collectLeaves(e.else, out);
  } else out.push(e);
}

function containsCall(e: RExpr, name: string): boolean {
  let found = false;
  walk(e, (n) => {
    if (n.kind === 'RCall' && n.callee.name === name) found = true;
  });
  return found;
}

function mentionsPrime(t: TensorTypeExpr): boolean {
  let found = false;
  for (const d of t.dims) if (d.kind !== 'Ellipsis') walk(d, (n) => n.kind === 'Ref' && n.prime && (found = true));
  return found;
}

/** Visit every expression node (tensor type dims included). */
export function walk(e: RExpr, f: (n: RExpr) => unknown): void {
  f(e);
  switch (e.kind) {
    case 'Unary':
      walk(e.operand, f);
      break;
    case 'Binary':
      walk(e.left, f);
      walk(e.right, f);
      break;
    case 'Cond':
      walk(e.cond, f);
      walk(e.then, f);
      walk(e.else, f);
      break;
    case 'RCall':
      for (const a of e.args) walk(a.value, f);
      break;
    case 'TensorType':
      for (const d of e.dims) if (d.kind !== 'Ellipsis') walk(d, f);
      break;
    default:
      break;
  }
}
