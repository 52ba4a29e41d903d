// Options of run() / runReturningStatus(): validation and defaults, mirroring
// TF Serving's Python wrapper (tensorflow_serving/experimental/tensorflow/ops/
// remote_predict/python/ops/remote_predict_ops.py).
//
// Errors follow Node's conventions: a value of the wrong kind (or an unknown
// name, an empty string, a repeated alias, a conflicting pair) is a TypeError;
// a number out of range or a count that does not match is a RangeError. Every
// message starts with the name of the option at fault.
import { ChannelOptions, ResolvedChannelOptions, resolveChannelOptions } from './channel-options';
import { DTYPES, DType, isDType } from './dtypes';
import { Metadata, resolveMetadata } from './metadata';
import { TlsCredentials, tlsCredentialsId } from './tls-credentials';
import type { NativeCallOptions, NativeInputTensor } from './native';
import { describe, InputTensors, OutputTypes, TensorInput, toNativeInput } from './tensor';

/**
 * Options of run() and runReturningStatus().
 *
 * `O` is the type of `outputTypes` and `I` that of `inputTensors`; both are
 * inferred from the call and type its result: `outputTypes: ['float32', 'int64']`
 * gives `[Tensor<'float32'>, Tensor<'int64'>]`. Annotating a variable with the
 * plain `RunOptions` (or `satisfies RunOptions`) keeps the dtypes checked.
 */
export interface RunOptions<
  O extends readonly string[] = readonly DType[],
  I extends readonly unknown[] = readonly TensorInput[],
> {
  /**
   * `host:port`, or a gRPC target such as `dns:///host:port`, `unix:/path`; or `'inprocess:'`,
   * the models served in this process (serveInProcess()). Required.
   */
  targetAddress: string;
  /** Required. */
  modelName: string;
  inputTensorAliases: readonly string[];
  /**
   * One tensor per alias, in the same order; copied before the call returns.
   * A dtype typed only as `string` (an object built without annotation) is
   * accepted and checked when the call is made; see {@link WidenedTensorInput}.
   */
  inputTensors: InputTensors<I>;
  /** The outputs to return, in this order. */
  outputTensorAliases: readonly string[];
  /** The dtype of each output, one per output alias; a literal tuple types the outputs one by one. */
  outputTypes: OutputTypes<O>;
  /** Default -1: the latest version. Excludes `versionLabel`. */
  modelVersion?: number;
  /** A version label such as `'stable'`. Excludes `modelVersion` ≥ 0. */
  versionLabel?: string;
  /** Default `'serving_default'`. */
  signatureName?: string;
  /**
   * The call's deadline in milliseconds: a positive integer, at most 2^31 - 1
   * (a RangeError beyond). Default 3000. The call then fails with DEADLINE_EXCEEDED.
   */
  deadlineMillis?: number;
  /**
   * @deprecated The former name of `deadlineMillis`, still honoured. Giving
   * both is a TypeError.
   */
  maxRpcDeadlineMillis?: number;
  /** Aborting cancels the RPC; the call then settles with code CANCELLED. */
  signal?: AbortSignal;
  /** The channel to `targetAddress`: message limits, load balancing, keepalive, retries, connections. */
  channelOptions?: ChannelOptions;
  /** Request headers of this call (over any the target has, see setTargetMetadata()). */
  metadata?: Metadata;
  /**
   * Wait for the channel to connect (up to the deadline) instead of failing
   * at once with UNAVAILABLE while the server cannot be reached. Default false.
   */
  waitForReady?: boolean;
  /** TLS (mutual with a key and chain). Default: plaintext, as upstream. */
  credentials?: TlsCredentials;
}

export const RUN_OPTION_DEFAULTS = Object.freeze({
  modelVersion: -1,
  versionLabel: '',
  signatureName: 'serving_default',
  deadlineMillis: 3000,
  /** @deprecated The same as `deadlineMillis`. */
  maxRpcDeadlineMillis: 3000,
});

/** Validated options with defaults applied, in the addon's terms. */
export interface ResolvedRunOptions {
  targetAddress: string;
  modelName: string;
  modelVersion: number;
  versionLabel: string;
  signatureName: string;
  deadlineMillis: number;
  inputTensorAliases: string[];
  inputTensors: NativeInputTensor[];
  outputTensorAliases: string[];
  outputTypes: DType[];
  signal: AbortSignal | undefined;
  channelOptions: ResolvedChannelOptions;
  tlsCredentialsId: number;
  /** undefined: no metadata, no waitForReady. */
  callOptions: NativeCallOptions | undefined;
}

const KNOWN_OPTIONS: readonly (keyof RunOptions)[] = [
  'targetAddress', 'modelName', 'inputTensorAliases', 'inputTensors', 'outputTensorAliases', 'outputTypes',
  'modelVersion', 'versionLabel', 'signatureName', 'deadlineMillis', 'maxRpcDeadlineMillis', 'signal', 'channelOptions',
  'credentials', 'metadata', 'waitForReady',
];

