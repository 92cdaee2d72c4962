/**
 * The `seqnet` package: the runtime that compiled models (and their users)
 * import. Importing it registers every built-in layer class, so that saved
 * models load.
 */
import './layers/index.js';

export { tf } from './tf.js';
export { CompiledModel, loadModel } from './compiled-model.js';
export type { BatchStats, GraphLoss, GraphOutput, GraphSpec, PredictOptions } from './compiled-model.js';
export { ModelBuilder } from './builder.js';
export type { ModelBuilderOptions } from './builder.js';
export type { DType, Layout, MaskSourceSpec, ModelBuilderApi, Params, ParamValue, Sym, WindowSpec } from './builder-types.js';
export { SeqnetInputError } from './errors.js';
export type {
  Dim,
  InputRole,
  Manifest,
  ManifestFill,
  ManifestInput,
  ManifestLoss,
  ManifestMask,
  ManifestOutput,
  ManifestTarget,
} from './manifest.js';
export { inputRole } from './manifest.js';
export { padBatch, unpad, planBatches, sampleLength } from './data.js';
export type { Nested, PadOptions, PaddedBatch, Sample, UnpadOptions, Unpadded } from './data.js';
export type { EpochLogs, EvaluateOptions, EvaluateResult, FitCallbacks, FitHistory, FitOptions, FitProgress, OptimizerName } from './fit.js';
export { backendInfo, backendName, initBackend } from './backend.js';
export type { BackendChoice, BackendInfo, InitBackendOptions } from './backend.js';
export { registeredLayerKinds, registeredLossKinds } from './layers/registry.js';
