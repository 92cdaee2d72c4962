/**
 * Random `.seqnet` models as TEXT, for property tests of the checker (and of
 * `verify`, issue 5): chains and DAGs over every built-in layer, every mask
 * source and layout, residual adds, concats, strided and dilated windows,
 * pools, recurrent layers in all directions, reductions and losses.
 *
 * The generator draws from a list of choices (`fc.array(fc.nat())`) that it
 * reads one by one; an exhausted list reads as 0, so fast-check shrinks a
 * failing model towards the first choice at every step: fewer bindings, the
 * first mask source, the first layer of each menu. `wellFormed` says the
 * generator followed MASKING.md sections 3-5 (the checker must accept the
 * model); a model built with `mutate` carries one deliberate fault (or is
 * garbled text) and may be rejected, but never with a crash.
 */
import fc from 'fast-check';
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
  type InputDecl,
  type LayoutKind,
  type MaskSourceKind,
  type Val as Value,
} from './gen-common.js';

export type { LayoutKind, MaskSourceKind } from './gen-common.js';
export type GeneratedInput = InputDecl;

export interface GeneratedModel {
  readonly text: string;
  readonly name: string;
  /** Built by the rules: the checker must accept it (no errors). */
  readonly wellFormed: boolean;
  /** What the deliberate fault is, when not well formed. */
  readonly fault?: string;
  readonly maskSource: MaskSourceKind;
  readonly layout: LayoutKind;
  /** The time dim: `T`, or a constant. */
  readonly time: string | number;
  readonly inputs: readonly GeneratedInput[];
  /** Every layer the model calls (losses included), in order of appearance. */
  readonly layers: readonly string[];
  readonly outputs: readonly string[];
  readonly losses: number;
}

export interface ModelOptions {
  /** Most bindings (default 8). */
  readonly maxSteps?: number;
  /** Also produce models with one deliberate fault (default false). */
  readonly mutate?: boolean;
}

interface Val extends Value {
  /** Masked (all time values of the model are, except `u`). */
  readonly masked: boolean;
}

const KEEPS = ['relu', 'tanh', 'gelu', 'elu', 'leaky_relu'] as const;