const DTYPE_LIST = (Object.keys(DTYPES) as DType[]).map((d) => `'${d}'`).join(', ');

export function checkObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Rejects option names outside `known` (a typo would otherwise be silently ignored). */
export function checkKnownKeys(options: Record<string, unknown>, known: readonly string[], name: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = key === 'failOpOnRpcError'
      ? ': run() fails on RPC errors; runReturningStatus() reports them in statusCode instead'
      : `; known options are ${known.join(', ')}`;
    throw new TypeError(`${name} has an unknown option '${key}'${hint}`);
  }
}

export function checkNonEmptyString(value: unknown, name: string, example: string): string {
  if (value === undefined) throw new TypeError(`${name} is required: a non-empty string such as ${example}`);
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string such as ${example}, got ${describe(value)}`);
  }
  return value;
}

/**
 * A non-empty address without NUL characters (the transport takes C strings:
 * whatever follows a NUL would be dropped silently).
 */
/** The target address of the models served in this process (cpp/stubs/in_process_registry.h). */
export const IN_PROCESS_TARGET = 'inprocess:';

export function checkTargetAddress(value: unknown, name = 'targetAddress'): string {
  const address = checkNonEmptyString(value, name, "'localhost:8500'");
  if (address.includes('\0')) throw new TypeError(`${name} must not contain a NUL character, got ${describe(address)}`);
  if (address.startsWith(IN_PROCESS_TARGET) && address !== IN_PROCESS_TARGET) {
    throw new TypeError(
      `${name} ${describe(address)}: the in-process server's address is '${IN_PROCESS_TARGET}' with nothing after it ` +
      '(the model is chosen by its name)',
    );
  }
  return address;
}

export function checkModelName(value: unknown, name = 'modelName'): string {
  return checkNonEmptyString(value, name, "'half_plus_two'");
}

export function checkModelVersion(value: unknown, name = 'modelVersion'): number {
  if (value === undefined) return RUN_OPTION_DEFAULTS.modelVersion;
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be an integer ≥ -1 (-1: the latest version), got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < -1) {
    throw new RangeError(`${name} must be an integer ≥ -1 (-1: the latest version), got ${describe(value)}`);
  }
  return value + 0;
}

export function checkVersionLabel(value: unknown, name = 'versionLabel'): string {
  if (value === undefined) return RUN_OPTION_DEFAULTS.versionLabel;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}

/** modelVersion and versionLabel are a oneof in the request's ModelSpec. */
export function checkVersionChoice(modelVersion: number, versionLabel: string): void {
  if (modelVersion >= 0 && versionLabel !== '') {
    throw new TypeError(
      `modelVersion (${modelVersion}) and versionLabel ('${versionLabel}') exclude each other: a request names a version or a label`,
    );
  }
}

export function checkSignatureName(value: unknown, name = 'signatureName'): string {
  if (value === undefined) return RUN_OPTION_DEFAULTS.signatureName;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}

/** The longest deadline a call takes, in milliseconds (2^31 - 1, about 24.8 days, as for setTimeout). */
export const MAX_DEADLINE_MILLIS = 2 ** 31 - 1;

/** A positive integer number of milliseconds, at most MAX_DEADLINE_MILLIS (a RangeError beyond). */
export function checkMillis(value: unknown, name: string): number {
  const expected = `a positive integer (milliseconds) no greater than ${MAX_DEADLINE_MILLIS} (about 24.8 days)`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be ${expected}, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_DEADLINE_MILLIS) {
    throw new RangeError(`${name} must be ${expected}, got ${describe(value)}`);
  }
  return value;
}

/** A deadline (`name` as given) or, when undefined, the default of 3000 ms. */
export function checkDeadline(value: unknown, name = 'deadlineMillis'): number {
  if (value === undefined) return RUN_OPTION_DEFAULTS.deadlineMillis;
  return checkMillis(value, name);
}

/**
 * Which of an option's names the caller gave (a value other than undefined):
 * `name`, its deprecated `alias`, or neither (undefined). Both is a TypeError
 * naming both. `prefix` is how messages refer to the object, e.g. `'options.'`.
 */
export function givenName(
  options: Record<string, unknown>, name: string, alias: string, prefix = '',
): string | undefined {
  const hasName = options[name] !== undefined;
  const hasAlias = options[alias] !== undefined;
  if (hasName && hasAlias) {
    throw new TypeError(
      `${prefix}${name} and ${prefix}${alias} were both given: they are one option ` +
      `(${alias} is its deprecated name); give only ${name}`,
    );
  }
  if (hasName) return name;
  return hasAlias ? alias : undefined;
}

