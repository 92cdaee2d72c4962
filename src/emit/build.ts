/**
 * What `seqnetc build` writes, as a map from file name to content. Pure:
 * the CLI writes the files (atomically), tests can inspect them in memory.
 */
import type { IrModel } from '../check/ir.js';
import { buildManifest } from './manifest.js';
import { compactJson, emitModule, type EmitOptions } from './module.js';

export interface BuildOutput {
  /** File base name: the model name in lower case (`Tagger` -> `tagger`). */
  readonly base: string;
  readonly files: ReadonlyMap<string, string>;
}

export function fileBaseOf(modelName: string): string {
  return modelName.toLowerCase();
}

export function buildFiles(model: IrModel, compiler: string, opts: EmitOptions = {}): BuildOutput {
  const base = fileBaseOf(model.name);
  const manifest = buildManifest(model, compiler);
  const mod = emitModule(model, manifest, base, opts);
  const files = new Map<string, string>([
    [`${base}.ts`, mod.ts],
    [`${base}.js`, mod.js],
    [`${base}.d.ts`, mod.dts],
    [`${base}.manifest.json`, compactJson(manifest) + '\n'],
  ]);
  return { base, files };
}
