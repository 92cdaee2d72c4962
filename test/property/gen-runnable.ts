/**
 * Random `.seqnet` models for `verify` over the runtime (issue 5): models the
 * compiled runtime can run on verify's batches, over every built-in layer,
 * every mask source and layout, chains and DAGs (residual adds, concats,
 * broadcast adds of pooled or vector features), strided and dilated windows
 * in every padding mode, pools, GRU/LSTM in every direction, reductions and
 * per-step and per-sequence losses.
 *
 * Unlike gen-model.ts (whose models are built to be accepted), this
 * generator is deliberately loose at a few places: now and then it ignores
 * the layout rules (a window over holes, a strided window over `pre`), lets
 * differently windowed values meet, puts a per-step loss on a windowed
 * value, or concatenates a value without a time axis. The checker decides;
 * the property is about what it accepts, so a checker that accepted a model
 * it must not would show up as a counterexample of R1-R4.
 *
 * What it leaves out, because verify's batches cannot drive it: a constant
 * batch dim, and a time input without a mask (verify treats every time axis
 * as the masked one). A constant time dim it does write, now and then.
 *
 * The model is a function of a list of choices read one by one (an exhausted
 * list reads as 0): fast-check shrinks a failing model by shrinking the list,
 * towards fewer bindings and the first entry of every menu.
 */
import fc from 'fast-check';

export type MaskSourceKind = 'lengths' | 'zeros' | 'value' | 'mask';
export type LayoutKind = 'post' | 'pre' | 'holes';

export interface RunnableModel {
  readonly text: string;
  readonly maskSource: MaskSourceKind;
  readonly layout: LayoutKind;
  /** The time dim as written: `T`, or a constant. */
  readonly time: string;
  /** Built-in layers the model calls (losses included), in order, with repeats. */
  readonly layers: readonly string[];
  /** The places where the generator ignored a rule on purpose (the checker may reject the model). */
  readonly loose: readonly string[];
  readonly outputs: readonly string[];
  readonly losses: number;
}

export interface RunnableOptions {
  /** Most bindings (default 6). */
  readonly maxSteps?: number;
  /** Percent chance, at each place that offers one, of ignoring a rule (default 8). */
  readonly loose?: number;
}

