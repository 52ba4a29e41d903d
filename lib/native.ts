import * as path from 'node:path';

import { nativeDirectory, savedModelUnavailable } from './native-location';

/** One input of a direct call: numeric data is copied as raw little-endian bytes. */
export interface NativeInputTensor {
  dtype: number; // TensorFlow DataType enum
  shape: number[];
  data: ArrayBufferView | Uint8Array[]; // DT_STRING: one Uint8Array per element
}

/** Input tensors as call() takes them: per tensor its dtype, its rank, its dimensions, then its data. */
export type NativeFlatInputs = (number | NativeInputTensor['data'])[];

export function flatInputs(tensors: readonly NativeInputTensor[]): NativeFlatInputs {
  const flat: NativeFlatInputs = [];
  for (const { dtype, shape, data } of tensors) {
    flat.push(dtype, shape.length);
    for (const dim of shape) flat.push(dim);
    flat.push(data);
  }
  return flat;
}

/** One output of a direct call: numeric data is exactly the element bytes. */
export interface NativeOutputTensor {
  dtype: number;
  shape: number[];
  data: ArrayBuffer | Uint8Array[]; // DT_STRING: one Uint8Array per element
}

/** What a prepared call fixes: everything but the input tensors. */
export interface NativeCallSpec {
  targetAddress: string;
  modelName: string;
  modelVersion: number; // -1: latest
  versionLabel: string; // '': none
  signatureName: string;
  maxRpcDeadlineMillis: number;
  failOpOnRpcError: boolean;
  inputTensorAliases: string[];
  inputTypes: number[]; // TensorFlow DataType of each input
  outputTensorAliases: string[];
  outputTypes: number[];
  maxSendMessageBytes: number; // 0: unlimited
  maxReceiveMessageBytes: number;
  tlsCredentialsId: number; // 0: plaintext (unless the target has process-wide credentials)
  channelOptions: string; // "name=value;..." (cpp/kernel/channel_options.h); '': the target's
}

/** Per-call options of call(): checked by lib/ (metadata.ts). */
export interface NativeCallOptions {
  metadata?: (string | Uint8Array)[]; // [key, value, key, value, ...]; absent: none
  waitForReady?: boolean; // absent: false
}

/**
 * The handler of call() results, one call per slice of completions; the
 * layout of `results` is documented at CallResults::SetHandler()
 * (cpp/addon/call_results.h), and lib/call-results.ts reads it.
 */
export type NativeCallResultHandler = (
  results: Float64Array,
  bytes: ArrayBuffer,
  values: NativeOutputTensor['data'][],
  messages: string[],
) => void;

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
  outputs?: NativeOutputTensor[]; // in the order of the request's outputs
}

/** Opaque handle of a loaded SavedModel (a type-tagged external: another handle is a TypeError). */
export type NativeSavedModel = { readonly __brand: 'NativeSavedModel' };
/** Opaque handle of a SavedModel run in flight, type-tagged likewise. */
export type NativeRunHandle = { readonly __brand: 'NativeRunHandle' };

/** Opaque handle of a call in flight (a type-tagged external: another handle is a TypeError). */
export type NativeCallHandle = { readonly __brand: 'NativeCallHandle' };
/** Opaque handle of a prepared call (a kernel and its aliases), type-tagged likewise. */
export type NativePreparedCall = { readonly __brand: 'NativePreparedCall' };

/** tfserving_remote_predict.node: direct calls and process-wide settings (libtensorflow_framework only). */
export interface NativeDirectAddon {
  tensorflowVersion: string;
  builtAgainstTensorflowVersion: string;
  opLibraryPath: string;
  registeredOps(): string[];
  /** The kernel and alias tensors for a spec (an unusable target fails each call, not this). */
  prepare(spec: NativeCallSpec): NativePreparedCall;
  /**
   * Runs the prepared kernel on copies of `inputs` (of the spec's dtypes), taken before it
   * returns; never throws for RPC problems (they come back in the result). Its result goes
   * to the result handler under `id`, always later, never inline. Returns a handle for
   * cancel() when `cancellable`.
   */
  call(
    prepared: NativePreparedCall,
    inputs: NativeFlatInputs,
    id: number,
    cancellable: boolean,
    callOptions?: NativeCallOptions,
  ): NativeCallHandle | undefined;
  /** Where call() results go (a slice of completions at a time); set once, by lib/call-results.ts. */
  setCallResultHandler(handler: NativeCallResultHandler): void;
  /** Cancels a call in flight; a no-op after completion. */
  cancel(handle: NativeCallHandle): void;
  setTensorEncoding(name: 'tensor_content' | 'typed_fields'): void;
  /** Registers PEM credentials ('' for absent) in the op library; returns their id. */
  registerTlsCredentials(rootCertificates: string, privateKey: string, certificateChain: string): number;
  /** Process-wide credentials for a target; 0 removes them. */
  setTargetTlsCredentials(target: string, id: number): void;
  /** Process-wide target override in the op library; '' removes it. */
  setTargetOverride(from: string, to: string): void;
  /** Process-wide channel options text for a target ('' removes them); throws TypeError for text the op library refuses. */
  setTargetChannelOptions(target: string, options: string): void;
  /** Process-wide metadata [key, value, ...] for a target ([] removes it). */
  setTargetMetadata(target: string, metadata: (string | Uint8Array)[]): void;
}