export function buildModel(xs: readonly number[], options: ModelOptions = {}): GeneratedModel {
  const c = new Choices(xs);
  const maxSteps = options.maxSteps ?? 8;
  const { maskSource, layout, shared, maskedBy } = chooseMasking(c);
  const time: string | number = c.chance(15) ? 6 + c.int(10) : 'T';
  const C0 = 2 + c.int(5);
  const lines: string[] = [];
  const inputs: GeneratedInput[] = [];
  const layers: string[] = [];
  const g = { c, layers };
  const pool: Val[] = [];
  let ids: { name: string; vocab: number } | undefined;
  const declare = (d: InputDecl, clause?: string) => {
    lines.push(inputLine(d, clause));
    inputs.push(d);
  };

  // Inputs and their masks (MASKING.md section 8).
  const src = sourceText(maskSource, () => '-1');
  const idsOnly = maskSource === 'value' && c.chance(30);
  if (idsOnly) {
    const vocab = 3 + c.int(20);
    declare(idsInput(time, vocab), maskedBy('value(0)'));
    ids = { name: 'ids', vocab };
    // Every later step needs a float value to start from.
    const dim = 1 + c.int(6);
    lines.push(`  e0 = ${embeddingCall(ids, dim)};`);
    layers.push('embedding');
    pool.push({ name: 'e0', C: dim, time: '', masked: true });
  } else {
    declare(featuresInput('x', time, C0), maskedBy(src));
    pool.push({ name: 'x', C: C0, time: '', masked: true });
  }
  if (shared && c.chance(40)) {
    const C1 = 2 + c.int(5);
    declare(featuresInput('x2', time, C1), maskedBy(src));
    pool.push({ name: 'x2', C: C1, time: '', masked: true });
  }
  if (shared && c.chance(30)) {
    const vocab = 3 + c.int(20);
    declare(idsInput(time, vocab), maskedBy(src));
    ids = { name: 'ids', vocab };
  }
  for (const d of maskInputs(maskSource, time)) declare(d);
  let vector: Val | undefined;
  if (c.chance(25)) {
    const C = 2 + c.int(5);
    declare(vectorInput(C));
    vector = { name: 'v', C, time: null, masked: false };
    pool.push(vector);
  }

  let fault: string | undefined;
  const mutate = options.mutate === true && c.chance(35);
  const faultAt = mutate ? c.int(maxSteps) : -1;
  const bodyStart = lines.length;

  // Pipe stages: each returns the call text and the value it makes.
  const windowOk = (v: Val) => v.time !== null && layout !== 'holes';
  const pointwise = (v: Val): [string, Val] => {
    const k = c.int(12);
    switch (k) {
      case 0: {
        const units = 1 + c.int(6);
        const bias = c.chance(50);
        const act = c.pick(ACTIVATIONS);
        layers.push('dense');
        return [denseCall(units, bias, act), { ...v, C: units }];
      }
      case 1:
      case 2: {
        const name = c.pick(KEEPS);
        layers.push(name);
        return [name === 'leaky_relu' && c.chance(50) ? 'leaky_relu(alpha: 0.1)' : `${name}()`, v];
      }
      case 3: {
        const name = c.pick(['sigmoid', 'softplus', 'softmax'] as const);
        layers.push(name);
        return [`${name}()`, v];
      }
      case 4:
        layers.push('dropout');
        return [`dropout(rate: ${c.pick(['0.1', '0.5', '0'])})`, v];
      case 5:
        layers.push('layernorm');
        return ['layernorm()', v];
      case 6:
        layers.push('batchnorm');
        return [c.chance(50) ? 'batchnorm()' : 'batchnorm(momentum: 0.9, epsilon: 0.001)', v];
      case 7:
        layers.push('cast');
        return ['cast(to: f32)', v];
      default: {
        const units = 1 + c.int(6);
        layers.push('dense');
        return [`dense(units: ${units})`, { ...v, C: units }];
      }
    }
  };
  const windowStage = (v: Val): [string, Val] => {
    // A strided window over `pre` is a fault (addFault plants one): stride 1 there.
    const strides = layout !== 'pre';
    const [call, next] = drawWindow(g, v, {
      conv: () => ({ filters: 1 + c.int(6), kernel: 1 + c.int(5), stride: 1 + c.int(strides ? 3 : 1), dilation: 1 + c.int(2) }),
      poolSize: () => 1 + c.int(4),
      poolStrides: strides,
      spellSame: 0,
    });
    return [call, next];
  };
  const recurrent = (v: Val, sequences: boolean): [string, Val] =>
    drawRecurrent(g, v, sequences, 6, (layer) => (layer === 'gru' && c.chance(30) ? ['reset_after: false', 'recurrent_activation: hard_sigmoid'] : []));
  const reduce = (v: Val): [string, Val] => drawReduce(g, v, (u) => recurrent(u, false));
  const stage = (v: Val): [string, Val] => {
    const k = c.int(10);
    if (v.time !== null && k <= 2 && windowOk(v)) return windowStage(v);
    if (v.time !== null && k === 3) return recurrent(v, true);
    if (v.time !== null && k === 4) return reduce(v);
    return pointwise(v);
  };

  let step = 0;
  const steps = 1 + c.int(maxSteps);
  for (; step < steps; step++) {
    const name = `v${step + 1}`;
    if (step === faultAt) {
      const f = addFault(c, pool, layout, time, lines, name, vector);
      fault = f.fault;
      if (f.val) pool.push(f.val);
      continue;
    }
    const kind = c.int(10);
    const seqs = pool.filter((v) => v.time !== null);
    if (kind === 0 && ids) {
      const [line, val] = embeddingBinding(g, name, ids, { name, C: 1 + c.int(6), time: '', masked: true }, stage);
      lines.push(line);
      pool.push(val);
      continue;
    }
    if (kind <= 2 && pool.length >= 2) {
      // Two values that meet legally: the same windows, or [B, C] broadcast.
      const { line, a, b, C } = meet(g, name, pool, () => false);
      lines.push(line);
      pool.push({ name, C, time: a.time, masked: a.masked || b.masked });
      continue;
    }
    if (kind === 3 && vector && seqs.length > 0) {
      // Broadcast add of a [B, C] value: project it to the sequence's features first.
      const a = c.pick(seqs);
      layers.push('dense', 'add');
      lines.push(`  ${name} = ${a.name} + (${vector.name} |> dense(units: ${a.C}));`);
      pool.push({ name, C: a.C, time: a.time, masked: true });
      continue;
    }
    const { line, val } = pipeBinding(g, name, pool, stage);
    lines.push(line);
    pool.push(val);
  }

  // Outputs: the last value, and maybe others.
  const { made, outputs } = chooseOutputs(c, pool, () => 15);
  lines.push(`  output ${outputs.join(', ')};`);

  // Losses, with targets shaped like their prediction.
  let losses = 0;
  for (const v of made) {
    if (!c.chance(25) || (v.time !== null && v.time !== '')) continue;
    const t = `t${losses + 1}`;
    const dims = v.time === null ? ['B'] : ['B', time];
    const kind = c.int(4);
    if (kind === 0) {
      lines.splice(bodyStart, 0, targetLine(t, 'i32', dims));
      inputs.push({ name: t, role: 'target', dtype: 'i32', dims });
      layers.push('crossentropy');
      lines.push(`  loss crossentropy(${v.name}, ${t}${c.chance(30) ? ', reduction: sum' : ''});`);
    } else {
      const layer = (['mse', 'mae', 'binary_crossentropy', 'crossentropy'] as const)[kind - 1]!;
      lines.splice(bodyStart, 0, targetLine(t, 'f32', [...dims, v.C]));
      inputs.push({ name: t, role: 'target', dtype: 'f32', dims: [...dims, v.C] });
      layers.push(layer);
      lines.push(`  loss ${layer}(${v.name}, ${t}${c.chance(30) ? ', weight: 0.5' : ''});`);
    }
    losses++;
  }

  let text = `model Gen {\n${lines.join('\n')}\n}\n`;
  if (mutate && fault === undefined && c.chance(30)) {
    // Garbled text: cut a random slice out. Any diagnostic will do; a crash will not.
    const from = c.int(text.length);
    const len = 1 + c.int(12);
    text = text.slice(0, from) + text.slice(from + len);
    fault = `garbled: removed ${len} characters at ${from}`;
  }
  return {
    text,
    name: 'Gen',
    wellFormed: fault === undefined,
    fault,
    maskSource,
    layout,
    time,
    inputs,
    layers,
    outputs,
    losses,
  };
}

