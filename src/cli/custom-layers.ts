/** Loading the tfjs classes of user-declared layers (`impl: "path#Export"`), relative to their .seqnet file. */
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IrModel } from '../check/ir.js';
import type { LayerClass } from '../emit/instantiate.js';
import type { CustomClass } from '../emit/plan.js';

export type CustomLoad = { ok: true; lookup: (c: CustomClass) => LayerClass } | { ok: false; message: string };

export async function loadCustomLayers(seqnetPath: string, model: IrModel): Promise<CustomLoad> {
  const classes = new Map<string, LayerClass>();
  for (const n of model.nodes) {
    if (n.kind !== 'layer' || !n.impl) continue;
    const key = `${n.impl.module}#${n.impl.exportName}`;
    if (classes.has(key)) continue;
    const abs = resolve(dirname(resolve(seqnetPath)), n.impl.module);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    } catch (e) {
      return { ok: false, message: `cannot load \`${n.impl.module}\` (the impl of layer \`${n.layer}\`): ${(e as Error).message.split('\n')[0]}` };
    }
    const cls = mod[n.impl.exportName];
    if (typeof cls !== 'function') return { ok: false, message: `\`${n.impl.module}\` has no export \`${n.impl.exportName}\` (the impl of layer \`${n.layer}\`)` };
    classes.set(key, cls as LayerClass);
  }
  return { ok: true, lookup: (c) => classes.get(`${c.module}#${c.exportName}`)! };
}
