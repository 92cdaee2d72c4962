/**
 * Checks one model: names, parameters, shapes, dtypes and masks, by running
 * every call through the rule interpreter. Produces the typed IR (without
 * fills: `rewrite` inserts them from the `needsZeros` edges and pad states).
 */
import { diagnostic, type Diagnostic, type Note } from '../diagnostics/diagnostic.js';
import type { Code } from '../diagnostics/codes.js';
import type { SourceFile, Span } from '../diagnostics/span.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type {
  CallExpr,
  DTypeName,
  Expr,
  InputStmt,
  Literal,
  ModelDecl,
  NamedArg,
  ParamDecl,
  RExpr,
  TensorTypeExpr,
} from '../syntax/ast.js';
import { Dim } from './dim.js';
import { describe, evaluate, RuleError, type EvalEnv, type PadsRule, type RValue } from './eval.js';
import type { InputEdge, InputNode, IrLoss, IrModel, IrNode, IrOutput, LayerNode, ParamValue, TimeRule } from './ir.js';
import type { LayerDef, LayerLibrary } from './library.js';
import { formatType, maskIdOf, type Layout, type Mask, type MaskOrigin, type Pad, type ValueType } from './types.js';
import { outputLength, paddedReachesReal, reachesPadding } from './window.js';

interface Binding {
  readonly kind: 'input' | 'target' | 'value';
  readonly node: number;
  readonly at: Span;
  used: boolean;
}

const DTYPE_NAMES: readonly string[] = ['f32', 'i32', 'bool'];

/** Names every JavaScript object answers to; tfjs looks inputs up by name in plain objects. */
const OBJECT_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A failure already reported; the value is poisoned so that no cascade follows. */
const POISON = Symbol('poison');
type Result = number | typeof POISON;

export class ModelChecker {
  private readonly nodes: IrNode[] = [];
  private readonly scope = new Map<string, Binding>();
  private readonly masks = new Map<string, Mask>();
  private readonly outputs: IrOutput[] = [];
  private readonly losses: IrLoss[] = [];
  private readonly usedNames = new Set<string>();
  /** Where each name is bound in the source, to tell "defined later" from "unknown". */
  private readonly laterBindings = new Map<string, Span>();
  /** Names read before their binding (reported): the binding is not "never used" too. */
  private readonly usedBeforeDefined = new Set<string>();
  /** Inputs suggested for a misspelt mask source. */
  private readonly suggestedSources = new Set<string>();

  constructor(
    private readonly model: ModelDecl,
    private readonly file: SourceFile,
    private readonly lib: LayerLibrary,
    private readonly out: Diagnostic[],
  ) {}

  private report(code: Code, message: string, span: Span, extra: { notes?: Note[]; help?: string } = {}): void {
    this.out.push(diagnostic(code, message, { file: this.file, span, ...extra }));
  }

  private text(span: Span): string {
    return this.file.text.slice(span.start, span.end);
  }

  private where(span: Span, file: SourceFile = this.file): string {
    const p = file.position(span.start);
    return `${p.line}:${p.column}`;
  }

  run(): IrModel {
    const m = this.model;
    for (const s of m.stmts) {
      if (s.kind === 'Binding') this.usedNames.add(s.name.name);
      if (s.kind === 'Input' || s.kind === 'Target') this.usedNames.add(s.name.name);
      if (s.kind === 'Binding' && !this.laterBindings.has(s.name.name)) this.laterBindings.set(s.name.name, s.name.span);
      // One SN0218 per name: `__proto__` is named like an object member and starts with `_`.
      if ((s.kind === 'Input' || s.kind === 'Target') && OBJECT_KEYS.has(s.name.name)) {
        this.report('SN0218', `an input cannot be named \`${s.name.name}\``, s.name.span, {
          notes: [{ message: 'TensorFlow.js keeps a model\'s inputs in plain objects keyed by name, where this name is taken by every object' }],
          help: `rename it, for example \`${s.name.name}_in\``,
        });
      } else if ((s.kind === 'Binding' || s.kind === 'Input' || s.kind === 'Target') && s.name.name.startsWith('_')) {
        this.report('SN0218', `\`${s.name.name}\` starts with \`_\`, but a value name must start with a letter`, s.name.span, {
          notes: [{ message: 'TensorFlow.js names layers, inputs and weights after values (`<value>/kernel`), and rejects names that start with `_`' }],
          help: `rename it, for example \`${s.name.name.replace(/^_+/, '') || 'v'}\``,
        });
      }
    }
    this.declareInputs();
    let lossIndex = 0;
    for (const s of m.stmts) {
      switch (s.kind) {
        case 'Binding': {
          if (this.scope.has(s.name.name)) {
            const prior = this.scope.get(s.name.name)!;
            this.report('SN0209', `\`${s.name.name}\` is already defined`, s.name.span, {
              notes: [{ message: 'first defined here', span: prior.at }],
              help: 'names are bound once; choose a new name',
            });
            this.evalExpr(s.value, s.name.name, { next: 1 }, true);
            break;
          }
          const r = this.evalExpr(s.value, s.name.name, { next: 1 }, true);
          // A binding of a bare name aliases the value.
          if (r !== POISON) this.scope.set(s.name.name, { kind: 'value', node: r, at: s.name.span, used: this.usedBeforeDefined.has(s.name.name) });
          else this.scope.set(s.name.name, { kind: 'value', node: -1, at: s.name.span, used: true });
          break;
        }
        case 'Output':
          for (const n of s.names) this.addOutput(n.name, n.span);
          break;
        case 'Loss':
          lossIndex++;
          this.addLoss(s.call, lossIndex === 1 ? 'loss' : `loss_${lossIndex}`);
          break;
        default:
          break;
      }
    }
    for (const o of this.outputs) {
      const node = this.nodes[o.node];
      if (!node?.type.mask) continue;
      const clash = this.outputs.find((x) => x.name === `${o.name}_mask`);
      if (clash) {
        this.report('SN0209', `output \`${clash.name}\` has the name of the mask of output \`${o.name}\``, clash.at.span, {
          notes: [{ message: `\`${o.name}\` keeps a time axis, so predict returns \`${o.name}_mask\` beside it`, span: o.at.span }],
          help: `rename the value \`${clash.name}\``,
        });
      }
    }
    if (!m.stmts.some((s) => s.kind === 'Output')) {
      this.report('SN0502', `model \`${m.name.name}\` has no output`, m.name.span, {
        help: 'add `output <name>;` for the values the model returns',
      });
    }
    for (const [name, b] of this.scope) {
      if (b.used || name.startsWith('_') || this.suggestedSources.has(name)) continue; // `_x` already has SN0218
      const node = this.nodes[b.node];
      if (node && node.kind === 'input' && (node.role === 'lengths' || node.role === 'mask')) continue;
      const what = b.kind === 'input' ? 'input' : b.kind === 'target' ? 'target' : 'value';
      this.report('SN0503', `${what} \`${name}\` is never used`, b.at, {
        help: b.kind === 'value' ? 'use it in an output or a loss, or remove it' : undefined,
      });
    }
    return {
      name: m.name.name,
      file: this.file,
      at: { file: this.file, span: m.name.span },
      nodes: this.nodes,
      outputs: this.outputs,
      losses: this.losses,
      masks: [...this.masks.values()],
    };
  }