/** One deliberate fault (MASKING.md section 5 and the parameter rules). */
function addFault(
  c: Choices,
  pool: Val[],
  layout: LayoutKind,
  time: string | number,
  lines: string[],
  name: string,
  vector: Val | undefined,
): { fault: string; val?: Val } {
  const seq = pool.find((v) => v.time !== null) ?? pool[0]!;
  // A strided window is a fault only over holes or pre-padding (or without a time axis).
  const k = c.int(layout === 'post' && seq.time !== null ? 8 : 9) + (layout === 'post' && seq.time !== null ? 1 : 0);
  switch (k) {
    case 0:
      lines.push(`  ${name} = ${seq.name} |> conv1d(filters: 2, kernel: 3, stride: 2);`);
      return { fault: seq.time === null ? 'window on a value without a time axis' : layout === 'holes' ? 'window over holes' : 'stride 2 over pre', val: { name, C: 2, time: `${seq.time}|c3,2,1,same`, masked: true } };
    case 1: {
      lines.splice(1, 0, `  input u: f32[B, ${time}, ${seq.C}];`);
      lines.push(`  ${name} = ${seq.name} + u;`);
      return { fault: 'masked value meets an unmasked one with a time axis' };
    }
    case 2:
      lines.push(`  ${name} = ${seq.name} |> dense(unit: 3);`);
      return { fault: 'misspelt parameter' };
    case 3:
      lines.push(`  ${name} = ${seq.name} |> conv1d(filters: 2, kernel: 0);`);
      return { fault: 'kernel 0' };
    case 4:
      lines.push(`  ${name} = add(${seq.name}, ${seq.name} |> maxpool1d(size: 2));`);
      return { fault: 'different time dims' };
    case 5:
      lines.push(`  ${name} = ${seq.name} |> gru(units: 2) |> gru(units: 2, sequences: false) |> conv1d(filters: 2, kernel: 3);`);
      return { fault: 'window on a value without a time axis' };
    case 6:
      lines.push(`  ${name} = nowhere |> relu();`);
      return { fault: 'unknown name' };
    case 7:
      lines.push(`  ${name} = ${seq.name} |> dense(units: 2, activation: swish);`);
      return { fault: 'unknown enum value' };
    default:
      lines.push(`  ${name} = ${vector ? `${vector.name} + ${seq.name}` : `concat(${seq.name})`};`);
      return { fault: vector ? 'broadcast operand first' : 'arity' };
  }
}

/** Random models; `fc.sample(arbModel(), 5)` shows some. */
export function arbModel(options: ModelOptions = {}): fc.Arbitrary<GeneratedModel> {
  return choiceLists(200).map((xs) => buildModel(xs, options));
}

/** Mostly good choices, sometimes a bad one: so that most declarations check and the rest fail in one place. */
function mostly<T>(good: readonly T[], bad: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 12 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
}

