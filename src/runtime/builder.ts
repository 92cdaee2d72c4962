/**
 * The `ModelBuilder` the generated module drives: one call per input,
 * layer, mask derivation, fill, output and loss, in topological order. It
 * builds a functional tfjs LayersModel whose masks are explicit inputs and
 * outputs of layers (never tfjs-layers' implicit mask propagation).
 *
 * The LayersModel's outputs are the declared outputs, their masks, and what
 * the losses read (predictions and masks); the `GraphSpec` records which is
 * which and travels with the model (in model.json's `userDefinedMetadata`).
 */
import type { DType, Layout, MaskSourceSpec, ModelBuilderApi, Params, Sym, WindowSpec } from './builder-types.js';
import { CompiledModel, type GraphSpec } from './compiled-model.js';
import type { Manifest, ManifestLoss, ManifestOutput } from './manifest.js';
import { seedFor, setBaseSeed } from './layers/init.js';
import { AllReal, Fill, MaskSource, Sanitize, WindowMask } from './layers/masks.js';
import { layerFactory, lossFn } from './layers/registry.js';
import { tf } from './tf.js';

export interface ModelBuilderOptions {
  /** Seed of every weight initializer (each layer derives its own from its name). Default: random. */
  readonly seed?: number;
}

interface OutputRecord {
  readonly name: string;
  readonly sym: Sym;
  readonly mask?: Sym;
}

interface LossRecord {
  readonly kind: string;
  readonly pred: Sym;
  readonly target: string;
  readonly params: Params;
  readonly mask?: Sym;
}

/** A weightless layer the builder made itself: its name may change to make room for a value's. */
interface HelperLayer {
  readonly layer: tf.layers.Layer;
  readonly role: string;
}

export class ModelBuilder implements ModelBuilderApi {
  readonly manifest: Manifest;
  readonly seed: number;
  private readonly inputs: { name: string; sym: Sym }[] = [];
  private readonly targetNames = new Map<number, string>();
  private readonly outputs: OutputRecord[] = [];
  private readonly losses: LossRecord[] = [];
  /** Value name of each symbolic tensor made by a call. */
  private readonly valueNames = new Map<number, string>();
  private readonly maskLayouts = new Map<number, Layout>();
  /** Names owned by inputs, built-in and custom layers: fixed (weights are named after them). */
  private readonly fixedNames = new Set<string>();
  private readonly helpers: HelperLayer[] = [];
  private built = false;

  constructor(manifest: Manifest, options: ModelBuilderOptions = {}) {
    this.manifest = manifest;
    this.seed = (options.seed ?? Math.floor(Math.random() * 4294967296)) >>> 0;
  }

  private claim(name: string, what: string): void {
    if (this.built) throw new Error(`seqnet runtime: ModelBuilder.${what}('${name}') after build()`);
    if (this.fixedNames.has(name)) throw new Error(`seqnet runtime: the name '${name}' is used twice (${what})`);
    this.fixedNames.add(name);
  }

  private name(sym: Sym, name: string): Sym {
    this.valueNames.set(sym.id, name);
    return sym;
  }

  input(name: string, dtype: DType, shape: readonly (number | null)[]): Sym {
    this.claim(name, 'input');
    const sym = tf.input({ batchShape: [...shape], dtype, name });
    this.inputs.push({ name, sym });
    return this.name(sym, name);
  }

  target(name: string, dtype: DType, shape: readonly (number | null)[]): Sym {
    if (this.built) throw new Error(`seqnet runtime: ModelBuilder.target('${name}') after build()`);
    // A placeholder the losses refer to; it is not an input of the LayersModel.
    const sym = tf.input({ batchShape: [...shape], dtype, name });
    this.targetNames.set(sym.id, name);
    return sym;
  }