  // ------------------------------------------------------------ inputs and masks

  private typeOf(t: TensorTypeExpr): { dtype: DTypeName; dims: Dim[] } {
    const dims = t.dims.map((d) => (d.kind === 'Num' ? Dim.of(d.value) : d.kind === 'Ref' ? Dim.variable(d.name) : Dim.of(0)));
    return { dtype: (DTYPE_NAMES.includes(t.dtype.name) ? t.dtype.name : 'f32') as DTypeName, dims };
  }

  private declareInputs(): void {
    const decls = this.model.stmts.filter((s): s is InputStmt => s.kind === 'Input');
    const byName = new Map(decls.map((d) => [d.name.name, d]));
    const roles = new Map<string, 'lengths' | 'mask'>();
    for (const d of decls) {
      const src = d.mask?.source;
      if (src && (src.kind === 'lengths' || src.kind === 'input')) roles.set(src.input.name, src.kind === 'lengths' ? 'lengths' : 'mask');
    }
    for (const s of this.model.stmts) {
      if (s.kind !== 'Input' && s.kind !== 'Target') continue;
      const prior = this.scope.get(s.name.name);
      if (prior) {
        this.report('SN0209', `\`${s.name.name}\` is already defined`, s.name.span, { notes: [{ message: 'first defined here', span: prior.at }] });
        continue;
      }
      const t = this.typeOf(s.type);
      for (const d of s.type.dims) {
        if (d.kind === 'Num' && (!Number.isInteger(d.value) || d.value < 0)) this.report('SN0308', `a dim is a whole number or a name, found ${d.value}`, d.span);
      }
      const role = s.kind === 'Target' ? 'target' : (roles.get(s.name.name) ?? 'features');
      const id = this.nodes.length;
      let type: ValueType = { dtype: t.dtype, dims: t.dims };
      let maskSource: InputNode['maskSource'];
      if (s.kind === 'Input' && s.mask) {
        const made = this.rootMask(s, t, byName);
        if (made) {
          type = { ...type, mask: made.mask, pad: 'zeros' };
          maskSource = { mask: made.mask, aux: made.aux };
        }
      }
      this.nodes.push({ kind: 'input', id, name: s.name.name, role, type, at: { file: this.file, span: s.span }, maskSource });
      this.scope.set(s.name.name, { kind: s.kind === 'Target' ? 'target' : 'input', node: id, at: s.name.span, used: false });
    }
  }

  private rootMask(s: InputStmt, t: { dtype: DTypeName; dims: Dim[] }, inputs: Map<string, InputStmt>): { mask: Mask; aux?: string } | undefined {
    const clause = s.mask!;
    const src = clause.source;
    if (t.dims.length < 2) {
      this.report('SN0308', `a masked input needs a time axis, but \`${s.name.name}\` is ${formatType(t)}`, s.type.span, {
        help: 'declare it as [B, T, ...]: axis 0 is the batch, axis 1 is time',
      });
      return undefined;
    }
    const [B, T] = [t.dims[0]!, t.dims[1]!];
    let origin: MaskOrigin;
    let aux: string | undefined;
    if (src.kind === 'zeros') origin = { kind: 'zeros', input: s.name.name };
    else if (src.kind === 'value') origin = { kind: 'value', input: s.name.name, value: src.value };
    else {
      const target = inputs.get(src.input.name);
      if (!target) {
        const isOther = this.model.stmts.some((x) => (x.kind === 'Target' || x.kind === 'Binding') && x.name.name === src.input.name);
        // Suggest only inputs that could be this source: i32[B] for lengths, bool[B, T] for a mask.
        const fits = [...inputs.values()].filter((d) => {
          const tt = this.typeOf(d.type);
          return d !== s && (src.kind === 'lengths' ? tt.dtype === 'i32' && tt.dims.length === 1 : tt.dtype === 'bool' && tt.dims.length === 2);
        });
        const guess = didYouMean(src.input.name, fits.map((d) => d.name.name));
        // The input it most likely means is then not "never used" as well.
        if (guess) this.suggestedSources.add(guess);
        this.report(
          'SN0210',
          isOther
            ? `\`${src.input.name}\` is not an input; a ${src.kind === 'lengths' ? 'lengths' : 'mask'} source must be a declared input`
            : `unknown ${src.kind === 'lengths' ? 'lengths' : 'mask'} input \`${src.input.name}\``,
          src.input.span,
          { help: guess ? `did you mean \`${guess}\`?` : `declare it: \`input ${src.input.name}: ${src.kind === 'lengths' ? 'i32[B]' : 'bool[B, T]'};\`` },
        );
        return undefined;
      }
      const tt = this.typeOf(target.type);
      if (src.kind === 'lengths') {
        if (tt.dtype !== 'i32' || tt.dims.length !== 1 || !tt.dims[0]!.equals(B)) {
          this.report('SN0306', `lengths input \`${target.name.name}\` must be i32[${B}], found ${formatType(tt)}`, src.input.span, {
            notes: [{ message: `\`${target.name.name}\` is declared here`, span: target.type.span }],
          });
          return undefined;
        }
        origin = { kind: 'lengths', input: target.name.name };
      } else {
        if (tt.dtype !== 'bool' || tt.dims.length !== 2 || !tt.dims[0]!.equals(B) || !tt.dims[1]!.equals(T)) {
          this.report('SN0307', `mask input \`${target.name.name}\` must be bool[${B}, ${T}], found ${formatType(tt)}`, src.input.span, {
            notes: [{ message: `\`${target.name.name}\` is declared here`, span: target.type.span }],
          });
          return undefined;
        }
        if (target.mask) {
          this.report('SN0307', `mask input \`${target.name.name}\` cannot itself be masked`, target.mask.span);
          return undefined;
        }
        origin = { kind: 'input', input: target.name.name };
      }
      aux = target.name.name;
      const b = this.scope.get(target.name.name);
      if (b) b.used = true;
    }
    const layout: Layout = clause.layout?.value ?? (src.kind === 'lengths' ? 'post' : 'holes');
    const length = Dim.variable('L');
    const id = maskIdOf(origin, layout, length);
    const existing = this.masks.get(id);
    if (existing) return { mask: existing, aux };
    const mask: Mask = { id, origin, layout, length, declaredAt: { file: this.file, span: clause.span } };
    this.masks.set(id, mask);
    return { mask, aux };
  }