/**
 * A random layer declaration (LANGUAGE.md section 5), mostly valid, and a model
 * that calls it once on a value, masked or not: for the declaration path of the
 * checker. The model's `impl` modules do not exist (not for `verify`).
 */
export function arbDeclaredLayerModel(): fc.Arbitrary<{ text: string }> {
  return fc
  .record({
    shape: mostly<readonly [string, string, string]>(
      [
        ['pointwise', 'f32[B, ..., C]', 'f32[B, ..., C]'],
        ['pointwise', 'f32[B, T, C]', 'f32[B, T, 2 * C]'],
        ['window(size: k, stride: s, mode: m)', 'f32[B, T, C]', "f32[B, T', C]"],
        ['window(size: k, dilation: s)', 'f32[B, T, C]', "f32[B, T', k + C]"],
        ['window(size: 2 * k - 1, mode: causal)', 'f32[B, T, C]', "f32[B, T', C]"],
        ['recurrent(direction: forward)', 'f32[B, T, C]', 'f32[B, T, C]'],
        ['recurrent(direction: flag ? backward : forward)', 'f32[B, T, C]', 'f32[B, T, 2 * C]'],
        ['reduce', 'f32[B, T, C]', 'f32[B, C]'],
        ['none', 'f32[B, T, C]', 'f32[B, C]'],
        ['flag ? recurrent(direction: both) : reduce', 'f32[B, T, C]', 'flag ? f32[B, T, C] : f32[B, C]'],
        ['pointwise', 'f32[B, T, C] | f32[B, C]', 'f32[B, C]'],
      ] as const,
      [
        ['sideways', 'f32[B, T, C]', 'f32[B, T, C]'],
        ['pointwise', 'f32[B, ..., C]', "f32[B, T', C]"],
        ['reduce', 'f32[B, ..., C]', 'f32[B, T, C]'],
        ['pointwise', 'f32[B, T, C]', 'f32[B, T * C]'],
        ['reduce', 'f32[B, T, C]', 'f32[]'],
        ['window(size: k)', 'f32[B, ..., C]', "f32[B, T', C]"],
      ] as const,
    ),
    needs: mostly(['', 'needs: zeros;', 'needs: any;', 'needs: flag ? zeros : any;'], ['needs: maybe;', 'needs: 1;']),
    pads: mostly(['', 'pads: zeros;', 'pads: keeps_zeros;', 'pads: any;', 'pads: flag ? any : keeps_zeros;', 'pads: pads_of(act);'], ['pads: 3;', 'pads: pads_of(k);']),
    uses: mostly(['', 'uses_mask: true;', 'uses_mask: false;', 'uses_mask: flag;'], ['uses_mask: 1;']),
    requires: mostly(['', 'requires: k >= 1 && s >= 1;', 'requires: k < 10;'], ['requires: k;', 'requires: nothing > 1;']),
    weights: mostly(['', 'weights: k * C;', 'weights: flag ? 1 : 0;'], ['weights: C * T;', 'weights: flag;']),
    call: mostly(
      ['(k: 3)', '(k: 1, s: 2)', '(k: 2, s: 1, m: valid, flag: true)', '(k: 3, act: relu)', '(k: 3, act: sigmoid, flag: true)', '(k: 2, flag: true)', '(k: 4, m: causal)'],
      ['(k: 0)', '()', '(k: 2, s: -1)', '(k: 2, flag: 1)', '(q: 1)'],
    ),
    source: mostly(['masked by zeros, padded post', 'masked by zeros, padded pre', 'masked by zeros', 'masked by lengths(n)', ''], ['masked by lengths(q)']),
    arg: mostly(['x', 'x |> dense(units: 3, bias: false)', 'x |> sigmoid()', 'x |> global_maxpool()'], ['x |> gru(units: 2, sequences: false) |> dense(units: 2)']),
    impl: mostly(['impl: "./my.js#My";'], ['', 'impl: "nowhere";']),
  })
  .map((r) => ({
    text: [
      `layer my(x: ${r.shape[1]}, k: int, s: int = 1, m: same | valid | causal = same, flag: bool = false, act: none | relu | sigmoid = none) -> ${r.shape[2]} {`,
      `  time: ${r.shape[0]};`,
      ...[r.needs, r.pads, r.uses, r.requires, r.weights, r.impl].filter(Boolean).map((l) => `  ${l}`),
      '}',
      'model M {',
      '  input n: i32[B];',
      `  input x: f32[B, T, 4]${r.source ? ` ${r.source}` : ''};`,
      `  y = ${r.arg} |> my${r.call};`,
      '  output y;',
      '}',
      '',
    ].join('\n'),
  }));
}
