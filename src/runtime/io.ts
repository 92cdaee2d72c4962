/**
 * The runtime's own save/load in Node, on pure `@tensorflow/tfjs` (no
 * `file://` handler, which only tfjs-node registers). The files are the
 * standard tfjs layers-model format, so `tf.loadLayersModel('file://...')`
 * under tfjs-node reads them too:
 *
 *   dir/model.json     topology + weightsManifest (+ userDefinedMetadata)
 *   dir/weights.bin    every weight, in one shard
 *   dir/manifest.json  the seqnet manifest
 *
 * Each file is written to a temporary name in `dir` and renamed into place,
 * `model.json` last: a crash leaves the previous model (or nothing) behind,
 * never a model.json that points at half-written weights.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from './tf.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const MANIFEST_JSON = 'manifest.json';

/** Writes all files, then renames them into place in the given order. */
export async function writeFilesAtomic(dir: string, files: readonly (readonly [string, string | Uint8Array])[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps: string[] = [];
  try {
    for (const [name, data] of files) {
      const tmp = join(dir, `.${name}.${tag}.tmp`);
      temps.push(tmp);
      await writeFile(tmp, data);
    }
    for (let i = 0; i < files.length; i++) {
      await rename(temps[i]!, join(dir, files[i]![0]));
    }
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw e;
  }
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** The model.json of the tfjs layers-model format for `artifacts`, with one weights shard. */
export function modelJson(artifacts: tf.io.ModelArtifacts): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? '',
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
  return json;
}

/**
 * A tfjs save handler writing `dir` (plus `extra` files such as the
 * manifest, renamed into place before model.json).
 */
export function dirSaveHandler(dir: string, extra: Readonly<Record<string, string>> = {}): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const weights = weightBytes(artifacts.weightData);
    await writeFilesAtomic(dir, [
      [WEIGHTS_BIN, weights],
      ...Object.entries(extra),
      [MODEL_JSON, JSON.stringify(modelJson(artifacts))],
    ]);
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: weights.byteLength,
      },
    };
  });
}

/** Reads `dir/model.json` and its weight shards into a tfjs load handler. */
export async function dirLoadHandler(dir: string): Promise<tf.io.IOHandler> {
  const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const path of group.paths) {
        const bytes = await readFile(join(dir, path));
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tf.io.fromMemory(artifacts);
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}