  private deriveMask(parent: Mask, window: { size: number; stride: number; dilation: number; mode: 'same' | 'valid' | 'causal' }): Mask {
    const length = outputLength(window, parent.length);
    const id = maskIdOf(parent.origin, parent.layout, length);
    const existing = this.masks.get(id);
    if (existing) return existing;
    const mask: Mask = { id, origin: parent.origin, layout: parent.layout, length, parent: { mask: parent, window }, declaredAt: parent.declaredAt };
    this.masks.set(id, mask);
    return mask;
  }

  /** The input whose `masked by` clause made the root of `mask`. */
  private declaringInput(mask: Mask): InputStmt | undefined {
    const at = mask.declaredAt.span;
    return this.model.stmts.find(
      (s): s is InputStmt => s.kind === 'Input' && s.mask !== undefined && s.mask.span.start === at.start && s.mask.span.end === at.end,
    );
  }

  private maskNote(mask: Mask): Note {
    const o = mask.origin;
    const how =
      o.kind === 'zeros'
        ? 'masked by zeros'
        : o.kind === 'value'
          ? `masked by value(${o.value})`
          : o.kind === 'lengths'
            ? `masked by lengths(${o.input})`
            : `masked by ${o.input}`;
    const decl = this.declaringInput(mask);
    const declared =
      mask.layout === 'holes'
        ? `\`${how}\` without a layout`
        : decl?.mask?.layout
          ? `\`${how}, padded ${mask.layout}\``
          : `\`${how}\` (padded ${mask.layout} by default)`;
    return { message: `\`${decl?.name.name ?? o.input}\` is declared ${declared}`, span: mask.declaredAt.span, file: mask.declaredAt.file };
  }

  /** `post mask of lengths(n), real length ceil(L / 2)`, for messages about masks that differ. */
  private maskText(mask: Mask): string {
    const o = mask.origin;
    const input = this.declaringInput(mask)?.name.name ?? o.input;
    const src =
      o.kind === 'zeros' ? `zeros on \`${input}\`` : o.kind === 'value' ? `value(${o.value}) on \`${input}\`` : o.kind === 'lengths' ? `lengths(${o.input})` : `\`${o.input}\``;
    return mask.layout === 'holes' ? `mask of ${src}, any pattern` : `${mask.layout} mask of ${src}, real length ${mask.length}`;
  }

  // ------------------------------------------------------------ outputs and losses

  private addOutput(name: string, span: Span): void {
    const b = this.lookup(name, span, false);
    if (b === POISON) return;
    if (this.outputs.some((o) => o.name === name)) {
      this.report('SN0209', `\`${name}\` is an output twice`, span);
      return;
    }
    this.outputs.push({ name, node: b, at: { file: this.file, span } });
  }

  private addLoss(call: CallExpr, base: string): void {
    const def = this.lib.get(call.callee.name);
    if (def && !def.isLoss) {
      this.report('SN0217', `\`${def.name}\` is not a loss`, call.callee.span, {
        help: `losses are layers with a scalar output: ${this.lib.all().filter((d) => d.isLoss).map((d) => d.name).join(', ')}`,
      });
      this.markUsed(call);
      return;
    }
    const r = this.evalCall(call, base, { next: 1 }, true, true);
    void r;
  }

  // ------------------------------------------------------------ expressions

  private lookup(name: string, span: Span, allowTarget: boolean): Result {
    const b = this.scope.get(name);
    if (!b) {
      const later = this.laterBindings.get(name);
      if (later && later.start > span.start) {
        this.usedBeforeDefined.add(name);
        this.report('SN0208', `\`${name}\` is used before it is defined`, span, {
          notes: [{ message: `\`${name}\` is defined later`, span: later }],
          help: 'a binding is visible after its statement; move this use below it',
        });
      } else {
        const guess = didYouMean(name, this.scope.keys());
        this.report('SN0208', `unknown name \`${name}\``, span, { help: guess ? `did you mean \`${guess}\`?` : undefined });
      }
      return POISON;
    }
    b.used = true;
    if (b.node < 0) return POISON;
    if (b.kind === 'target' && !allowTarget) {
      this.report('SN0216', `\`${name}\` is a target; targets are read only by losses`, span, {
        notes: [{ message: 'declared as a target here', span: b.at }],
        help: 'declare it with `input` if the model reads it',
      });
      return POISON;
    }
    return b.node;
  }

