// SavedModels that use TfServingRemotePredict, run in this process on the
// addon's own executors. Loads happen on the addon's own threads; a run waiting
// on its remote calls holds no thread; its deadline or abort cancels the remote
// predict RPCs it has in flight.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { dtypeOrNullFromTfType, DType } from './dtypes';
import { SavedModelError } from './errors';
import {
  native,
  NativeRunHandle,
  NativeSavedModel,
  NativeSavedModelRunResult,
  NativeSignature,
  NativeTensorSpec,
} from './native';
import { checkKnownKeys, checkMillis, checkObject, checkSignal, checkTargetAddress, givenName } from './options';
import { StatusCode } from './status-codes';
import { describe, fromNativeOutput, InputTensor, Tensor, TensorInput, toNativeInput } from './tensor';

export interface LoadSavedModelOptions {
  /** The MetaGraph's tag set. Default `['serve']`. */
  tags?: string[];
  /**
   * Dial another address wherever the graph's TfServingRemotePredict ops say
   * `from` (their `target_address` is fixed at export), e.g.
   * `{ 'tf-serving:8500': '127.0.0.1:8500' }`. Applies to this SavedModel only.
   */
  targetOverrides?: Record<string, string>;
}

export interface TensorSpec {
  /** The graph tensor fed or fetched, e.g. `'serving_default_x:0'`. */
  tensorName: string;
  /** null for a dtype with no JS form (resources, variants). */
  dtype: DType | null;
  /** -1 for an unknown dimension; null for an unknown rank. */
  shape: number[] | null;
}

export interface SignatureSpec {
  methodName: string;
  inputs: Readonly<Record<string, TensorSpec>>;
  outputs: Readonly<Record<string, TensorSpec>>;
}

export interface PredictOptions {
  /** Default `'serving_default'`. */
  signature?: string;
  /** The outputs to compute; default all of the signature's. */
  outputs?: string[];
  /**
   * The run's deadline in milliseconds (a positive integer, at most 2^31 - 1):
   * it then fails with DEADLINE_EXCEEDED and its RPCs are cancelled. Default: none.
   */
  deadlineMillis?: number;
  /**
   * @deprecated The former name of `deadlineMillis`, still honoured. Giving
   * both is a TypeError.
   */
  timeoutMillis?: number;
  /** Aborting cancels the run's RPCs; the call rejects with CANCELLED. */
  signal?: AbortSignal;
}

const LOAD_OPTIONS: readonly (keyof LoadSavedModelOptions)[] = ['tags', 'targetOverrides'];
const PREDICT_OPTIONS: readonly (keyof PredictOptions)[] = [
  'signature',
  'outputs',
  'deadlineMillis',
  'timeoutMillis',
  'signal',
];

function specsFromNative(specs: NativeTensorSpec[]): Record<string, TensorSpec> {
  const out: Record<string, TensorSpec> = {};
  for (const spec of specs) {
    out[spec.name] = Object.freeze({
      tensorName: spec.tensorName,
      dtype: dtypeOrNullFromTfType(spec.dtype),
      shape: spec.shape === null ? null : (Object.freeze(spec.shape) as number[]),
    });
  }
  return Object.freeze(out);
}

function signaturesFromNative(signatures: NativeSignature[]): Record<string, SignatureSpec> {
  const out: Record<string, SignatureSpec> = {};
  for (const s of signatures) {
    out[s.name] = Object.freeze({
      methodName: s.methodName,
      inputs: specsFromNative(s.inputs),
      outputs: specsFromNative(s.outputs),
    });
  }
  return Object.freeze(out);
}

const formatShape = (shape: readonly number[] | null): string =>
  shape === null ? '<any rank>' : `[${shape.join(', ')}]`;

function fitsShape(shape: readonly number[], spec: readonly number[] | null): boolean {
  return spec === null || (shape.length === spec.length && spec.every((d, i) => d < 0 || d === shape[i]));
}

function quoteList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

/** The native handle of a SavedModel (undefined once disposed); for lib/ only. */
export let nativeSavedModelOf: (model: SavedModel) => NativeSavedModel | undefined;

export class SavedModel {
  static {
    nativeSavedModelOf = (model) => model.#native;
  }

  readonly exportDir: string;
  readonly tags: readonly string[];
  /** Every SignatureDef of the MetaGraph, by name. */
  readonly signatures: Readonly<Record<string, SignatureSpec>>;
  #native: NativeSavedModel | undefined;
  #inFlight = 0;

  /** @internal Use loadSavedModel(). */
  constructor(exportDir: string, tags: string[], model: NativeSavedModel, signatures: NativeSignature[]) {
    this.exportDir = exportDir;
    this.tags = Object.freeze([...tags]);
    this.signatures = signaturesFromNative(signatures);
    this.#native = model;
  }

