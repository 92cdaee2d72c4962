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
import type fc from 'fast-check';
import {
  ACTIVATIONS,
  Choices,
  chooseMasking,
  chooseOutputs,
  choiceLists,
  denseCall,
  drawRecurrent,
  drawReduce,
  drawWindow,
  embeddingBinding,
  embeddingCall,
  featuresInput,
  idsInput,
  inputLine,
  maskInputs,
  meet,
  pipeBinding,
  sourceText,
  targetLine,
  vectorInput,
  type LayoutKind,
  type MaskSourceKind,
  type Val,
} from './gen-common.js';

export type { LayoutKind, MaskSourceKind } from './gen-common.js';

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

const POINTWISE = ['relu', 'tanh', 'gelu', 'elu', 'leaky_relu', 'sigmoid', 'softplus', 'softmax', 'dropout', 'layernorm', 'batchnorm', 'cast'] as const;
const LOSSES = ['crossentropy', 'binary_crossentropy', 'mse', 'mae'] as const;

export function buildRunnable(xs: readonly number[], options: RunnableOptions = {}): RunnableModel {
  const c = new Choices(xs);
  const maxSteps = options.maxSteps ?? 6;
  const loosePct = options.loose ?? 8;
  const loose: string[] = [];
  /** Ignore a rule here? (The caller records it in `loose` where the bent rule shows in the model.) */
  const bend = (): boolean => c.chance(loosePct);

  const { maskSource, layout, shared, maskedBy } = chooseMasking(c);
  // A constant time dim now and then (verify then keeps T fixed and skips R2b).
  const time: string = c.chance(10) ? String(4 + c.int(6)) : 'T';
  const src = sourceText(maskSource, () => c.pick(['-1', '0.5', '0']));

  const decls: string[] = [];
  const body: string[] = [];
  const layers: string[] = [];
  const g = { c, layers };
  const pool: Val[] = [];
  /** Values some binding reads. */
  const used = new Set<string>();
  let ids: { name: string; vocab: number } | undefined;

  // Inputs (MASKING.md section 8): one mask source; more inputs share it when it is shared.
  if (!shared && c.chance(30)) {
    // Token ids masked by their pad id: a value mask on i32.
    const vocab = 2 + c.int(12);
    const pad = sourceText(maskSource, () => c.pick(['0', '-1']));
    decls.push(inputLine(idsInput(time, vocab), maskedBy(pad)));
    ids = { name: 'ids', vocab };
    const dim = 1 + c.int(4);
    layers.push('embedding');
    body.push(`  e0 = ${embeddingCall(ids, dim)};`);
    pool.push({ name: 'e0', C: dim, time: '' });
  } else {
    const C0 = 1 + c.int(4);
    decls.push(inputLine(featuresInput('x', time, C0), maskedBy(src)));
    pool.push({ name: 'x', C: C0, time: '' });
  }
  if (shared && c.chance(35)) {
    const C1 = 1 + c.int(4);
    decls.push(inputLine(featuresInput('x2', time, C1), maskedBy(src)));
    pool.push({ name: 'x2', C: C1, time: '' });
  }
  if (shared && c.chance(35)) {
    const vocab = 2 + c.int(12);
    decls.push(inputLine(idsInput(time, vocab), maskedBy(src)));
    ids = { name: 'ids', vocab };
  }
  if (!shared && bend()) {
    loose.push('a second input with its own value mask');
    // Two masks: the checker must keep them apart (different masks never meet).
    decls.push(inputLine(featuresInput('x3', time, 2), maskedBy('zeros')));
    pool.push({ name: 'x3', C: 2, time: '' });
  }
  for (const d of maskInputs(maskSource, time)) decls.push(inputLine(d));
  let vector: Val | undefined;
  if (c.chance(25)) {
    const C = 1 + c.int(4);
    decls.push(inputLine(vectorInput(C)));
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
      return [denseCall(units, bias, act), { ...v, C: units }];
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
    // Over `pre` a window strides only when bending the rules; a pool's default stride (its size) counts too.
    const strided = layout !== 'pre' || bend();
    const [call, next, stride] = drawWindow(g, v, {
      conv: () => ({ filters: 1 + c.int(4), kernel: 1 + c.int(4), stride: strided && c.chance(40) ? 2 + c.int(2) : 1, dilation: c.chance(30) ? 2 : 1 }),
      poolSize: () => 1 + c.int(3),
      poolStrides: strided,
      spellSame: 20,
    });
    if (layout === 'pre' && stride > 1) loose.push('a strided window over pre');
    return [call, next];
  };
  const recurrent = (v: Val, sequences: boolean): [string, Val] =>
    drawRecurrent(g, v, sequences, 4, (layer) => [
      ...(layer === 'gru' && c.chance(30) ? ['reset_after: false'] : []),
      ...(c.chance(25) ? ['recurrent_activation: hard_sigmoid'] : []),
    ]);
  const reduce = (v: Val): [string, Val] => drawReduce(g, v, (u) => recurrent(u, false));
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
      const [line, val] = embeddingBinding(g, name, ids, { name, C: 1 + c.int(4), time: '' }, stage);
      body.push(line);
      pool.push(val);
      continue;
    }
    if (kind <= 2 && pool.length >= 2) {
      // Two values that meet: the same windows (a residual), or any two when bending the rules.
      const { line, a, b, C } = meet(g, name, pool, bend);
      used.add(a.name);
      used.add(b.name);
      if (a.time !== b.time) loose.push(`values with other time axes meet${a.time === null || b.time === null ? ' (one without)' : ''}`);
      body.push(line);
      pool.push({ name, C, time: a.time });
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
    const { line, from, val } = pipeBinding(g, name, pool, stage);
    used.add(from.name);
    body.push(line);
    pool.push(val);
  }

  // Outputs: the last value made, most values nothing else reads (so that few layers are dead code), and maybe others.
  const { made, outputs } = chooseOutputs(c, pool, (v) => (used.has(v.name) ? 10 : 75));
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
      decls.push(targetLine(t, 'i32', dims));
    } else decls.push(targetLine(t, 'f32', [...dims, v.C]));
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

/** The choice lists models are built from (what fast-check draws and shrinks). */
export function arbChoices(): fc.Arbitrary<number[]> {
  return choiceLists(160);
}

export function arbRunnable(options: RunnableOptions = {}): fc.Arbitrary<RunnableModel> {
  return arbChoices().map((xs) => buildRunnable(xs, options));
}