/**
 * The deadline of run() options: `deadlineMillis` or its deprecated alias
 * `maxRpcDeadlineMillis` (messages name the one given), else the default.
 */
export function resolveDeadline(options: Record<string, unknown>, prefix = ''): number {
  const name = givenName(options, 'deadlineMillis', 'maxRpcDeadlineMillis', prefix);
  return name === undefined ? RUN_OPTION_DEFAULTS.deadlineMillis : checkMillis(options[name], `${prefix}${name}`);
}

/** An array of distinct non-empty strings. Returns a copy. */
export function checkAliases(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings, got ${describe(value)}`);
  const seen = new Set<string>();
  return value.map((alias: unknown, i) => {
    if (typeof alias !== 'string' || alias === '') {
      throw new TypeError(`${name}[${i}] must be a non-empty string, got ${describe(alias)}`);
    }
    if (seen.has(alias)) throw new TypeError(`${name}[${i}] repeats the alias '${alias}'; each alias may appear once`);
    seen.add(alias);
    return alias;
  });
}

export function checkOutputTypes(value: unknown, name = 'outputTypes'): DType[] {
  if (value === undefined) {
    throw new TypeError(`${name} is required: an array with the dtype of each output alias, e.g. ['float32']`);
  }
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of dtypes, got ${describe(value)}`);
  return value.map((dtype: unknown, i) => {
    if (!isDType(dtype)) throw new TypeError(`${name}[${i}] must be one of ${DTYPE_LIST}, got ${describe(dtype)}`);
    return dtype;
  });
}

export function checkSignal(value: unknown, name = 'signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const signal = value as Partial<AbortSignal> | null;
  if (
    typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean' ||
    typeof signal.addEventListener !== 'function' || typeof signal.removeEventListener !== 'function'
  ) {
    throw new TypeError(`${name} must be an AbortSignal, got ${describe(value)}`);
  }
  return value as AbortSignal;
}

export function checkWaitForReady(value: unknown, name = 'waitForReady'): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** The per-call options the addon takes, or undefined when there are none. */
export function resolveCallOptions(o: Record<string, unknown>): NativeCallOptions | undefined {
  const metadata = resolveMetadata(o.metadata);
  const waitForReady = checkWaitForReady(o.waitForReady);
  return metadata.length === 0 && !waitForReady ? undefined : { metadata, waitForReady };
}

function checkSameLength(aliases: unknown[], aliasesName: string, other: unknown[], otherName: string): void {
  if (aliases.length !== other.length) {
    throw new RangeError(
      `${aliasesName} has ${aliases.length} entr${aliases.length === 1 ? 'y' : 'ies'} but ${otherName} has ${other.length}; ` +
      'they pair up one to one',
    );
  }
}

/**
 * Validates run options and applies the defaults, synchronously. Throws
 * TypeError / RangeError naming the option; nothing reaches the network.
 */
export function resolveRunOptions(options: unknown): ResolvedRunOptions {
  const o = checkObject(options, 'options');
  checkKnownKeys(o, KNOWN_OPTIONS, 'options');
  const targetAddress = checkTargetAddress(o.targetAddress);
  const modelName = checkModelName(o.modelName);
  const modelVersion = checkModelVersion(o.modelVersion);
  const versionLabel = checkVersionLabel(o.versionLabel);
  checkVersionChoice(modelVersion, versionLabel);
  const signatureName = checkSignatureName(o.signatureName);
  const deadlineMillis = resolveDeadline(o);

  const inputTensorAliases = checkAliases(o.inputTensorAliases, 'inputTensorAliases');
  if (!Array.isArray(o.inputTensors)) {
    throw new TypeError(`inputTensors must be an array of tensors, got ${describe(o.inputTensors)}`);
  }
  checkSameLength(inputTensorAliases, 'inputTensorAliases', o.inputTensors, 'inputTensors');
  const inputTensors = o.inputTensors.map((tensor: unknown, i) => toNativeInput(tensor, `inputTensors[${i}]`));

  const outputTensorAliases = checkAliases(o.outputTensorAliases, 'outputTensorAliases');
  const outputTypes = checkOutputTypes(o.outputTypes);
  checkSameLength(outputTensorAliases, 'outputTensorAliases', outputTypes, 'outputTypes');

  const signal = checkSignal(o.signal);
  const channelOptions = resolveChannelOptions(o.channelOptions);
  const tlsId = tlsCredentialsId(o.credentials);
  const callOptions = resolveCallOptions(o);
  return {
    targetAddress, modelName, modelVersion, versionLabel, signatureName, deadlineMillis,
    inputTensorAliases, inputTensors, outputTensorAliases, outputTypes, signal, channelOptions,
    tlsCredentialsId: tlsId, callOptions,
  };
}
