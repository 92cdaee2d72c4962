/**
 * The manifest: what a tool needs to drive a compiled model without reading
 * its source (API.md, "Output directory"). The required fields are the
 * stable contract; the optional ones below are runtime extensions that the
 * compiler may write and that `ModelBuilder` fills in when they are absent:
 *
 * - `inputs[i].role`: `features`, `lengths` (an `i32 [B]` lengths input) or
 *   `mask` (a `bool [B, T]` mask input). Derived from the `mask` clauses when
 *   absent (`inputRole`).
 * - `outputs[i].layout`: the layout of the output's mask, when `masked`.
 * - `losses`: the declared loss terms, in source order (`kind` is the loss
 *   layer, `pred` the value it reads, `target` the target name, `params` the
 *   resolved parameters, `masked` whether it averages over real steps, and
 *   `layout` that mask's layout).
 */
import type { DType, Layout, ParamValue } from './builder-types.js';

export type Dim = string | number;

export interface ManifestMask {
  readonly source: 'zeros' | 'value' | 'lengths' | 'input';
  readonly layout: Layout;
  /** The pad value, for `source: 'value'`. */
  readonly value?: number;
  /** The lengths input (`source: 'lengths'`) or the mask input (`source: 'input'`). */
  readonly input?: string;
}

export type InputRole = 'features' | 'lengths' | 'mask';

export interface ManifestInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  readonly mask?: ManifestMask;
  readonly role?: InputRole;
}

export interface ManifestTarget {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface ManifestOutput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  /** The output keeps a time axis and comes with `<name>_mask`. */
  readonly masked: boolean;
  readonly layout?: Layout;
}

export interface ManifestFill {
  readonly value: string;
  /** Always 0: the field leaves room for other fill values. */
  readonly fill: 0;
  readonly consumers: readonly string[];
  readonly reason: string;
}

export interface ManifestLoss {
  readonly kind: string;
  readonly pred: string;
  readonly target: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly masked: boolean;
  readonly layout?: Layout;
}

export interface Manifest {
  readonly manifestVersion: 1;
  readonly name: string;
  readonly inputs: readonly ManifestInput[];
  readonly targets: readonly ManifestTarget[];
  readonly outputs: readonly ManifestOutput[];
  readonly fills: readonly ManifestFill[];
  readonly compiler: string;
  readonly sourceHash: string;
  readonly losses?: readonly ManifestLoss[];
}

/** The role of input `name`: a lengths or mask input is named by some input's `mask.input`. */
export function inputRole(manifest: Manifest, name: string): InputRole {
  const declared = manifest.inputs.find((i) => i.name === name)?.role;
  if (declared !== undefined) return declared;
  for (const input of manifest.inputs) {
    if (input.mask?.input === name) return input.mask.source === 'lengths' ? 'lengths' : 'mask';
  }
  return 'features';
}

/** The inputs whose axis 1 is a masked time axis. */
export function maskedInputs(manifest: Manifest): ManifestInput[] {
  return manifest.inputs.filter((i) => i.mask !== undefined);
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/g;

/** The identifiers a symbolic dim mentions (`ceil(T / 2)` mentions `T`; `ceil` is a function). */
export function dimSymbols(dim: Dim): string[] {
  if (typeof dim === 'number') return [];
  const out: string[] = [];
  for (const m of dim.matchAll(IDENT)) {
    const after = dim.slice((m.index ?? 0) + m[0].length).trimStart();
    if (!after.startsWith('(')) out.push(m[0]);
  }
  return out;
}

/** A plain symbolic dim (`T`, `B`) binds a size; an expression (`ceil(T / 2)`) does not. */
export function isPlainSymbol(dim: Dim): dim is string {
  return typeof dim === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(dim.trim());
}

/** The time-dim symbols of the masked inputs (usually just `T`). */
export function timeSymbols(manifest: Manifest): Set<string> {
  const out = new Set<string>();
  for (const input of maskedInputs(manifest)) {
    const d = input.shape[1];
    if (d !== undefined) for (const s of dimSymbols(d)) out.add(s);
  }
  return out;
}

/**
 * The masked input whose time axis a target (or output) shape follows, when
 * its axis 1 is a time axis: a declared loss says so (`masked`); otherwise
 * the dim must mention a masked input's time symbol (`T`, `ceil(T / 2)`).
 */
export function timeSourceOf(manifest: Manifest, shape: readonly Dim[], targetName?: string): ManifestInput | undefined {
  const d = shape[1];
  if (d === undefined) return undefined;
  const masked = maskedInputs(manifest);
  if (targetName !== undefined && manifest.losses !== undefined) {
    const terms = manifest.losses.filter((l) => l.target === targetName);
    if (terms.length > 0 && terms.every((l) => !l.masked)) return undefined;
  }
  const symbols = new Set(dimSymbols(d));
  return masked.find((input) => {
    const t = input.shape[1];
    return t !== undefined && dimSymbols(t).some((s) => symbols.has(s));
  });
}

/** Structural checks on a manifest read from disk; throws a plain Error (a corrupt file is not user data). */
export function assertManifest(value: unknown, where: string): asserts value is Manifest {
  const m = value as Partial<Manifest> | null;
  const bad = (what: string): never => {
    throw new Error(`${where}: not a seqnet manifest (${what})`);
  };
  if (m === null || typeof m !== 'object') bad('not an object');
  if (m!.manifestVersion !== 1) bad(`manifestVersion ${String(m!.manifestVersion)}, expected 1`);
  if (typeof m!.name !== 'string') bad('name');
  for (const key of ['inputs', 'targets', 'outputs', 'fills'] as const) {
    if (!Array.isArray(m![key])) bad(key);
  }
  for (const list of [m!.inputs!, m!.targets!, m!.outputs!]) {
    for (const t of list) {
      if (typeof t.name !== 'string' || !Array.isArray(t.shape) || !['float32', 'int32', 'bool'].includes(t.dtype)) {
        bad(`entry ${JSON.stringify(t)}`);
      }
    }
  }
}
