import { native } from './native';

export { DType, DTYPES } from './dtypes';
export { StatusCode, StatusCodeName, statusCodeName } from './status-codes';
export { RemotePredictError, SavedModelError } from './errors';
export {
  InputTensor,
  InputTensors,
  isTfjsTensor,
  NumericDType,
  OutputTensors,
  OutputTypes,
  PlainTensorInput,
  Tensor,
  TensorDataMap,
  TensorInput,
  TensorInputData,
  TensorInputDataMap,
  TfjsModule,
  TfjsTensorLike,
  TfjsTensorOf,
  toTfjs,
  TypedArray,
  WidenedTensorInput,
} from './tensor';
export {
  ChannelOptions,
  KeepaliveOptions,
  LoadBalancingPolicy,
  ReconnectBackoffOptions,
  RETRY_DEFAULTS,
  RetryOptions,
  setTargetChannelOptions,
} from './channel-options';
export { MAX_METADATA_BYTES, Metadata, setTargetMetadata } from './metadata';
export { CallStats, LATENCY_BUCKETS_MILLIS, LatencyHistogram, stats } from './stats';
export { setTargetCredentials, TlsCredentials } from './tls-credentials';
export { RUN_OPTION_DEFAULTS, RunOptions } from './options';
export { run, runReturningStatus, RunStatusResult } from './run';
export {
  loadSavedModel,
  LoadSavedModelOptions,
  PredictOptions,
  SavedModel,
  setTargetOverride,
  SignatureSpec,
  TensorSpec,
} from './saved-model';
export { IN_PROCESS_TARGET, serveInProcess, ServeInProcessOptions, unserveInProcess } from './in-process';
export {
  CheckedPredictionClientOptions,
  ClientDefaults,
  ClientRunOptions,
  DefaultOutputTypes,
  PredictionClient,
  PredictionClientOptions,
  PredictionClientOptionsInput,
} from './client';

/** The libtensorflow version loaded in this process. */
export const tensorflowVersion: string = native.tensorflowVersion;

/** Path of the op library, for Python's tf.load_op_library or C's TF_LoadLibrary. */
export const opLibraryPath: string = native.opLibraryPath;

/** Names of every op registered in this process's TensorFlow. */
export function registeredOps(): string[] {
  return native.registeredOps();
}

export type TensorEncoding = 'tensor_content' | 'typed_fields';

/**
 * How numeric input tensors travel in requests, process-wide: `tensor_content`
 * bytes (the default) or the typed value fields (`float_val`, `int64_val`, ...)
 * for servers that need them. Strings always travel as `string_val`.
 */
export function setTensorEncoding(encoding: TensorEncoding): void {
  if (encoding !== 'tensor_content' && encoding !== 'typed_fields') {
    throw new TypeError(`encoding must be 'tensor_content' or 'typed_fields', got ${JSON.stringify(encoding)}`);
  }
  if (typeof native.setTensorEncoding !== 'function') {
    throw new Error('tfserving-remote-predict: this build of the native addon has no setTensorEncoding(); rebuild it');
  }
  native.setTensorEncoding(encoding);
}