  private evalExpr(e: Expr, base: string, counter: { next: number }, isRoot: boolean, allowTarget = false): Result {
    if (e.kind === 'Name') return this.lookup(e.name, e.span, allowTarget);
    const def = this.lib.get(e.callee.name);
    if (def?.isLoss) {
      this.report('SN0217', `\`${def.name}\` is a loss; it can only be used in a \`loss\` statement`, e.callee.span, {
        help: `write \`loss ${this.text(e.span)};\``,
      });
      this.markUsed(e);
      return POISON;
    }
    return this.evalCall(e, base, counter, isRoot, false);
  }

  /** A call rejected as a whole still uses the names it mentions (no "never used" warning on top). */
  private markUsed(e: Expr): void {
    if (e.kind === 'Name') {
      const b = this.scope.get(e.name);
      if (b) b.used = true;
    } else e.args.forEach((a) => this.markUsed(a));
  }

  private freshName(base: string, counter: { next: number }): string {
    for (;;) {
      const n = `${base}_${counter.next++}`;
      if (!this.usedNames.has(n)) {
        this.usedNames.add(n);
        return n;
      }
    }
  }

  private evalCall(call: CallExpr, base: string, counter: { next: number }, isRoot: boolean, isLoss: boolean): Result {
    // Tensor arguments first: their names come first in evaluation order (`h_1` before `h`).
    const args: Result[] = call.args.map((a, i) => this.evalExpr(a, base, counter, false, isLoss && i > 0));
    const name = isRoot ? base : this.freshName(base, counter);
    const def = this.lib.get(call.callee.name);
    if (!def && this.lib.isRejected(call.callee.name)) return POISON; // its declaration was reported
    if (!def) {
      const guess = didYouMean(call.callee.name, this.lib.names());
      this.report('SN0201', `unknown layer \`${call.callee.name}\``, call.callee.span, {
        help: guess ? `did you mean \`${guess}\`?` : 'built-in layers are listed in docs/language.md; declare new ones with `layer`',
      });
      return POISON;
    }
    // The grammar reads tensor arguments and named ones into separate lists; their order is checked here.
    const firstNamed = call.named[0];
    const lateTensor = firstNamed && call.args.find((a) => a.span.start > firstNamed.span.start);
    if (lateTensor) {
      this.report('SN0214', `a tensor argument comes after the named argument \`${firstNamed.name.name}\``, lateTensor.span, {
        notes: [{ message: 'the first named argument is here', span: firstNamed.span }],
        help: `write the tensor arguments first: \`${def.name}(${[...call.args].map((a) => this.text(a.span)).join(', ')}, ${call.named.map((n) => this.text(n.span)).join(', ')})\``,
      });
      return POISON;
    }
    const params = this.bindParams(def, call);
    if (args.length !== def.tensorParams.length) {
      const want = def.tensorParams.length;
      this.report(
        'SN0207',
        `\`${def.name}\` takes ${want} tensor argument${want === 1 ? '' : 's'} (${def.tensorParams.map((p) => p.name.name).join(', ')}), found ${args.length}`,
        call.span,
        { help: call.sugar === 'pipe' ? 'the piped value counts as the first argument' : undefined },
      );
      return POISON;
    }
    if (!params || args.some((a) => a === POISON)) return POISON;
    const inputs = (args as number[]).map((a) => this.nodes[a]!);
    return this.applyLayer(def, call, name, params, inputs, isLoss);
  }

  // ------------------------------------------------------------ parameters

  private bindParams(def: LayerDef, call: CallExpr): Map<string, ParamValue> | undefined {
    let ok = true;
    const given = new Map<string, { value: ParamValue; arg: NamedArg }>();
    // Parameters the call tried to give (a bad value, or a misspelt name we can guess): not "missing" too.
    const attempted = new Set<string>();
    for (const a of call.named) {
      const key = a.name.name;
      const tensor = def.tensorParams.find((p) => p.name.name === key);
      if (tensor) {
        this.report('SN0205', `\`${key}\` is a tensor argument of \`${def.name}\`; pass it first, without a name`, a.name.span);
        ok = false;
        continue;
      }
      const p = def.scalarParams.find((q) => q.name.name === key);
      if (!p) {
        const guess = didYouMean(key, def.scalarParams.map((q) => q.name.name));
        if (guess) attempted.add(guess);
        this.report('SN0202', `\`${def.name}\` has no parameter \`${key}\``, a.name.span, {
          help: guess
            ? `did you mean \`${guess}\`?`
            : def.scalarParams.length
              ? `its parameters are ${def.scalarParams.map((q) => q.name.name).join(', ')}`
              : `\`${def.name}\` takes no parameters`,
        });
        ok = false;
        continue;
      }
      if (given.has(key)) {
        this.report('SN0204', `parameter \`${key}\` is given twice`, a.span, {
          notes: [{ message: 'first given here', span: given.get(key)!.arg.span }],
        });
        ok = false;
        continue;
      }
      const v = this.literalFor(def, p, a.value);
      if (v === undefined) {
        attempted.add(key);
        ok = false;
        continue;
      }
      given.set(key, { value: v, arg: a });
    }
    for (const p of def.scalarParams) {
      if (!given.has(p.name.name) && !attempted.has(p.name.name) && !p.default) {
        this.report('SN0203', `\`${def.name}\` needs the parameter \`${p.name.name}\` (${this.paramTypeText(p)})`, call.callee.span, {
          help: `add \`${p.name.name}: ...\` to the call`,
        });
        ok = false;
      }
    }
    if (!ok) return undefined;
    // Defaults may name other parameters (`stride: int = size`); resolve on demand.
    const resolved = new Map<string, ParamValue>();
    for (const [k, v] of given) resolved.set(k, v.value);
    const resolving = new Set<string>();
    const self = this;
    const resolve = (name: string): ParamValue | undefined => {
      if (resolved.has(name)) return resolved.get(name);
      const p = def.scalarParams.find((q) => q.name.name === name);
      if (!p || !p.default || resolving.has(name)) return undefined;
      resolving.add(name);
      const env: EvalEnv = { param: resolve, dim: () => undefined, padsOf: (l, s) => self.padsOf(l, s) };
      const v = evaluate(p.default, env);
      resolving.delete(name);
      const pv = toParamValue(v);
      if (pv === undefined) throw new RuleError(`the default of \`${name}\` is ${describe(v)}, not a parameter value`, p.default.span);
      resolved.set(name, pv);
      return pv;
    };
    try {
      for (const p of def.scalarParams) resolve(p.name.name);
    } catch (e) {
      if (e instanceof RuleError) {
        this.declarationError(def, e, call);
        return undefined;
      }
      throw e;
    }
    return resolved;
  }

