import * as path from 'node:path';

/** One input of a direct call: numeric data is copied as raw little-endian bytes. */
export interface NativeInputTensor {
  dtype: number;  // TensorFlow DataType enum
  shape: number[];
  data: ArrayBufferView | Uint8Array[];  // DT_STRING: one Uint8Array per element
}

/** One output of a direct call: numeric data is exactly the element bytes. */
export interface NativeOutputTensor {
  dtype: number;
  shape: number[];
  data: ArrayBuffer | Uint8Array[];  // DT_STRING: one Uint8Array per element
}

export interface NativePredictRequest {
  targetAddress: string;
  modelName: string;
  modelVersion: number;  // -1: latest
  versionLabel: string;  // '': none
  signatureName: string;
  maxRpcDeadlineMillis: number;
  failOpOnRpcError: boolean;
  inputTensorAliases: string[];
  inputTensors: NativeInputTensor[];
  outputTensorAliases: string[];
  outputTypes: number[];
  maxSendMessageBytes: number;  // 0: unlimited
  maxReceiveMessageBytes: number;
  tlsCredentialsId: number;  // 0: plaintext (unless the target has process-wide credentials)
  cancellable: boolean;  // true when cancel(handle) may be called
}

export interface NativePredictResult {
  /** The op's own status: non-zero when it failed (fail-mode RPC error, bad target, ...). */
  code: number;
  message: string;
  /** The op's status_code / status_error_message outputs (meaningful when code === 0). */
  statusCode: number;
  statusErrorMessage: string;
  /** In outputTensorAliases order (when code === 0). */
  outputs: NativeOutputTensor[];
}

export interface NativeTensorSpec {
  name: string;
  tensorName: string;
  dtype: number;
  shape: number[] | null;
}

export interface NativeSignature {
  name: string;
  methodName: string;
  inputs: NativeTensorSpec[];
  outputs: NativeTensorSpec[];
}

export interface NativeSavedModelLoadResult {
  code: number;
  message: string;
  model?: NativeSavedModel;
  signatures?: NativeSignature[];
}

export interface NativeSavedModelRunResult {
  code: number;
  message: string;
  outputs?: NativeOutputTensor[];  // in the order of the request's outputs
}

/** Opaque handle of a loaded SavedModel. */
export type NativeSavedModel = object;
/** Opaque handle of a SavedModel run in flight. */
export type NativeRunHandle = object;

/** Opaque handle of a call in flight. */
export type NativeCallHandle = object;

export interface NativeAddon {
  tensorflowVersion: string;
  builtAgainstTensorflowVersion: string;
  opLibraryPath: string;
  registeredOps(): string[];
  /** Runs the op's kernel directly; never throws for RPC problems (they come back in the result). */
  predict(request: NativePredictRequest, onDone: (result: NativePredictResult) => void): NativeCallHandle;
  /** Cancels a call in flight; a no-op after completion. */
  cancel(handle: NativeCallHandle): void;
  setTensorEncoding(name: 'tensor_content' | 'typed_fields'): void;
  loadSavedModel(
    request: { exportDir: string; tags: string[]; targetOverrides: [string, string][] },
    onDone: (result: NativeSavedModelLoadResult) => void,
  ): void;
  runSavedModel(
    model: NativeSavedModel,
    request: { inputs: { tensorName: string; tensor: NativeInputTensor }[]; outputs: string[]; timeoutMillis: number },
    onDone: (result: NativeSavedModelRunResult) => void,
  ): NativeRunHandle;
  cancelSavedModelRun(handle: NativeRunHandle): void;
  /** Cancels the runs in flight and frees the session once they end. */
  disposeSavedModel(model: NativeSavedModel): void;
  /** Registers PEM credentials ('' for absent) in the op library; returns their id. */
  registerTlsCredentials(rootCertificates: string, privateKey: string, certificateChain: string): number;
  /** Process-wide credentials for a target; 0 removes them. */
  setTargetTlsCredentials(target: string, id: number): void;
  /** SavedModel sessions alive in the process (for leak tests). */
  liveSavedModelSessions(): number;
  /** Process-wide target override in the op library; '' removes it. */
  setTargetOverride(from: string, to: string): void;
}

export const addonPath = path.resolve(__dirname, '..', 'build', 'Release', 'tfserving_remote_predict.node');

// TensorFlow's informational start-up lines are noise for a library's users.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';

export const guardPath = path.resolve(__dirname, '..', 'build', 'Release', 'tfsrp_tensorflow_guard.node');

function loadAddon(): NativeAddon {
  // Before the addon: with another TensorFlow in the process, loading it would
  // bind our libraries to the other one's symbols (or fail obscurely).
  const foreign = (require(guardPath) as { foreignTensorflow(): string }).foreignTensorflow();
  if (foreign !== '') throw new Error(`tfserving-remote-predict: ${foreign}`);
  try {
    return require(addonPath) as NativeAddon;
  } catch (cause) {
    const error = new Error(
      `tfserving-remote-predict: cannot load its native addon ${addonPath}: ${(cause as Error).message}`,
    );
    (error as Error & { cause: unknown }).cause = cause;
    throw error;
  }
}

export const native: NativeAddon = loadAddon();