  get disposed(): boolean {
    return this.#native === undefined;
  }

  /**
   * Runs a signature. `inputs` must name exactly the signature's inputs, with
   * their dtypes and compatible shapes; invalid arguments throw a TypeError /
   * RangeError synchronously. A failed run rejects with a SavedModelError.
   * The inputs are copied before predict() returns: the caller may then
   * mutate, transfer, detach, resize or drop their buffers.
   *
   * As for run(), an input whose dtype is typed only as `string` (an object
   * built without annotation) is accepted and checked when the call is made.
   */
  predict<const In extends Readonly<Record<string, unknown>> = Readonly<Record<string, TensorInput>>>(
    inputs: { readonly [K in keyof In]: InputTensor<In[K]> },
    options: PredictOptions = {},
  ): Promise<Record<string, Tensor>> {
    const o = checkObject(options, 'options');
    checkKnownKeys(o, PREDICT_OPTIONS, 'options');
    const signatureName = o.signature ?? 'serving_default';
    if (typeof signatureName !== 'string')
      throw new TypeError(`options.signature must be a string, got ${describe(signatureName)}`);
    const signature = this.signatures[signatureName];
    if (signature === undefined || !Object.prototype.hasOwnProperty.call(this.signatures, signatureName)) {
      throw new TypeError(
        `options.signature '${signatureName}' is not a signature of ${this.exportDir}; ` +
          `its signatures are ${quoteList(Object.keys(this.signatures))}`,
      );
    }
    const feeds = this.#checkInputs(inputs, signatureName, signature);
    const outputNames = this.#checkOutputs(o.outputs, signatureName, signature);
    const deadlineName = givenName(o, 'deadlineMillis', 'timeoutMillis', 'options.');
    const deadlineMillis = deadlineName === undefined ? 0 : checkMillis(o[deadlineName], `options.${deadlineName}`);
    const signal = checkSignal(o.signal, 'options.signal');

    const model = this.#native;
    if (model === undefined) {
      return Promise.reject(
        new SavedModelError(StatusCode.FAILED_PRECONDITION, `the SavedModel ${this.exportDir} has been disposed`),
      );
    }
    if (signal?.aborted) return Promise.reject(aborted(signal));
    let settle!: { resolve: (out: Record<string, Tensor>) => void; reject: (error: SavedModelError) => void };
    const settled = new Promise<Record<string, Tensor>>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let done = false;
    const onAbort = (): void => {
      if (!done) native.cancelSavedModelRun(handle);
    };
    // Outside the promise: anything the addon refuses throws from predict()
    // itself, and the inputs have been copied by the time it returns.
    const handle: NativeRunHandle = native.runSavedModel(
      model,
      {
        inputs: feeds,
        outputs: outputNames.map((n) => signature.outputs[n].tensorName),
        timeoutMillis: deadlineMillis,
      },
      (result: NativeSavedModelRunResult) => {
        done = true;
        this.#inFlight -= 1;
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return settle.reject(aborted(signal));
        if (result.code !== 0) {
          const disposedNote =
            result.code === StatusCode.CANCELLED && this.disposed
              ? ' (the SavedModel was disposed while the call was in flight)'
              : '';
          return settle.reject(new SavedModelError(result.code, result.message + disposedNote));
        }
        const out: Record<string, Tensor> = {};
        outputNames.forEach((name, i) => {
          out[name] = fromNativeOutput(result.outputs![i]);
        });
        settle.resolve(out);
      },
    );
    this.#inFlight += 1;
    if (signal !== undefined && !done) signal.addEventListener('abort', onAbort, { once: true });
    return settled;
  }

  /**
   * Frees the model (its variables, kernels and executors). Calls in flight are cancelled (they reject with
   * CANCELLED unless they had already finished); later calls reject. What serveInProcess() served from this
   * handle is unserved. Idempotent.
   */
  dispose(): void {
    const model = this.#native;
    this.#native = undefined;
    if (model !== undefined) native.disposeSavedModel(model);
  }

  /** Calls started and not yet settled. */
  get pendingCalls(): number {
    return this.#inFlight;
  }