  private paramTypeText(p: ParamDecl): string {
    const t = p.type;
    return t.kind === 'scalar' ? t.scalar : t.kind === 'enum' ? t.members.map((m) => m.name).join(' | ') : 'tensor';
  }

  private literalFor(def: LayerDef, p: ParamDecl, lit: Literal): ParamValue | undefined {
    const t = p.type;
    const shown = this.text(lit.span);
    const wrong = (want: string) => {
      this.report('SN0205', `\`${p.name.name}\` of \`${def.name}\` is ${want}, found \`${shown}\``, lit.span);
      return undefined;
    };
    if (t.kind === 'scalar') {
      switch (t.scalar) {
        case 'int':
          if (lit.kind !== 'Number' || !Number.isInteger(lit.value)) return wrong('a whole number (int)');
          return lit.value;
        case 'float':
          if (lit.kind !== 'Number') return wrong('a number (float)');
          return lit.value;
        case 'bool':
          if (lit.kind !== 'Bool') return wrong('`true` or `false`');
          return lit.value;
        case 'string':
          if (lit.kind !== 'String') return wrong('a string');
          return lit.value;
      }
    }
    if (t.kind === 'enum') {
      const members = t.members.map((m) => m.name);
      if (lit.kind !== 'Word' && lit.kind !== 'String') return wrong(`one of ${members.join(', ')}`);
      if (!members.includes(lit.value)) {
        const guess = didYouMean(lit.value, members);
        this.report('SN0206', `\`${p.name.name}\` of \`${def.name}\` is one of ${members.join(', ')}; found \`${lit.value}\``, lit.span, {
          help: guess ? `did you mean \`${guess}\`?` : undefined,
        });
        return undefined;
      }
      return lit.value;
    }
    return wrong('a tensor');
  }

  private padsOf(layer: string, span: Span): PadsRule {
    const def = this.lib.get(layer);
    if (!def) throw new RuleError(`pads_of names \`${layer}\`, which is not a layer`, span);
    const rule = def.rules.get('pads');
    if (!rule) return 'any';
    const env: EvalEnv = {
      param: (n) => {
        const p = def.scalarParams.find((q) => q.name.name === n);
        return p?.default ? toParamValue(evaluate(p.default, env)) : undefined;
      },
      dim: () => undefined,
      padsOf: (l, s) => this.padsOf(l, s),
    };
    const v = evaluate(rule.value, env);
    return asPadsRule(v, rule.value.span);
  }

  private declarationError(def: LayerDef, e: RuleError, call: CallExpr): void {
    // A value the call passes that the rule cannot take is the call's problem, shown at the argument.
    const arg = e.param !== undefined ? call.named.find((a) => a.name.name === e.param) : undefined;
    if (arg) {
      this.report('SN0213', `\`${def.name}\` cannot take \`${this.text(arg.span)}\`: ${e.message}`, arg.span, {
        notes: [{ message: `\`${e.param}\` is used here in the declaration of \`${def.name}\``, span: e.span, file: def.file }],
      });
      return;
    }
    const notes: Note[] = [{ message: `the rule is in the declaration of \`${def.name}\``, span: e.span, file: def.file }];
    this.report('SN0215', `the declaration of \`${def.name}\` cannot be applied here: ${e.message}`, call.callee.span, { notes });
  }

  // ------------------------------------------------------------ applying a layer

  private applyLayer(def: LayerDef, call: CallExpr, name: string, params: Map<string, ParamValue>, inputs: IrNode[], isLoss: boolean): Result {
    try {
      return this.applyLayerUnsafe(def, call, name, params, inputs, isLoss);
    } catch (e) {
      if (e instanceof RuleError) {
        this.declarationError(def, e, call);
        return POISON;
      }
      throw e;
    }
  }