/** tfsrp_saved_model.node: SavedModels on their own executors (maps libtensorflow_cc for its kernels). */
export interface NativeSavedModelAddon {
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
  /** Cancels the runs in flight and frees the model once they end. */
  disposeSavedModel(model: NativeSavedModel): void;
  /** SavedModel runtimes (device, kernels, variables) alive in the process (for leak tests). */
  liveSavedModelSessions(): number;
  /**
   * Serves the model in process as `name` version `version`, with `labels` pointing at it;
   * throws an Error with the status `code` (ALREADY_EXISTS, ...) when refused.
   */
  serveInProcess(model: NativeSavedModel, name: string, version: number, labels: string[]): void;
  /** Stops serving `name` version `version` (-1: every version); throws (code NOT_FOUND) when not served. */
  unserveInProcess(name: string, version: number): void;
}

/** Both modules; the SavedModel functions load theirs on first use. */
export type NativeAddon = NativeDirectAddon & NativeSavedModelAddon;

const BUILD_DIR = nativeDirectory();
export const addonPath = path.join(BUILD_DIR, 'tfserving_remote_predict.node');
export const savedModelAddonPath = path.join(BUILD_DIR, 'tfsrp_saved_model.node');
export const guardPath = path.join(BUILD_DIR, 'tfsrp_tensorflow_guard.node');

/** require() of one of our native modules; a missing or unloadable file says what to run. */
function requireNative<T>(file: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- native modules load through require
    return require(file) as T;
  } catch (cause) {
    const message = (cause as Error).message;
    const unbuilt =
      (cause as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ||
      /cannot open shared object file|undefined symbol/.test(message);
    const error = new Error(
      unbuilt
        ? `tfserving-remote-predict: its native build is missing or broken (${file}: ${(cause as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'no such file' : message}). ` +
            'Run `npm rebuild tfserving-remote-predict` in your project (or `npm run build` in a checkout of this package); ' +
            'the README lists what the build needs'
        : `tfserving-remote-predict: cannot load its native addon ${file}: ${message}`,
    );
    (error as Error & { cause: unknown }).cause = cause;
    throw error;
  }
}

/**
 * TensorFlow settles its log level when its libraries load. Unless the user
 * chose one (TF_CPP_MIN_LOG_LEVEL), load them quietly (warnings and info
 * off), without leaving a trace in process.env.
 */
function loadQuietly<T>(load: () => T): T {
  if (process.env.TF_CPP_MIN_LOG_LEVEL !== undefined) return load();
  process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  try {
    return load();
  } finally {
    delete process.env.TF_CPP_MIN_LOG_LEVEL;
  }
}

function checkNoForeignTensorflow(): void {
  // Before our TensorFlow libraries load: with another TensorFlow in the
  // process, loading them would bind to the other one's symbols (or fail obscurely).
  const foreign = requireNative<{ foreignTensorflow(): string }>(guardPath).foreignTensorflow();
  if (foreign !== '') throw new Error(`tfserving-remote-predict: ${foreign}`);
}

let savedModelAddon: NativeSavedModelAddon | undefined;

/** The SavedModel module (it maps libtensorflow_cc), loaded on first use. */
function loadSavedModelAddon(): NativeSavedModelAddon {
  if (savedModelAddon === undefined) {
    const unavailable = savedModelUnavailable(BUILD_DIR);
    if (unavailable !== undefined) throw new Error(unavailable);
    checkNoForeignTensorflow();
    savedModelAddon = loadQuietly(() => requireNative<NativeSavedModelAddon>(savedModelAddonPath));
  }
  return savedModelAddon;
}

function loadAddon(): NativeAddon {
  checkNoForeignTensorflow();
  const direct = loadQuietly(() => requireNative<NativeDirectAddon>(addonPath));
  const lazy: NativeSavedModelAddon = {
    loadSavedModel: (request, onDone) => loadSavedModelAddon().loadSavedModel(request, onDone),
    runSavedModel: (model, request, onDone) => loadSavedModelAddon().runSavedModel(model, request, onDone),
    cancelSavedModelRun: (handle) => loadSavedModelAddon().cancelSavedModelRun(handle),
    disposeSavedModel: (model) => loadSavedModelAddon().disposeSavedModel(model),
    liveSavedModelSessions: () => (savedModelAddon === undefined ? 0 : savedModelAddon.liveSavedModelSessions()),
    serveInProcess: (model, name, version, labels) =>
      loadSavedModelAddon().serveInProcess(model, name, version, labels),
    unserveInProcess: (name, version) => loadSavedModelAddon().unserveInProcess(name, version),
  };
  return Object.assign(direct, lazy);
}

export const native: NativeAddon = loadAddon();
