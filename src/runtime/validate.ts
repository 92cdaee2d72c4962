/**
 * Checks the tensors a caller passes before they reach the graph, so that a
 * mistake is reported as a `SeqnetInputError` naming the input (and the
 * first offending row), never as a tfjs shape error from inside a layer or,
 * worse, a silently wrong answer (MASKING.md section 8: a declared layout is
 * checked where the data could break it).
 */
import type { DType } from './builder-types.js';
import { SeqnetInputError } from './errors.js';
import { type Dim, type Manifest, type ManifestInput, type ManifestTarget, inputRole, isPlainSymbol } from './manifest.js';
import { tf } from './tf.js';

/** Sizes bound to plain symbolic dims (`B`, `T`), with who bound them first. */
export type Bindings = Map<string, { size: number; by: string; axis: number }>;

export interface Prepared {
  /** The tensors to feed, converted where needed (a float 0/1 mask to the declared dtype). */
  readonly tensors: Record<string, tf.Tensor>;
  /** Tensors made here, to dispose after use. */
  readonly owned: tf.Tensor[];
  readonly bindings: Bindings;
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor || (typeof x === 'object' && x !== null && Array.isArray((x as tf.Tensor).shape) && typeof (x as tf.Tensor).dataSync === 'function');
}

function dtypeName(d: DType): string {
  return d === 'float32' ? 'f32' : d === 'int32' ? 'i32' : 'bool';
}

function describe(spec: { dtype: DType; shape: readonly Dim[] }): string {
  return `${dtypeName(spec.dtype)}[${spec.shape.join(', ')}]`;
}

function checkShape(kind: string, spec: ManifestInput | ManifestTarget, t: tf.Tensor, bindings: Bindings): void {
  const name = spec.name;
  if (t.shape.length !== spec.shape.length) {
    throw new SeqnetInputError(name, `${kind} \`${name}\` must have rank ${spec.shape.length} (${describe(spec)}), got shape [${t.shape.join(', ')}]`);
  }
  spec.shape.forEach((dim, axis) => {
    const size = t.shape[axis]!;
    if (typeof dim === 'number') {
      if (size !== dim) {
        const what = axis === spec.shape.length - 1 ? 'feature size' : `size of axis ${axis}`;
        throw new SeqnetInputError(name, `${kind} \`${name}\` must have ${what} ${dim} (${describe(spec)}), got shape [${t.shape.join(', ')}]`);
      }
      return;
    }
    if (!isPlainSymbol(dim)) return;
    const key = dim.trim();
    const bound = bindings.get(key);
    if (bound === undefined) {
      bindings.set(key, { size, by: name, axis });
    } else if (bound.size !== size) {
      throw new SeqnetInputError(
        name,
        `${kind} \`${name}\` has ${size} on axis ${axis} (${key}), but \`${bound.by}\` has ${bound.size} on axis ${bound.axis}`,
      );
    }
  });
}

function checkDtype(kind: string, spec: ManifestInput | ManifestTarget, t: tf.Tensor, accepted: readonly string[]): void {
  if (!accepted.includes(t.dtype)) {
    const want = accepted.length === 1 ? accepted[0] : accepted.join(' or ');
    throw new SeqnetInputError(spec.name, `${kind} \`${spec.name}\` must be ${want} (${describe(spec)}), got ${t.dtype}`);
  }
}

/** The masked inputs that read lengths or mask input `aux`. */
function ownersOf(manifest: Manifest, aux: string): ManifestInput[] {
  return manifest.inputs.filter((i) => i.mask?.input === aux);
}

function checkLengths(spec: ManifestInput, t: tf.Tensor, T: number): void {
  const values = t.dataSync();
  for (let b = 0; b < values.length; b++) {
    const n = values[b]!;
    if (!(n >= 0 && n <= T)) {
      throw new SeqnetInputError(
        spec.name,
        `input \`${spec.name}\`: length ${n} in row ${b} is out of range [0, ${T}] (the time axis has ${T} steps)`,
        b,
      );
    }
  }
}

function checkMask(spec: ManifestInput, t: tf.Tensor, layout: string): void {
  const [B, T] = [t.shape[0]!, t.shape[1]!];
  const values = t.dataSync();
  for (let b = 0; b < B; b++) {
    let seenReal = false;
    let seenPadAfterReal = false;
    let seenPad = false;
    for (let s = 0; s < T; s++) {
      const v = Number(values[b * T + s]);
      if (v !== 0 && v !== 1) {
        throw new SeqnetInputError(spec.name, `input \`${spec.name}\`: mask value ${v} at row ${b}, step ${s} (a mask holds 0 or 1)`, b);
      }
      if (v === 1) {
        if (layout === 'post' && seenPad) {
          throw new SeqnetInputError(spec.name, `input \`${spec.name}\`: row ${b} is not a prefix mask (declared padded post): real step ${s} follows a padded step`, b);
        }
        if (layout === 'pre' && seenPadAfterReal) {
          throw new SeqnetInputError(spec.name, `input \`${spec.name}\`: row ${b} is not a suffix mask (declared padded pre): real step ${s} follows a padded step`, b);
        }
        seenReal = true;
      } else {
        seenPad = true;
        if (seenReal) seenPadAfterReal = true;
      }
    }
  }
}

