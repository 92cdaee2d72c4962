/**
 * What the two random-model generators have in common: gen-model.ts (models
 * the checker must accept, or with one planted fault) and gen-runnable.ts
 * (models verify runs, with a rule bent now and then).
 *
 * Both build a model from a list of choices read one by one, and the property
 * tests run them with fixed seeds and count what they make. So every helper
 * here reads its choices in one fixed order, and reads none where a generator
 * does not: one read more, or one out of place, would change every model
 * after it. Where the generators differ (ranges, odds, extra arguments), the
 * caller draws that part itself and hands it in.
 */
import fc from 'fast-check';

export type MaskSourceKind = 'lengths' | 'zeros' | 'value' | 'mask';
export type LayoutKind = 'post' | 'pre' | 'holes';

export const ACTIVATIONS = ['none', 'relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'elu', 'leaky_relu', 'softmax'] as const;

/** A list of numbers read as choices. An exhausted list reads as 0, so fast-check shrinks a model towards the first entry of every menu. */
export class Choices {
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

/** Choice lists of up to `maxLength` entries (what fast-check draws and shrinks). */
export function choiceLists(maxLength: number): fc.Arbitrary<number[]> {
  return fc.array(fc.noBias(fc.nat({ max: (1 << 20) - 1 })), { maxLength, size: 'max' });
}

// ------------------------------------------------------------------ mask source and inputs

export interface Masking {
  readonly maskSource: MaskSourceKind;
  readonly layout: LayoutKind;
  /** Lengths and a bool mask are inputs of their own that several inputs can share; a value mask belongs to its input. */
  readonly shared: boolean;
  /** The `masked by` clause over `src`. */
  maskedBy(src: string): string;
}

/** The model's mask source and layout: the first two choices of every model. */
export function chooseMasking(c: Choices): Masking {
  const maskSource = c.pick(['lengths', 'zeros', 'value', 'mask'] as const);
  const layoutChoice = c.pick(['default', 'post', 'pre'] as const);
  // Without `padded`, the source decides (docs/masking.md, "Mask sources"); that default is worth generating as well.
  const layout: LayoutKind = layoutChoice === 'default' ? (maskSource === 'lengths' ? 'post' : 'holes') : layoutChoice;
  const padded = layoutChoice === 'default' ? '' : `, padded ${layoutChoice}`;
  return {
    maskSource,
    layout,
    shared: maskSource === 'lengths' || maskSource === 'mask',
    maskedBy: (src) => `masked by ${src}${padded}`,
  };
}

/** The mask source as written after `masked by`. `pad` draws a value mask's pad value, so a model with another source reads no choice for it. */
export function sourceText(maskSource: MaskSourceKind, pad: () => string): string {
  return maskSource === 'lengths' ? 'lengths(n)' : maskSource === 'mask' ? 'm' : maskSource === 'zeros' ? 'zeros' : `value(${pad()})`;
}

export interface InputDecl {
  readonly name: string;
  readonly role: 'features' | 'ids' | 'lengths' | 'mask' | 'vector' | 'unmasked' | 'target';
  readonly dtype: 'f32' | 'i32' | 'bool';
  /** Dims as written: `B`, `T`, or numbers. */
  readonly dims: readonly (string | number)[];
  /** For ids: the vocabulary of the embedding that reads them. */
  readonly vocab?: number;
}

export const featuresInput = (name: string, time: string | number, C: number): InputDecl => ({ name, role: 'features', dtype: 'f32', dims: ['B', time, C] });
export const idsInput = (time: string | number, vocab: number): InputDecl => ({ name: 'ids', role: 'ids', dtype: 'i32', dims: ['B', time], vocab });
export const vectorInput = (C: number): InputDecl => ({ name: 'v', role: 'vector', dtype: 'f32', dims: ['B', C] });

/** The inputs a shared mask source reads: the lengths `n` or the bool mask `m`. */
export function maskInputs(maskSource: MaskSourceKind, time: string | number): InputDecl[] {
  if (maskSource === 'lengths') return [{ name: 'n', role: 'lengths', dtype: 'i32', dims: ['B'] }];
  if (maskSource === 'mask') return [{ name: 'm', role: 'mask', dtype: 'bool', dims: ['B', time] }];
  return [];
}

export function inputLine(d: InputDecl, clause?: string): string {
  return `  input ${d.name}: ${d.dtype}[${d.dims.join(', ')}]${clause === undefined ? '' : ` ${clause}`};`;
}

export function targetLine(name: string, dtype: 'f32' | 'i32', dims: readonly (string | number)[]): string {
  return `  target ${name}: ${dtype}[${dims.join(', ')}];`;
}

// ------------------------------------------------------------------ stages of a pipe

/** A value in scope while generating. */
export interface Val {
  readonly name: string;
  /** Features (the last axis). */
  readonly C: number;
  /** null: no time axis ([B, C]); otherwise the windows applied so far ('' for none), so that values meet only with equal windows. */
  readonly time: string | null;
}

/** A stage of a pipe: its call text and the value it makes. */
export type Stage<V extends Val> = (v: V) => [string, V];

/** A generator's choices, and the built-in layers its model calls so far (in order, with repeats). */
export interface Gen {
  readonly c: Choices;
  readonly layers: string[];
}

export function denseCall(units: number, bias: boolean, act: (typeof ACTIVATIONS)[number]): string {
  return `dense(units: ${units}${bias ? '' : ', bias: false'}${act === 'none' ? '' : `, activation: ${act}`})`;
}

export interface ConvGeometry {
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
}

/** The parts of a window that the generators draw each their own way. */
export interface WindowDraws {
  /** Draws conv1d's filters, kernel, stride and dilation, in that order. */
  conv(): ConvGeometry;
  poolSize(): number;
  /** false: a pool keeps stride 1 (and no choice is read for it). */
  readonly poolStrides: boolean;
  /** Percent odds of writing conv1d's default `padding: same` out; 0 reads no choice. */
  readonly spellSame: number;
}

/** conv1d, maxpool1d or avgpool1d. The stride comes back as well, for a caller that tells strided windows apart. */
export function drawWindow<V extends Val>({ c, layers }: Gen, v: V, draws: WindowDraws): [call: string, val: V, stride: number] {
  const kind = c.int(3);
  if (kind === 0) {
    const { filters, kernel, stride, dilation } = draws.conv();
    const padding = c.pick(['same', 'valid', 'causal'] as const);
    const bias = c.chance(60);
    const act = c.chance(30) ? c.pick(ACTIVATIONS) : 'none';
    const args = [`filters: ${filters}`, `kernel: ${kernel}`];
    if (stride > 1) args.push(`stride: ${stride}`);
    if (dilation > 1) args.push(`dilation: ${dilation}`);
    if (padding !== 'same' || (draws.spellSame > 0 && c.chance(draws.spellSame))) args.push(`padding: ${padding}`);
    if (!bias) args.push('bias: false');
    if (act !== 'none') args.push(`activation: ${act}`);
    layers.push('conv1d');
    return [`conv1d(${args.join(', ')})`, { ...v, C: filters, time: `${v.time}|c${kernel},${stride},${dilation},${padding}` }, stride];
  }
  const layer = kind === 1 ? 'maxpool1d' : 'avgpool1d';
  const size = draws.poolSize();
  // Half the time the default stride (the size), else any stride, so that pools overlap and skip as well.
  const stride = !draws.poolStrides ? 1 : c.chance(50) ? size : 1 + c.int(3);
  const padding = c.pick(['valid', 'same'] as const);
  const args = [`size: ${size}`];
  if (stride !== size) args.push(`stride: ${stride}`);
  if (padding !== 'valid') args.push(`padding: ${padding}`);
  layers.push(layer);
  return [`${layer}(${args.join(', ')})`, { ...v, time: `${v.time}|p${size},${stride},${padding}` }, stride];
}

/** gru or lstm in any direction. `extra` draws the generator's own further arguments for the layer picked. */
export function drawRecurrent<V extends Val>(
  { c, layers }: Gen,
  v: V,
  sequences: boolean,
  maxUnits: number,
  extra: (layer: 'gru' | 'lstm') => string[],
): [string, V] {
  const layer = c.pick(['gru', 'lstm'] as const);
  const units = 1 + c.int(maxUnits);
  const direction = c.pick(['forward', 'backward', 'both'] as const);
  const args = [`units: ${units}`];
  if (!sequences) args.push('sequences: false');
  if (direction !== 'forward') args.push(`direction: ${direction}`);
  args.push(...extra(layer));
  layers.push(layer);
  return [`${layer}(${args.join(', ')})`, { ...v, C: direction === 'both' ? 2 * units : units, time: sequences ? v.time : null }];
}

/** A stage that drops the time axis; `lastState` is the generator's recurrent layer without sequences. */
export function drawReduce<V extends Val>({ c, layers }: Gen, v: V, lastState: Stage<V>): [string, V] {
  const k = c.int(4);
  if (k === 3) return lastState(v);
  const layer = (['global_avgpool', 'global_maxpool', 'last'] as const)[k]!;
  layers.push(layer);
  return [`${layer}()`, { ...v, time: null }];
}

// ------------------------------------------------------------------ bindings

export function embeddingCall(ids: { readonly name: string; readonly vocab: number }, dim: number): string {
  return `embedding(${ids.name}, vocab: ${ids.vocab}, dim: ${dim})`;
}

/** `name = embedding(ids, ...)`, half the time piped on through one stage. `seed` is the embedding's value, as the caller types it. */
export function embeddingBinding<V extends Val>(
  { c, layers }: Gen,
  name: string,
  ids: { readonly name: string; readonly vocab: number },
  seed: V,
  stage: Stage<V>,
): [line: string, val: V] {
  layers.push('embedding');
  let expr = embeddingCall(ids, seed.C);
  let val = seed;
  if (c.chance(50)) {
    const [s, next] = stage(val);
    expr += ` |> ${s}`;
    val = next;
  }
  return [`  ${name} = ${expr};`, { ...val, name }];
}

/**
 * `name` as a binary op over two values in scope: add (as `+` or `add(...)`)
 * when their features agree, else concat, and concat now and then anyway.
 * `b` has `a`'s windows, unless `anyPartner()` lets it be any value.
 */
export function meet<V extends Val>(
  { c, layers }: Gen,
  name: string,
  pool: readonly V[],
  anyPartner: () => boolean,
): { line: string; a: V; b: V; C: number } {
  const a = c.pick(pool);
  const b = c.pick(anyPartner() ? pool : pool.filter((p) => p.time === a.time));
  const op = c.int(3);
  if (op === 2 || a.C !== b.C) {
    layers.push('concat');
    return { line: `  ${name} = concat(${a.name}, ${b.name});`, a, b, C: a.C + b.C };
  }
  layers.push('add');
  return { line: op === 0 ? `  ${name} = ${a.name} + ${b.name};` : `  ${name} = add(${a.name}, ${b.name});`, a, b, C: a.C };
}

/**
 * `name` as a pipe of one to three stages. The newest value is the likelier
 * source (chains), yet any value may be (DAGs); a single stage is now and
 * then written as a plain call, so that both spellings get parsed.
 */
export function pipeBinding<V extends Val>({ c }: Gen, name: string, pool: readonly V[], stage: Stage<V>): { line: string; from: V; val: V } {
  const from = c.chance(60) ? pool[pool.length - 1]! : c.pick(pool);
  let val = from;
  const parts: string[] = [];
  const n = 1 + c.int(3);
  for (let i = 0; i < n; i++) {
    const [s, next] = stage(val);
    parts.push(s);
    val = next;
  }
  const line = c.chance(20) && parts.length === 1 ? `  ${name} = ${callWithFirst(parts[0]!, from.name)};` : `  ${name} = ${from.name} |> ${parts.join(' |> ')};`;
  return { line, from, val: { ...val, name } };
}

/** `relu()` with first argument `x` as a plain call: `relu(x)`. */
function callWithFirst(call: string, first: string): string {
  const open = call.indexOf('(');
  const rest = call.slice(open + 1);
  return `${call.slice(0, open)}(${first}${rest === ')' ? ')' : `, ${rest}`}`;
}

/** The values the bindings made, and the outputs: always the last one made, any other with the odds `percent` gives it. */
export function chooseOutputs<V extends Val>(c: Choices, pool: readonly V[], percent: (v: V) => number): { made: V[]; outputs: string[] } {
  const made = pool.filter((v) => /^(v\d+|e0)$/.test(v.name));
  const outs = new Set<string>([(made[made.length - 1] ?? pool[pool.length - 1]!).name]);
  for (const v of made) if (c.chance(percent(v))) outs.add(v.name);
  return { made, outputs: [...outs] };
}

/** Every mask source with every layout it allows (MASKING.md section 8), as `"<source> <layout>"`, sorted: what the generators must cover. */
export const MASK_SOURCE_LAYOUTS: readonly string[] = [
  'lengths post',
  'lengths pre',
  'mask holes',
  'mask post',
  'mask pre',
  'value holes',
  'value post',
  'value pre',
  'zeros holes',
  'zeros post',
  'zeros pre',
];