  private applyLayerUnsafe(def: LayerDef, call: CallExpr, name: string, params: Map<string, ParamValue>, inputs: IrNode[], isLoss: boolean): Result {
    const dims = new Map<string, Dim>();
    const dtypes = new Map<string, DTypeName>();
    let ellipsis: Dim[] | undefined;
    const env: EvalEnv = {
      param: (n) => params.get(n),
      dim: (n, prime) => (prime ? dims.get(`${n}'`) : dims.get(n)),
      padsOf: (l, s) => this.padsOf(l, s),
    };

    // Parameter checks (`requires`), conjunct by conjunct so the message names the failing one.
    for (const r of def.requires) {
      for (const c of conjuncts(r.value)) {
        const v = evaluate(c, env);
        if (v.k !== 'bool') throw new RuleError(`\`requires\` must be a condition, found ${describe(v)}`, c.span);
        if (!v.v) {
          const mentioned = refsOf(c).filter((n) => params.has(n));
          const arg = call.named.find((a) => mentioned.includes(a.name.name));
          const values = mentioned.map((n) => `${n}: ${params.get(n)}`).join(', ');
          this.report('SN0213', `\`${def.name}\` requires \`${def.file.text.slice(c.span.start, c.span.end)}\`, but ${values}`, arg?.span ?? call.callee.span);
          return POISON;
        }
      }
    }

    // Shapes and dtypes: unify each tensor argument with its parameter type.
    for (let i = 0; i < inputs.length; i++) {
      const p = def.tensorParams[i]!;
      const node = inputs[i]!;
      const alts = p.type.kind === 'tensor' ? p.type.alternatives : [];
      let failure: { code: Code; message: string } | undefined;
      let matched = false;
      for (const alt of alts) {
        const trial = { dims: new Map(dims), dtypes: new Map(dtypes), ellipsis };
        const f = this.unify(alt, node.type, trial, env, i > 0);
        if (!f) {
          for (const [k, v] of trial.dims) dims.set(k, v);
          for (const [k, v] of trial.dtypes) dtypes.set(k, v);
          ellipsis = trial.ellipsis;
          matched = true;
          break;
        }
        // Keep the failure of the alternative with the argument's rank, if any.
        if (!failure || alt.dims.length === node.type.dims.length) failure = f;
      }
      if (!matched && failure) {
        const argSpan = call.args[i]?.span ?? call.span;
        const expected = alts.map((a) => this.file === def.file ? this.text(a.span) : def.file.text.slice(a.span.start, a.span.end)).join(' or ');
        if (isLoss && i > 0) {
          this.report('SN0305', `\`${def.name}\` cannot compare ${argName(call, i, node)} (${formatType(node.type)}) with its prediction: ${failure.message}`, argSpan, {
            notes: [{ message: `\`${p.name.name}\` is declared ${expected}`, span: p.span, file: def.file }],
          });
        } else {
          this.report(failure.code, `\`${def.name}\` expects \`${p.name.name}\` as ${expected}, but ${argName(call, i, node)} is ${formatType(node.type)}: ${failure.message}`, argSpan, {
            notes: [{ message: `\`${p.name.name}\` is declared here`, span: p.span, file: def.file }],
            help: failure.code === 'SN0302' && node.type.dtype === 'i32' ? 'an i32 value reaches a float layer only through `embedding` or `cast`' : undefined,
          });
        }
        return POISON;
      }
    }

    // Masks: every value with a time axis that meets another must carry the same mask.
    const masked = inputs.filter((n) => n.type.mask);
    const mask = masked[0]?.type.mask;
    if (mask) {
      for (const [i, n] of inputs.entries()) {
        if (isLoss && i > 0 && !n.type.mask) continue; // targets follow their prediction's mask
        // Axis 1 is time from rank 3 on; an unmasked [B, T] (ids, a score per step) has one when it
        // shares the masked value's symbolic time dim, while [B, C] broadcasts over time.
        const time = masked[0]!.type.dims[1];
        const rank = n.type.dims.length;
        const hasTime =
          n.type.mask !== undefined || rank >= 3 || (rank === 2 && time !== undefined && !time.isConstant && n.type.dims[1]!.equals(time));
        if (!hasTime) continue;
        if (!n.type.mask || n.type.mask.id !== mask.id) {
          const a = masked[0]!;
          const notes: Note[] = [this.maskNote(mask)];
          if (n.type.mask && n.type.mask.declaredAt !== mask.declaredAt) notes.push(this.maskNote(n.type.mask));
          const describeMask = (m: Mask | undefined) => (m ? this.maskText(m) : 'no mask');
          this.report('SN0401', `\`${def.name}\` joins ${argName(call, inputs.indexOf(a), a)} (${describeMask(mask)}) with ${argName(call, i, n)} (${describeMask(n.type.mask)})`, call.args[i]?.span ?? call.span, {
            notes,
            help: n.type.mask ? 'both sides must be masked by the same source and have the same real length' : 'only a value without a time axis may meet a masked one',
          });
          return POISON;
        }
      }
    }

    // Time rule.
    const timeRule = def.rules.get('time')!;
    const tv = evaluate(timeRule.value, env);
    let time: TimeRule;
    if (tv.k === 'window') time = { kind: 'window', window: { size: tv.size, stride: tv.stride, dilation: tv.dilation, mode: tv.mode } };
    else if (tv.k === 'recurrent') time = { kind: 'recurrent', direction: tv.direction };
    else if (tv.k === 'word' && (tv.v === 'pointwise' || tv.v === 'reduce' || tv.v === 'none')) time = { kind: tv.v };
    else throw new RuleError(`\`time\` evaluated to ${describe(tv)}`, timeRule.value.span);

    const first = inputs[0]!;
    let outMask: Mask | undefined = mask;
    let windowNeeds = false;
    if (time.kind === 'none' && mask) {
      this.report('SN0404', `\`${def.name}\` cannot take a masked time axis, and ${argName(call, 0, first)} is masked`, call.callee.span, {
        notes: [this.maskNote(mask)],
        help: 'reduce the time axis first (global_avgpool, global_maxpool, last, or an RNN with `sequences: false`)',
      });
      return POISON;
    }
    // A layer that carries state along time or collapses it must see the mask to skip padded steps:
    // zeros at padded steps are still steps to a recurrence or a count.
    const usesRule = def.rules.get('uses_mask');
    const uses = usesRule ? evaluate(usesRule.value, env) : { k: 'bool' as const, v: false };
    if (uses.k !== 'bool') throw new RuleError(`\`uses_mask\` is true or false, found ${describe(uses)}`, usesRule!.value.span);
    if (mask && (time.kind === 'recurrent' || time.kind === 'reduce') && !uses.v) {
      const m = masked[0]!;
      const which = call.args[inputs.indexOf(m)]?.kind === 'Name' ? `the masked value \`${m.name}\`` : `${argName(call, inputs.indexOf(m), m)}, which is masked`;
      this.report('SN0405', `\`${def.name}\` does not receive the mask, so it cannot take ${which}`, call.callee.span, {
        notes: [this.maskNote(mask)],
        help: `declare \`uses_mask: true\` in \`${def.name}\` (its implementation is then called with [x, mask])`,
      });
      return POISON;
    }
    if (time.kind === 'window') {
      const w = time.window;
      if (first.type.dims.length < 2) throw new RuleError('a window layer needs a time axis at position 1', timeRule.value.span);
      dims.set("T'", outputLength(w, first.type.dims[1]!));
      if (mask) {
        if (mask.layout === 'holes') {
          const src = mask.origin;
          const how = src.kind === 'zeros' ? 'zeros' : src.kind === 'value' ? `value(${src.value})` : src.input;
          this.report('SN0402', `${def.name} reads neighbouring steps, but the mask of ${argName(call, 0, first)} may have holes`, call.callee.span, {
            notes: [this.maskNote(mask)],
            help: `if padding is only at the end, declare \`masked by ${how}, padded post\``,
          });
          return POISON;
        }
        if (mask.layout === 'pre' && w.stride > 1) {
          this.report('SN0403', `${def.name} with stride ${w.stride} over pre-padding: the phase of the first real step would depend on the pad length`, call.callee.span, {
            notes: [this.maskNote(mask)],
            help: 'use stride 1 here, or pad at the end (`padded post`)',
          });
          return POISON;
        }
        windowNeeds = reachesPadding(w, mask.layout);
        outMask = this.deriveMask(mask, w);
      }
    } else if (time.kind === 'reduce') {
      outMask = undefined;
    }

    // What the layer needs at padded input steps, and what it leaves at padded output steps.
    const needsRule = def.rules.get('needs');
    const needsValue = needsRule ? asNeeds(evaluate(needsRule.value, env), needsRule.value.span) : 'any';
    const needsZeros = needsValue === 'zeros' && mask !== undefined && (time.kind !== 'window' || windowNeeds);
    const edges: InputEdge[] = inputs.map((n) => ({ node: n.id, needsZeros: needsZeros && n.type.mask !== undefined }));
    let pad: Pad | undefined;
    let padOrigin: LayerNode['padOrigin'];
    if (outMask) {
      const padsRule = def.rules.get('pads');
      const rule = padsRule ? asPadsRule(evaluate(padsRule.value, env), padsRule.value.span) : 'any';
      const why = padsRule ? this.padsWhy(def, padsRule.value, params) : '';
      if (rule === 'zeros') pad = 'zeros';
      else if (rule === 'any') {
        pad = 'any';
        padOrigin = { node: this.nodes.length, why };
      } else if (time.kind === 'window' && mask && mask.layout !== 'holes' && paddedReachesReal(time.window, mask.layout)) {
        // keeps_zeros maps an all-zero window to zero; a padded output step whose window reads real steps is not one.
        pad = 'any';
        padOrigin = { node: this.nodes.length, why: 'a padded output step reads real steps' };
      } else {
        const bad = inputs.find((n, i) => !(edges[i]!.needsZeros || (n.type.mask && n.type.pad === 'zeros')));
        if (!bad) pad = 'zeros';
        else {
          pad = 'any';
          const origin = bad.kind === 'layer' && bad.padOrigin ? bad.padOrigin : { node: bad.id, why: bad.type.mask ? '' : 'has no time axis and broadcasts over padded steps' };
          padOrigin = origin;
        }
      }
    }

    // Output type.
    const outType = this.outputType(def, env, dims, dtypes, ellipsis, params);
    const type: ValueType = outMask ? { ...outType, mask: outMask, pad } : outType;
    if (isLoss) {
      this.losses.push({
        layer: def.name,
        pred: inputs[0]!.id,
        target: inputs[1]?.id ?? inputs[0]!.id,
        params: Object.fromEntries(params),
        mask,
        at: { file: this.file, span: layerSpan(call) },
      });
      // A loss is not a value: nothing may refer to it.
      return POISON;
    }
    const weightsRule = def.rules.get('weights');
    let weightCount: number | undefined;
    if (weightsRule) {
      const wv = evaluate(weightsRule.value, env);
      if (wv.k === 'num') weightCount = wv.v;
      else if (wv.k === 'dim' && wv.v.isConstant) weightCount = wv.v.constant;
    }
    const id = this.nodes.length;
    const node: LayerNode = {
      kind: 'layer',
      id,
      name,
      layer: def.name,
      impl: def.impl ? { ...def.impl, file: def.file } : undefined,
      inputs: edges,
      params: Object.fromEntries(params),
      time,
      usesMask: uses.v,
      inputMask: mask,
      weightCount,
      padOrigin,
      type,
      at: { file: this.file, span: layerSpan(call) },
    };
    this.nodes.push(node);
    return id;
  }