/** Validates and converts the model inputs. */
export function prepareInputs(manifest: Manifest, inputs: Readonly<Record<string, tf.Tensor>>): Prepared {
  if (typeof inputs !== 'object' || inputs === null) {
    throw new SeqnetInputError('inputs', 'inputs must be an object of tensors keyed by input name');
  }
  const names = new Set(manifest.inputs.map((i) => i.name));
  for (const key of Object.keys(inputs)) {
    if (!names.has(key)) {
      const asTarget = manifest.targets.some((t) => t.name === key);
      throw new SeqnetInputError(
        key,
        asTarget
          ? `\`${key}\` is a target, not an input: pass it with the targets`
          : `unknown input \`${key}\` (the inputs of ${manifest.name} are ${[...names].map((n) => `\`${n}\``).join(', ')})`,
      );
    }
  }
  const bindings: Bindings = new Map();
  const tensors: Record<string, tf.Tensor> = {};
  const owned: tf.Tensor[] = [];
  // Features first, so that their time axes bind T before lengths and masks are read against it.
  const ordered = [...manifest.inputs].sort((a, b) => Number(inputRole(manifest, a.name) !== 'features') - Number(inputRole(manifest, b.name) !== 'features'));
  for (const spec of ordered) {
    const t = inputs[spec.name];
    const role = inputRole(manifest, spec.name);
    if (t === undefined) {
      const what = role === 'lengths' ? ', the lengths of ' : role === 'mask' ? ', the mask of ' : '';
      const owner = role === 'features' ? '' : ownersOf(manifest, spec.name).map((o) => `\`${o.name}\``).join(', ');
      throw new SeqnetInputError(spec.name, `missing input \`${spec.name}\` (${describe(spec)}${what}${owner})`);
    }
    if (!isTensor(t)) throw new SeqnetInputError(spec.name, `input \`${spec.name}\` must be a tf.Tensor (${describe(spec)})`);
    if (t.isDisposed) throw new SeqnetInputError(spec.name, `input \`${spec.name}\` is a disposed tensor`);
    checkDtype('input', spec, t, role === 'mask' ? ['bool', 'float32', 'int32'] : [spec.dtype]);
    checkShape('input', spec, t, bindings);
    if (role === 'lengths' || role === 'mask') {
      for (const owner of ownersOf(manifest, spec.name)) {
        const ownerTensor = inputs[owner.name];
        if (ownerTensor === undefined || !isTensor(ownerTensor)) continue;
        const T = ownerTensor.shape[1]!;
        if (ownerTensor.shape[0] !== t.shape[0]) {
          throw new SeqnetInputError(spec.name, `input \`${spec.name}\` has ${t.shape[0]} rows, but \`${owner.name}\` has ${ownerTensor.shape[0]}`);
        }
        if (role === 'lengths') checkLengths(spec, t, T);
        else {
          if (t.shape[1] !== T) {
            throw new SeqnetInputError(spec.name, `input \`${spec.name}\` has ${t.shape[1]} steps, but \`${owner.name}\` has ${T}`);
          }
          checkMask(spec, t, owner.mask!.layout);
        }
      }
    }
    if (role === 'mask' && t.dtype !== spec.dtype) {
      const converted = tf.tidy(() => (spec.dtype === 'bool' ? tf.notEqual(t, tf.scalar(0, t.dtype)) : tf.cast(t, spec.dtype)));
      owned.push(converted);
      tensors[spec.name] = converted;
    } else {
      tensors[spec.name] = t;
    }
  }
  return { tensors, owned, bindings };
}

/** Validates the targets the losses read, against the inputs' bindings. */
export function prepareTargets(manifest: Manifest, targets: Readonly<Record<string, tf.Tensor>>, bindings: Bindings, needed: ReadonlySet<string>): Record<string, tf.Tensor> {
  if (typeof targets !== 'object' || targets === null) {
    throw new SeqnetInputError('targets', 'targets must be an object of tensors keyed by target name');
  }
  const names = new Set(manifest.targets.map((t) => t.name));
  for (const key of Object.keys(targets)) {
    if (!names.has(key)) {
      const asInput = manifest.inputs.some((i) => i.name === key);
      throw new SeqnetInputError(
        key,
        asInput
          ? `\`${key}\` is an input, not a target`
          : `unknown target \`${key}\` (the targets of ${manifest.name} are ${[...names].map((n) => `\`${n}\``).join(', ') || 'none'})`,
      );
    }
  }
  const out: Record<string, tf.Tensor> = {};
  for (const spec of manifest.targets) {
    const t = targets[spec.name];
    if (t === undefined) {
      if (needed.has(spec.name)) throw new SeqnetInputError(spec.name, `missing target \`${spec.name}\` (${describe(spec)})`);
      continue;
    }
    if (!isTensor(t)) throw new SeqnetInputError(spec.name, `target \`${spec.name}\` must be a tf.Tensor (${describe(spec)})`);
    if (t.isDisposed) throw new SeqnetInputError(spec.name, `target \`${spec.name}\` is a disposed tensor`);
    checkDtype('target', spec, t, [spec.dtype]);
    checkShape('target', spec, t, bindings);
    out[spec.name] = t;
  }
  return out;
}