  maskSource(name: string, x: Sym, spec: MaskSourceSpec, aux?: Sym): { value: Sym; mask: Sym } {
    if ((spec.source === 'lengths' || spec.source === 'input') && aux === undefined) {
      throw new Error(`seqnet runtime: mask source '${name}' (${spec.source}) needs its ${spec.source === 'lengths' ? 'lengths' : 'mask'} input`);
    }
    const layer = new MaskSource({
      name,
      source: spec.source,
      layout: spec.layout,
      ...(spec.source === 'value' ? { value: spec.value } : {}),
    });
    this.helpers.push({ layer, role: 'mask_source' });
    const mask = layer.apply(aux === undefined ? [x] : [x, aux]) as Sym;
    const sanitize = new Sanitize({ name });
    this.helpers.push({ layer: sanitize, role: 'sanitize' });
    const value = sanitize.apply([x, mask]) as Sym;
    this.maskLayouts.set(mask.id, spec.layout);
    this.name(mask, `${name}_mask`);
    return { value: this.name(value, name), mask };
  }

  windowMask(name: string, mask: Sym, spec: WindowSpec): Sym {
    const layer = new WindowMask({ name, ...spec });
    this.helpers.push({ layer, role: 'window_mask' });
    const out = layer.apply(mask) as Sym;
    this.maskLayouts.set(out.id, spec.layout);
    return this.name(out, name);
  }

  layer(name: string, kind: string, inputs: readonly Sym[], params: Params, mask?: Sym): Sym {
    const factory = layerFactory(kind);
    if (factory === undefined) throw new Error(`seqnet runtime: unknown layer kind '${kind}' (is its module imported?)`);
    this.claim(name, `layer ${kind}`);
    // Layers derive their weight seeds from the base seed and their name, at
    // construction; the seed also goes in as a parameter, for factories that read it there.
    setBaseSeed(this.seed);
    const layer = factory(name, params['seed'] === undefined ? { ...params, seed: seedFor(name) } : params);
    const args = this.distinct(name, mask === undefined ? [...inputs] : [...inputs, mask]);
    const out = layer.apply(args.length === 1 ? args[0]! : args) as Sym;
    return this.name(out, name);
  }

  /**
   * tfjs-layers' executor counts a layer's inputs by tensor and frees one
   * after its last use: a tensor passed twice to one layer (`x + x`) is freed
   * while still needed. A repeat goes through an identity layer of its own.
   */
  private distinct(name: string, args: Sym[]): Sym[] {
    const seen = new Set<number>();
    return args.map((s, i) => {
      if (!seen.has(s.id)) {
        seen.add(s.id);
        return s;
      }
      const layer = tf.layers.activation({ activation: 'linear', name: `${name}__repeat${i}` });
      this.helpers.push({ layer, role: `repeat${i}` });
      return layer.apply(s) as Sym;
    });
  }

  custom(name: string, layer: tf.layers.Layer, inputs: readonly Sym[], mask?: Sym): Sym {
    this.claim(name, 'custom layer');
    // Weights are named `<value>/<weight>`: the layer takes the value's name before it builds.
    if (layer.name !== name) {
      if (layer.built) throw new Error(`seqnet runtime: custom layer '${layer.name}' for '${name}' is already built under another name`);
      layer.name = name;
    }
    const args = this.distinct(name, mask === undefined ? [...inputs] : [...inputs, mask]);
    const out = layer.apply(args.length === 1 ? args[0]! : args) as Sym;
    return this.name(out, name);
  }

  fullMask(name: string, x: Sym): Sym {
    const layer = new AllReal({ name });
    this.helpers.push({ layer, role: 'all_real' });
    return this.name(layer.apply(x) as Sym, name);
  }

  fill(name: string, x: Sym, mask: Sym): Sym {
    const layer = new Fill({ name });
    this.helpers.push({ layer, role: 'fill' });
    const out = layer.apply([x, mask]) as Sym;
    return this.name(out, name);
  }

  output(name: string, x: Sym, mask?: Sym): void {
    if (this.built) throw new Error(`seqnet runtime: ModelBuilder.output('${name}') after build()`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`seqnet runtime: output '${name}' declared twice`);
    this.outputs.push({ name, sym: x, ...(mask !== undefined ? { mask } : {}) });
  }