  /** Why a pads rule gave `any`: the parameters its conditions read. */
  private padsWhy(def: LayerDef, rule: RExpr, params: Map<string, ParamValue>): string {
    const read = new Set<string>();
    const visit = (e: RExpr) => {
      if (e.kind === 'Cond') refsOf(e.cond).forEach((n) => params.has(n) && read.add(n));
    };
    walkShallow(rule, visit);
    return [...read].map((n) => `${n}: ${params.get(n)}`).join(', ');
  }

  private unify(
    alt: TensorTypeExpr,
    t: ValueType,
    trial: { dims: Map<string, Dim>; dtypes: Map<string, DTypeName>; ellipsis: Dim[] | undefined },
    env: EvalEnv,
    later: boolean,
  ): { code: Code; message: string } | undefined {
    // dtype
    const dn = alt.dtype.name;
    if (DTYPE_NAMES.includes(dn)) {
      if (t.dtype !== dn) return { code: 'SN0302', message: `expected dtype ${dn}, found ${t.dtype}` };
    } else {
      const bound = trial.dtypes.get(dn);
      if (bound && bound !== t.dtype) return { code: 'SN0302', message: `dtype ${dn} is ${bound} here, found ${t.dtype}` };
      trial.dtypes.set(dn, t.dtype);
    }
    // dims
    const ell = alt.dims.findIndex((d) => d.kind === 'Ellipsis');
    const rank = t.dims.length;
    let pairs: [RExpr, Dim][];
    if (ell < 0) {
      if (alt.dims.length !== rank) return { code: 'SN0301', message: `expected rank ${alt.dims.length}, found rank ${rank}` };
      pairs = alt.dims.map((d, i) => [d as RExpr, t.dims[i]!]);
    } else {
      const pre = alt.dims.slice(0, ell) as RExpr[];
      const post = alt.dims.slice(ell + 1) as RExpr[];
      if (rank < pre.length + post.length) return { code: 'SN0301', message: `expected rank ${pre.length + post.length} or more, found rank ${rank}` };
      const middle = t.dims.slice(pre.length, rank - post.length);
      if (trial.ellipsis) {
        const same = trial.ellipsis.length === middle.length && trial.ellipsis.every((d, i) => d.equals(middle[i]!));
        if (!same) {
          const code: Code = later && trial.ellipsis.length > 0 && middle.length > 0 ? 'SN0304' : trial.ellipsis.length !== middle.length ? 'SN0301' : 'SN0304';
          return {
            code,
            message:
              trial.ellipsis.length !== middle.length
                ? `the other argument has ${trial.ellipsis.length ? 'a time axis' : 'no time axis'} [${trial.ellipsis.join(', ')}], this one [${middle.join(', ')}]`
                : `time dims differ: ${trial.ellipsis.join(', ')} and ${middle.join(', ')}`,
          };
        }
      } else trial.ellipsis = middle;
      pairs = [...pre.map((d, i) => [d, t.dims[i]!] as [RExpr, Dim]), ...post.map((d, i) => [d, t.dims[rank - post.length + i]!] as [RExpr, Dim])];
    }
    for (const [d, actual] of pairs) {
      if (d.kind === 'Ref' && !d.prime && env.param(d.name) === undefined) {
        const bound = trial.dims.get(d.name);
        if (!bound) {
          trial.dims.set(d.name, actual);
          continue;
        }
        if (!bound.equals(actual)) {
          const code: Code = d.name === 'T' ? 'SN0304' : 'SN0303';
          return { code, message: `${d.name} is ${bound} from an earlier argument, but ${actual} here` };
        }
        continue;
      }
      const v = evaluate(d, {
        param: env.param,
        dim: (n, prime) => (prime ? undefined : trial.dims.get(n)),
        padsOf: env.padsOf,
      });
      const want = v.k === 'dim' ? v.v : v.k === 'num' && Number.isInteger(v.v) ? Dim.of(v.v) : undefined;
      if (!want) return { code: 'SN0303', message: `the dim \`${this.exprText(d)}\` is ${describe(v)}` };
      if (!want.equals(actual)) return { code: 'SN0303', message: `expected a dim of ${want}, found ${actual}` };
    }
    return undefined;
  }