class Choices {
  private i = 0;
  constructor(private readonly xs: readonly number[]) {}
  /** A number in [0, n). */
  int(n: number): number {
    const v = this.xs[this.i++];
    return v === undefined ? 0 : v % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** An exhausted list says no, so shrinking removes optional parts. */
  chance(percent: number): boolean {
    return this.int(100) >= 100 - percent;
  }
}

/** A value in scope while generating. */
interface Val {
  readonly name: string;
  /** Features (the last axis). */
  readonly C: number;
  /** null: no time axis ([B, C]); otherwise the windows applied so far ('' for none). */
  readonly time: string | null;
}

const POINTWISE = ['relu', 'tanh', 'gelu', 'elu', 'leaky_relu', 'sigmoid', 'softplus', 'softmax', 'dropout', 'layernorm', 'batchnorm', 'cast'] as const;
const ACTIVATIONS = ['none', 'relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'elu', 'leaky_relu', 'softmax'] as const;
const LOSSES = ['crossentropy', 'binary_crossentropy', 'mse', 'mae'] as const;

export function buildRunnable(xs: readonly number[], options: RunnableOptions = {}): RunnableModel {
  const c = new Choices(xs);
  const maxSteps = options.maxSteps ?? 6;
  const loosePct = options.loose ?? 8;
  const loose: string[] = [];
  /** Ignore a rule here? (The caller records it in `loose` where the bent rule shows in the model.) */
  const bend = (): boolean => c.chance(loosePct);

  const maskSource = c.pick(['lengths', 'zeros', 'value', 'mask'] as const);
  const layoutChoice = c.pick(['default', 'post', 'pre'] as const);
  const layout: LayoutKind = layoutChoice === 'default' ? (maskSource === 'lengths' ? 'post' : 'holes') : layoutChoice;
  const padded = layoutChoice === 'default' ? '' : `, padded ${layoutChoice}`;
  const shared = maskSource === 'lengths' || maskSource === 'mask';
  // A constant time dim now and then (verify then keeps T fixed and skips R2b).
  const time: string = c.chance(10) ? String(4 + c.int(6)) : 'T';
  const src = maskSource === 'lengths' ? 'lengths(n)' : maskSource === 'mask' ? 'm' : maskSource === 'zeros' ? 'zeros' : `value(${c.pick(['-1', '0.5', '0'])})`;

  const decls: string[] = [];
  const body: string[] = [];
  const layers: string[] = [];
  const pool: Val[] = [];
  /** Values some binding reads. */
  const used = new Set<string>();
  let ids: { name: string; vocab: number } | undefined;

  // Inputs (MASKING.md section 8): one mask source; more inputs share it when it is shared.
  if (!shared && c.chance(30)) {
    // Token ids masked by their pad id: a value mask on i32.
    const vocab = 2 + c.int(12);
    const pad = maskSource === 'zeros' ? 'zeros' : `value(${c.pick(['0', '-1'])})`;
    decls.push(`  input ids: i32[B, ${time}] masked by ${pad}${padded};`);
    ids = { name: 'ids', vocab };
    const dim = 1 + c.int(4);
    layers.push('embedding');
    body.push(`  e0 = embedding(ids, vocab: ${vocab}, dim: ${dim});`);
    pool.push({ name: 'e0', C: dim, time: '' });
  } else {
    const C0 = 1 + c.int(4);
    decls.push(`  input x: f32[B, ${time}, ${C0}] masked by ${src}${padded};`);
    pool.push({ name: 'x', C: C0, time: '' });
  }
  if (shared && c.chance(35)) {
    const C1 = 1 + c.int(4);
    decls.push(`  input x2: f32[B, ${time}, ${C1}] masked by ${src}${padded};`);
    pool.push({ name: 'x2', C: C1, time: '' });
  }
  if (shared && c.chance(35)) {
    const vocab = 2 + c.int(12);
    decls.push(`  input ids: i32[B, ${time}] masked by ${src}${padded};`);
    ids = { name: 'ids', vocab };
  }
  if (!shared && bend()) {
    loose.push('a second input with its own value mask');
    // Two masks: the checker must keep them apart (different masks never meet).
    decls.push(`  input x3: f32[B, ${time}, 2] masked by zeros${padded};`);
    pool.push({ name: 'x3', C: 2, time: '' });
  }
  if (maskSource === 'lengths') decls.push('  input n: i32[B];');
  if (maskSource === 'mask') decls.push(`  input m: bool[B, ${time}];`);
  let vector: Val | undefined;
  if (c.chance(25)) {
    const C = 1 + c.int(4);
    decls.push(`  input v: f32[B, ${C}];`);
    vector = { name: 'v', C, time: null };
    pool.push(vector);
  }

  // ------------------------------------------------------------------ stages of a pipe

  const pointwise = (v: Val): [string, Val] => {
    // Dense half the time; otherwise every other pointwise layer about equally often.
    if (c.chance(40)) {
      const units = 1 + c.int(4);
      const bias = c.chance(50);
      const act = c.chance(50) ? c.pick(ACTIVATIONS) : 'none';
      layers.push('dense');
      return [`dense(units: ${units}${bias ? '' : ', bias: false'}${act === 'none' ? '' : `, activation: ${act}`})`, { ...v, C: units }];
    }
    const name = c.pick(POINTWISE);
    layers.push(name);
    switch (name) {
      case 'leaky_relu':
        return [c.chance(50) ? 'leaky_relu(alpha: 0.1)' : 'leaky_relu()', v];
      case 'dropout':
        return [`dropout(rate: ${c.pick(['0.1', '0.5', '0'])})`, v];
      case 'layernorm':
        return [c.chance(50) ? 'layernorm()' : 'layernorm(epsilon: 0.01)', v];
      case 'batchnorm':
        return [c.chance(50) ? 'batchnorm()' : 'batchnorm(momentum: 0.9, epsilon: 0.01)', v];
      case 'cast':
        return ['cast(to: f32)', v];
      default:
        return [`${name}()`, v];
    }
  };
  const windowStage = (v: Val): [string, Val] => {
    const strided = layout !== 'pre' || bend();
    const kind = c.int(3);
    if (kind === 0) {
      const filters = 1 + c.int(4);
      const kernel = 1 + c.int(4);
      const stride = strided && c.chance(40) ? 2 + c.int(2) : 1;
      if (layout === 'pre' && stride > 1) loose.push('a strided window over pre');
      const dilation = c.chance(30) ? 2 : 1;
      const padding = c.pick(['same', 'valid', 'causal'] as const);
      const bias = c.chance(60);
      const act = c.chance(30) ? c.pick(ACTIVATIONS) : 'none';
      const args = [`filters: ${filters}`, `kernel: ${kernel}`];
      if (stride > 1) args.push(`stride: ${stride}`);
      if (dilation > 1) args.push(`dilation: ${dilation}`);
      if (padding !== 'same' || c.chance(20)) args.push(`padding: ${padding}`);
      if (!bias) args.push('bias: false');
      if (act !== 'none') args.push(`activation: ${act}`);
      layers.push('conv1d');
      return [`conv1d(${args.join(', ')})`, { ...v, C: filters, time: `${v.time}|c${kernel},${stride},${dilation},${padding}` }];
    }
    const layer = kind === 1 ? 'maxpool1d' : 'avgpool1d';
    const size = 1 + c.int(3);
    // The default stride is the size: over `pre` that is a strided window unless the size is 1.
    const stride = !strided ? 1 : c.chance(50) ? size : 1 + c.int(3);
    if (layout === 'pre' && stride > 1) loose.push('a strided window over pre');
    const padding = c.pick(['valid', 'same'] as const);
    const args = [`size: ${size}`];
    if (stride !== size) args.push(`stride: ${stride}`);
    if (padding !== 'valid') args.push(`padding: ${padding}`);
    layers.push(layer);
    return [`${layer}(${args.join(', ')})`, { ...v, time: `${v.time}|p${size},${stride},${padding}` }];
  };
  const recurrent = (v: Val, sequences: boolean): [string, Val] => {
    const layer = c.pick(['gru', 'lstm'] as const);
    const units = 1 + c.int(4);
    const direction = c.pick(['forward', 'backward', 'both'] as const);
    const args = [`units: ${units}`];
    if (!sequences) args.push('sequences: false');
    if (direction !== 'forward') args.push(`direction: ${direction}`);
    if (layer === 'gru' && c.chance(30)) args.push('reset_after: false');
    if (c.chance(25)) args.push('recurrent_activation: hard_sigmoid');
    layers.push(layer);
    return [`${layer}(${args.join(', ')})`, { ...v, C: direction === 'both' ? 2 * units : units, time: sequences ? v.time : null }];
  };
  const reduce = (v: Val): [string, Val] => {
    const k = c.int(4);
    if (k === 3) return recurrent(v, false);
    const layer = (['global_avgpool', 'global_maxpool', 'last'] as const)[k]!;
    layers.push(layer);
    return [`${layer}()`, { ...v, time: null }];
  };
  const stage = (v: Val): [string, Val] => {
    const k = c.int(11);
    if (k <= 2 && v.time === null && bend()) {
      loose.push('a window on a value without a time axis');
      return windowStage(v);
    }
    if (k <= 2 && v.time !== null && (layout !== 'holes' || bend())) {
      if (layout === 'holes') loose.push('a window over holes');
      return windowStage(v);
    }
    if (v.time !== null && k === 3) return recurrent(v, true);
    if (v.time !== null && (k === 4 || k === 5)) return reduce(v);
    return pointwise(v);
  };

  // ------------------------------------------------------------------ bindings

  const steps = 1 + c.int(maxSteps);
  for (let step = 0; step < steps; step++) {
    const name = `v${step + 1}`;
    const kind = c.int(12);
    const seqs = pool.filter((v) => v.time !== null);
    if (kind === 0 && ids) {
      const dim = 1 + c.int(4);
      layers.push('embedding');
      let expr = `embedding(${ids.name}, vocab: ${ids.vocab}, dim: ${dim})`;
      let val: Val = { name, C: dim, time: '' };
      if (c.chance(50)) {
        const [s, next] = stage(val);
        expr += ` |> ${s}`;
        val = next;
      }
      body.push(`  ${name} = ${expr};`);
      pool.push({ ...val, name });
      continue;
    }
    if (kind <= 2 && pool.length >= 2) {
      // Two values that meet: the same windows (a residual), or any two when bending the rules.
      const a = c.pick(pool);
      used.add(a.name);
      const partners = bend() ? pool : pool.filter((b) => b.time === a.time);
      const b = c.pick(partners);
      used.add(b.name);
      if (a.time !== b.time) loose.push(`values with other time axes meet${a.time === null || b.time === null ? ' (one without)' : ''}`);
      const op = c.int(3);
      if (op === 2 || a.C !== b.C) {
        layers.push('concat');
        body.push(`  ${name} = concat(${a.name}, ${b.name});`);
        pool.push({ name, C: a.C + b.C, time: a.time });
      } else {
        layers.push('add');
        body.push(op === 0 ? `  ${name} = ${a.name} + ${b.name};` : `  ${name} = add(${a.name}, ${b.name});`);
        pool.push({ name, C: a.C, time: a.time });
      }
      continue;
    }
    if (kind === 3 && seqs.length > 0) {
      // A broadcast add of features without a time axis: a vector input, or the sequence's own pooled summary.
      const a = c.pick(seqs);
      used.add(a.name);
      const from = vector && c.chance(50) ? vector.name : `${a.name} |> ${reduce(a)[0]}`;
      layers.push('dense', 'add');
      if (bend()) {
        loose.push('a broadcast operand concatenated');
        layers.pop();
        layers.push('concat');
        body.push(`  ${name} = concat(${a.name}, ${from} |> dense(units: 2));`);
        pool.push({ name, C: a.C + 2, time: a.time });
      } else {
        body.push(`  ${name} = ${a.name} + (${from} |> dense(units: ${a.C}));`);
        pool.push({ name, C: a.C, time: a.time });
      }
      continue;
    }
    // A pipe of one to three stages; recent values are likelier sources (chains), any value may be (DAGs).
    const from = c.chance(60) ? pool[pool.length - 1]! : c.pick(pool);
    used.add(from.name);
    let val = from;
    const parts: string[] = [];
    const n = 1 + c.int(3);
    for (let i = 0; i < n; i++) {
      const [s, next] = stage(val);
      parts.push(s);
      val = next;
    }
    body.push(c.chance(20) && parts.length === 1 ? `  ${name} = ${callWithFirst(parts[0]!, from.name)};` : `  ${name} = ${from.name} |> ${parts.join(' |> ')};`);
    pool.push({ ...val, name });
  }

  // Outputs: the last value made, most values nothing else reads (so that few layers are dead code), and maybe others.
  const made = pool.filter((v) => /^(v\d+|e0)$/.test(v.name));
  const outs = new Set<string>([(made[made.length - 1] ?? pool[pool.length - 1]!).name]);
  for (const v of made) if (c.chance(used.has(v.name) ? 10 : 75)) outs.add(v.name);
  const outputs = [...outs];
  body.push(`  output ${outputs.join(', ')};`);

  // Losses, on values whose time dim a target can spell (T, or none), with targets shaped like the prediction.
  let losses = 0;
  for (const v of made) {
    if (!c.chance(30)) continue;
    if (v.time !== null && v.time !== '') {
      if (!bend()) continue;
      loose.push('a per-step loss on a windowed value');
    }
    const t = `t${losses + 1}`;
    const dims = v.time === null ? ['B'] : ['B', time];
    const layer = c.pick(LOSSES);
    const args: string[] = [];
    if (layer === 'crossentropy' && c.chance(50)) {
      decls.push(`  target ${t}: i32[${dims.join(', ')}];`);
    } else decls.push(`  target ${t}: f32[${[...dims, v.C].join(', ')}];`);
    if (layer === 'crossentropy' && c.chance(20)) args.push('from_logits: false');
    if (c.chance(25)) args.push('reduction: sum');
    if (c.chance(25)) args.push('weight: 0.5');
    layers.push(layer);
    body.push(`  loss ${layer}(${[v.name, t, ...args].join(', ')});`);
    losses++;
  }

  const text = `model Gen {\n${[...decls, ...body].join('\n')}\n}\n`;
  return { text, maskSource, layout, time, layers, loose, outputs, losses };
}

/** `relu()` with first argument `x` as a plain call: `relu(x)`. */
function callWithFirst(call: string, first: string): string {
  const open = call.indexOf('(');
  const rest = call.slice(open + 1);
  return `${call.slice(0, open)}(${first}${rest === ')' ? ')' : `, ${rest}`}`;
}

/** The choice lists models are built from (what fast-check draws and shrinks). */
export function arbChoices(): fc.Arbitrary<number[]> {
  return fc.array(fc.noBias(fc.nat({ max: (1 << 20) - 1 })), { maxLength: 160, size: 'max' });
}

export function arbRunnable(options: RunnableOptions = {}): fc.Arbitrary<RunnableModel> {
  return arbChoices().map((xs) => buildRunnable(xs, options));
}