  loss(kind: string, pred: Sym, target: Sym, params: Params, mask?: Sym): void {
    if (this.built) throw new Error(`seqnet runtime: ModelBuilder.loss('${kind}') after build()`);
    if (lossFn(kind) === undefined) throw new Error(`seqnet runtime: unknown loss kind '${kind}' (is its module imported?)`);
    const targetName = this.targetNames.get(target.id);
    if (targetName === undefined) throw new Error(`seqnet runtime: loss '${kind}' reads a tensor that is not a target`);
    this.losses.push({ kind, pred, target: targetName, params, ...(mask !== undefined ? { mask } : {}) });
  }

  /** Gives helper layers whose name a value took a derived one (`<name>__<role>`). */
  private settleHelperNames(): void {
    const taken = new Set(this.fixedNames);
    for (const { layer, role } of this.helpers) {
      let name = layer.name;
      if (taken.has(name)) {
        const base = `${name}__${role}`;
        name = base;
        for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
        layer.name = name;
      }
      taken.add(name);
    }
  }

  build(): CompiledModel {
    if (this.built) throw new Error('seqnet runtime: ModelBuilder.build() called twice');
    if (this.outputs.length === 0 && this.losses.length === 0) throw new Error('seqnet runtime: a model needs an output or a loss');
    this.built = true;
    this.settleHelperNames();

    // One LayersModel output per distinct symbolic tensor (tfjs fetches by tensor, once).
    const fetched: Sym[] = [];
    const indexOf = (sym: Sym): number => {
      let i = fetched.findIndex((s) => s.id === sym.id);
      if (i === -1) i = fetched.push(sym) - 1;
      return i;
    };
    const layoutOf = (mask: Sym | undefined): Layout | undefined => (mask === undefined ? undefined : (this.maskLayouts.get(mask.id) ?? 'holes'));
    const graph: GraphSpec = {
      version: 1,
      inputs: this.inputs.map((i) => i.name),
      outputs: this.outputs.map((o) => ({
        name: o.name,
        index: indexOf(o.sym),
        ...(o.mask !== undefined ? { mask: indexOf(o.mask), layout: layoutOf(o.mask)! } : {}),
      })),
      losses: this.losses.map((l) => ({
        kind: l.kind,
        pred: indexOf(l.pred),
        predName: this.valueNames.get(l.pred.id) ?? l.pred.name,
        target: l.target,
        params: { ...l.params },
        ...(l.mask !== undefined ? { mask: indexOf(l.mask), layout: layoutOf(l.mask)! } : {}),
      })),
    };
    const inputSyms = this.inputs.map((i) => i.sym);
    // An output that is a model input itself still needs a layer to come out of.
    const outputs = fetched.map((s) => (inputSyms.includes(s) ? (tf.layers.activation({ activation: 'linear', name: `${this.valueNames.get(s.id) ?? 'input'}__identity` }).apply(s) as Sym) : s));
    const model = tf.model({ inputs: inputSyms, outputs, name: modelName(this.manifest.name) });
    model.setUserDefinedMetadata({ seqnet: graph as unknown as Record<string, unknown> });
    return new CompiledModel(model, this.enrichedManifest(graph), graph);
  }

  /** The manifest plus what the builder learned: output layouts and the loss terms (when absent). */
  private enrichedManifest(graph: GraphSpec): Manifest {
    const outputs: ManifestOutput[] = this.manifest.outputs.map((o) => {
      const g = graph.outputs.find((x) => x.name === o.name);
      return g?.layout !== undefined && o.layout === undefined ? { ...o, layout: g.layout } : o;
    });
    const losses: ManifestLoss[] = graph.losses.map((l) => ({
      kind: l.kind,
      pred: l.predName,
      target: l.target,
      params: l.params,
      masked: l.mask !== undefined,
      ...(l.layout !== undefined ? { layout: l.layout } : {}),
    }));
    return { ...this.manifest, outputs, losses: this.manifest.losses ?? losses };
  }
}

/** tfjs wants a name it can scope tensors under. */
function modelName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `m${cleaned}`;
}