  private exprText(e: RExpr): string {
    return e.kind === 'Ref' ? e.name : 'expression';
  }

  private outputType(
    def: LayerDef,
    env: EvalEnv,
    dims: Map<string, Dim>,
    dtypes: Map<string, DTypeName>,
    ellipsis: Dim[] | undefined,
    params: Map<string, ParamValue>,
  ): ValueType {
    const v = evaluate(def.decl.output, env);
    if (v.k !== 'type') throw new RuleError(`the output type evaluated to ${describe(v)}`, def.decl.output.span);
    const t = v.v;
    const dn = t.dtype.name;
    let dtype: DTypeName;
    if (DTYPE_NAMES.includes(dn)) dtype = dn as DTypeName;
    else if (dtypes.has(dn)) dtype = dtypes.get(dn)!;
    else {
      const p = params.get(dn);
      if (typeof p === 'string' && DTYPE_NAMES.includes(p)) dtype = p as DTypeName;
      else throw new RuleError(`the output dtype \`${dn}\` is neither a dtype, a dtype variable of the inputs, nor a parameter holding a dtype`, t.dtype.span);
    }
    const out: Dim[] = [];
    for (const d of t.dims) {
      if (d.kind === 'Ellipsis') {
        out.push(...(ellipsis ?? []));
        continue;
      }
      const dv = evaluate(d, env);
      if (dv.k === 'dim') out.push(dv.v);
      else if (dv.k === 'num' && Number.isInteger(dv.v)) out.push(Dim.of(dv.v));
      else throw new RuleError(`an output dim evaluated to ${describe(dv)}`, d.span);
    }
    void dims;
    return { dtype, dims: out };
  }
}

/** How a message names a tensor argument: by its name when the source wrote one, else by position. */
function argName(call: CallExpr, i: number, node: IrNode): string {
  const arg = call.args[i];
  if (!arg || arg.kind === 'Name') return `\`${node.name}\``;
  if (i === 0 && call.sugar === 'pipe') return 'the piped value';
  return i === 0 ? 'the first argument' : i === 1 ? 'the second argument' : `argument ${i + 1}`;
}

function toParamValue(v: RValue): ParamValue | undefined {
  if (v.k === 'num' || v.k === 'bool' || v.k === 'str' || v.k === 'word') return v.v;
  if (v.k === 'dim' && v.v.isConstant) return v.v.constant;
  return undefined;
}

function asPadsRule(v: RValue, span: Span): PadsRule {
  if (v.k === 'word' && (v.v === 'zeros' || v.v === 'keeps_zeros' || v.v === 'any')) return v.v;
  throw new RuleError(`\`pads\` is zeros, keeps_zeros or any, found ${describe(v)}`, span);
}

function asNeeds(v: RValue, span: Span): 'zeros' | 'any' {
  if (v.k === 'word' && (v.v === 'zeros' || v.v === 'any')) return v.v;
  throw new RuleError(`\`needs\` is zeros or any, found ${describe(v)}`, span);
}

function conjuncts(e: RExpr): RExpr[] {
  if (e.kind === 'Binary' && e.op === '&&') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

function refsOf(e: RExpr): string[] {
  const out: string[] = [];
  const visit = (n: RExpr): void => {
    if (n.kind === 'Ref') out.push(n.name);
    else if (n.kind === 'Unary') visit(n.operand);
    else if (n.kind === 'Binary') {
      visit(n.left);
      visit(n.right);
    } else if (n.kind === 'Cond') {
      visit(n.cond);
      visit(n.then);
      visit(n.else);
    } else if (n.kind === 'RCall') n.args.forEach((a) => visit(a.value));
  };
  visit(e);
  return out;
}

function walkShallow(e: RExpr, f: (n: RExpr) => void): void {
  f(e);
  if (e.kind === 'Cond') {
    walkShallow(e.then, f);
    walkShallow(e.else, f);
  }
}

/**
 * Where a layer is written, for explain, fill reasons and generated-code
 * comments: a pipe step from its own callee (a call's span starts at the
 * start of the whole pipeline, `x |> conv1d(...) |> relu()`).
 */
function layerSpan(call: CallExpr): Span {
  return call.sugar === 'pipe' ? { start: call.callee.span.start, end: call.span.end } : call.span;
}