  #checkInputs(inputs: unknown, signatureName: string, signature: SignatureSpec) {
    const given = checkObject(inputs, 'inputs');
    const expected = Object.keys(signature.inputs);
    const missing = expected.filter((n) => !Object.prototype.hasOwnProperty.call(given, n));
    if (missing.length > 0) {
      throw new TypeError(
        `inputs is missing ${quoteList(missing)} of signature '${signatureName}', which takes ${quoteList(expected)}`,
      );
    }
    const extra = Object.keys(given).filter((n) => !Object.prototype.hasOwnProperty.call(signature.inputs, n));
    if (extra.length > 0) {
      throw new TypeError(
        `inputs has ${quoteList(extra)}, which signature '${signatureName}' does not take; it takes ${quoteList(expected)}`,
      );
    }
    return expected.map((name) => {
      const spec = signature.inputs[name];
      const tensor = toNativeInput(given[name], `inputs.${name}`);
      const dtype = dtypeOrNullFromTfType(tensor.dtype);
      if (spec.dtype !== null && dtype !== spec.dtype) {
        throw new TypeError(
          `inputs.${name}.dtype must be '${spec.dtype}' (signature '${signatureName}'), got '${dtype}'`,
        );
      }
      if (!fitsShape(tensor.shape, spec.shape)) {
        throw new RangeError(
          `inputs.${name}.shape ${formatShape(tensor.shape)} does not fit ${formatShape(spec.shape)} ` +
            `of signature '${signatureName}' (-1: any size)`,
        );
      }
      return { tensorName: spec.tensorName, tensor };
    });
  }

  #checkOutputs(outputs: unknown, signatureName: string, signature: SignatureSpec): string[] {
    const all = Object.keys(signature.outputs);
    if (outputs === undefined) return all;
    if (!Array.isArray(outputs) || outputs.length === 0) {
      throw new TypeError(`options.outputs must be a non-empty array of output names, got ${describe(outputs)}`);
    }
    return outputs.map((name: unknown, i) => {
      if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(signature.outputs, name)) {
        throw new TypeError(
          `options.outputs[${i}] must be an output of signature '${signatureName}' (${quoteList(all)}), got ${describe(name)}`,
        );
      }
      return name;
    });
  }
}

function aborted(signal: AbortSignal): SavedModelError {
  return new SavedModelError(StatusCode.CANCELLED, 'the call was aborted through its AbortSignal', {
    cause: signal.reason,
  });
}

function checkLoadOptions(options: unknown): { tags: string[]; overrides: [string, string][] } {
  const o = checkObject(options, 'options');
  checkKnownKeys(o, LOAD_OPTIONS, 'options');
  const tags = o.tags ?? ['serve'];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t === '')) {
    throw new TypeError(`options.tags must be an array of non-empty strings such as ['serve'], got ${describe(tags)}`);
  }
  const overrides = o.targetOverrides === undefined ? {} : checkObject(o.targetOverrides, 'options.targetOverrides');
  const pairs = Object.entries(overrides).map(([from, to]): [string, string] => {
    checkTargetAddress(from, 'options.targetOverrides key');
    checkTargetAddress(to, `options.targetOverrides['${from}']`);
    return [from, to as string];
  });
  return { tags, overrides: pairs };
}

async function checkExportDir(exportDir: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(exportDir);
  } catch {
    throw new SavedModelError(StatusCode.NOT_FOUND, `${exportDir} does not exist`);
  }
  if (!stat.isDirectory()) throw new SavedModelError(StatusCode.INVALID_ARGUMENT, `${exportDir} is not a directory`);
  const files = await fs.promises.readdir(exportDir);
  if (!files.includes('saved_model.pb') && !files.includes('saved_model.pbtxt')) {
    throw new SavedModelError(StatusCode.NOT_FOUND, `${exportDir} is not a SavedModel: it has no saved_model.pb`);
  }
}

/**
 * Loads a SavedModel (the op is registered in this process already). Invalid
 * arguments throw a TypeError synchronously; a directory that is missing or is
 * not a SavedModel, an unknown tag set, or a graph using an op this process
 * does not have (the message names it) rejects with a SavedModelError.
 */
export function loadSavedModel(exportDir: string, options: LoadSavedModelOptions = {}): Promise<SavedModel> {
  if (typeof exportDir !== 'string' || exportDir === '') {
    throw new TypeError(`exportDir must be the path of a SavedModel directory, got ${describe(exportDir)}`);
  }
  const { tags, overrides } = checkLoadOptions(options);
  const dir = path.resolve(exportDir);
  return checkExportDir(dir).then(
    () =>
      new Promise((resolve, reject) => {
        native.loadSavedModel({ exportDir: dir, tags, targetOverrides: overrides }, (result) => {
          if (result.code !== 0 || result.model === undefined || result.signatures === undefined) {
            reject(new SavedModelError(result.code, result.message));
          } else {
            resolve(new SavedModel(dir, tags, result.model, result.signatures));
          }
        });
      }),
  );
}

/**
 * Process-wide: wherever a graph (a SavedModel loaded here, by tfjs-node or
 * by other code in this process) says `from`, kernels created from now on
 * dial `to` instead. `null` removes the override.
 */
export function setTargetOverride(from: string, to: string | null): void {
  checkTargetAddress(from, 'from');
  if (to !== null) checkTargetAddress(to, 'to (or null)');
  native.setTargetOverride(from, to ?? '');
}
