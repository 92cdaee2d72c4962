/**
 * Runs a model's builder program in-process against the runtime's
 * ModelBuilder: the same calls the generated module makes, without writing
 * or importing a module (tests, `seqnetc verify`).
 */
import type { IrModel } from '../check/ir.js';
import type { Sym } from '../runtime/builder-types.js';
// Through the package entry, so that every built-in layer kind is registered.
import { ModelBuilder, type ModelBuilderOptions } from '../runtime/index.js';
import type { CompiledModel } from '../runtime/compiled-model.js';
import type { Manifest } from '../runtime/manifest.js';
import type { tf } from '../runtime/tf.js';
import { buildManifest } from './manifest.js';
import { planModel, type CustomClass } from './plan.js';

export type LayerClass = new (args: Record<string, unknown>) => tf.layers.Layer;

export interface InstantiateOptions extends ModelBuilderOptions {
  /** Classes of user-declared layers (`impl`), by `module#Export`. */
  readonly customLayers?: (cls: CustomClass) => LayerClass;
  /** The builder to drive (tests may wrap one); default a new ModelBuilder. */
  readonly builder?: (manifest: Manifest) => ModelBuilder;
}

export function instantiate(model: IrModel, options: InstantiateOptions = {}): CompiledModel {
  const manifest = buildManifest(model, 'in-process');
  const plan = planModel(model);
  const b = options.builder ? options.builder(manifest) : new ModelBuilder(manifest, options);
  const env = new Map<string, Sym>();
  const get = (name: string): Sym => {
    const s = env.get(name);
    if (!s) throw new Error(`internal: plan uses \`${name}\` before defining it`);
    return s;
  };
  const opt = (name: string | undefined) => (name === undefined ? undefined : get(name));
  for (const s of plan.steps) {
    switch (s.op) {
      case 'input':
        env.set(s.out, s.role === 'target' ? b.target(s.name, s.dtype, s.shape) : b.input(s.name, s.dtype, s.shape));
        break;
      case 'maskSource': {
        const r = b.maskSource(s.name, get(s.x), s.spec, opt(s.aux));
        env.set(s.out, r.value);
        env.set(s.outMask, r.mask);
        break;
      }
      case 'fullMask':
        env.set(s.out, b.fullMask(s.name, get(s.x)));
        break;
      case 'windowMask':
        env.set(s.out, b.windowMask(s.name, get(s.mask), s.spec));
        break;
      case 'layer':
        env.set(s.out, b.layer(s.name, s.kind, s.inputs.map(get), s.params, opt(s.mask)));
        break;
      case 'custom': {
        const cls = plan.customClasses.find((c) => c.local === s.cls)!;
        if (!options.customLayers) throw new Error(`model uses the user-declared layer \`${s.node.layer}\`; pass customLayers`);
        const Cls = options.customLayers(cls);
        env.set(s.out, b.custom(s.name, new Cls({ name: s.name, ...s.params }), s.inputs.map(get), opt(s.mask)));
        break;
      }
      case 'fill':
        env.set(s.out, b.fill(s.name, get(s.x), get(s.mask)));
        break;
      case 'output':
        b.output(s.name, get(s.x), opt(s.mask));
        break;
      case 'loss':
        b.loss(s.kind, get(s.pred), get(s.target), s.params, opt(s.mask));
        break;
    }
  }
  return b.build();
}
