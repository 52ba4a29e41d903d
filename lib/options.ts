// Options of run() / runReturningStatus(): validation and defaults, mirroring
// TF Serving's Python wrapper (tensorflow_serving/experimental/tensorflow/ops/
// remote_predict/python/ops/remote_predict_ops.py).
//
// Errors follow Node's conventions: a value of the wrong kind (or an unknown
// name, an empty string, a repeated alias, a conflicting pair) is a TypeError;
// a number out of range or a count that does not match is a RangeError. Every
// message starts with the name of the option at fault.
import { ChannelOptions, resolveChannelOptions } from './channel-options';
import { DTYPE_LIST, DTYPES, DType, isDType } from './dtypes';
import { Metadata, resolveMetadata } from './metadata';
import { TlsCredentials, tlsCredentialsId } from './tls-credentials';
import type { NativeCallOptions, NativeCallSpec } from './native';
import type { PredictionClientOptions } from './client';
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
    const hint =
      key === 'failOpOnRpcError'
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
  options: Record<string, unknown>,
  name: string,
  alias: string,
  prefix = '',
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
    typeof signal !== 'object' ||
    signal === null ||
    typeof signal.aborted !== 'boolean' ||
    typeof signal.addEventListener !== 'function' ||
    typeof signal.removeEventListener !== 'function'
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

function checkSameLength(aliases: unknown[], aliasesName: string, other: unknown[], otherName: string): void {
  if (aliases.length !== other.length) {
    throw new RangeError(
      `${aliasesName} has ${aliases.length} entr${aliases.length === 1 ? 'y' : 'ies'} but ${otherName} has ${other.length}; ` +
        'they pair up one to one',
    );
  }
}

/** The values resolved before an option, by name (for the checks that relate two options). */
type Earlier = Readonly<Record<string, unknown>>;

/** A PredictionClient's use of an option (RunOptionSpec.client). */
type ClientRole = 'bound' | 'default' | 'call';

/**
 * How a call's value of an option is compared with an earlier call's, to
 * reuse what those options resolved to (lib/call-shapes.ts): 'value' with
 * ===, 'list' (an array of strings) element by element, 'call' not at all
 * (it is the call's own: its tensors, its signal), 'object' not at all
 * either: an object a caller may change between calls, so a call giving it
 * is resolved in full.
 */
export type ShapeRole = 'value' | 'list' | 'call' | 'object';

/**
 * One run() option: how it is checked, what a PredictionClient does with it,
 * and what it becomes in the native request. Everything about run options is
 * derived from the table below; adding one is an entry there (and, when the
 * kernel needs it, a field of the native spec: DEVELOPMENT.md).
 *
 * `R` is what `resolve` gives, `F` the option's final resolved value (what
 * `relate` gives, else `R`).
 */
interface RunOptionSpec<C extends ClientRole = ClientRole, R = unknown, F = R> {
  /** How a call's value is compared with an earlier call's (lib/call-shapes.ts): {@link ShapeRole}. */
  shape: ShapeRole;
  /**
   * A PredictionClient's use of it: 'bound' given to the constructor only (it
   * makes the client's channel; refused per call), 'default' a constructor
   * default that the call's own value overrides, 'call' per call only.
   */
  client: C;
  /**
   * Validates the value given as `name` (undefined when absent) and returns it
   * with its default applied, in the addon's terms. Throws TypeError /
   * RangeError naming the option.
   */
  resolve?: (value: unknown, name: string) => R;
  /**
   * Checks the resolved value against the options resolved before it (run()
   * only, after `resolve`) and returns it, converted when that depends on them.
   */
  relate?: (value: R, name: string, earlier: Earlier) => F;
  /** The deprecated other name of this option: giving both is a TypeError. */
  alias?: keyof RunOptions;
  /** This name is the deprecated alias of that option, resolved there. */
  aliasOf?: keyof RunOptions;
  /** A call giving any option of a group replaces the client's defaults of the whole group. */
  group?: string;
  /** What a client keeps as its default, from the value given (default: the resolved value, frozen). */
  clientDefault?: (given: never) => unknown;
  /** Header-like: a call's value is added to the client's default instead of replacing it. */
  addsToDefault?: true;
  /** Its fields in the native spec of a prepared call (what fixes the kernel). */
  spec?: (resolved: F) => Partial<NativeCallSpec>;
  /** Its fields in the native per-call options; undefined when it has nothing to send. */
  callOption?: (resolved: F) => Partial<NativeCallOptions> | undefined;
}

/** An entry of the table, its types inferred: `spec` and `callOption` take what `resolve` (and `relate`) give. */
const option = <const C extends ClientRole, R, F = R>(spec: RunOptionSpec<C, R, F>): RunOptionSpec<C, R, F> => spec;

/**
 * Every name of RunOptions, each with its role in PredictionClientOptions: the
 * compiler checks that the table and both interfaces name the same options (a
 * client option that run() lacks shows as a missing entry `never`).
 */
type RunOptionTable = {
  readonly [K in keyof RunOptions]-?: Pick<RunOptionSpec, 'alias' | 'aliasOf' | 'group' | 'shape'> & {
    client: K extends keyof PredictionClientOptions ? 'bound' | 'default' : 'call';
  };
} & { readonly [K in Exclude<keyof PredictionClientOptions, keyof RunOptions>]: never };

const frozenCopy = (given: object): object => Object.freeze({ ...given });

/** The run() options in the order they are checked (which error comes first) and listed in messages. */
export const RUN_OPTIONS = {
  targetAddress: option({
    shape: 'value',
    client: 'bound',
    resolve: (value, name) => checkTargetAddress(value, name),
    spec: (targetAddress) => ({ targetAddress }),
  }),
  modelName: option({
    shape: 'value',
    client: 'default',
    resolve: (value, name) => checkModelName(value, name),
    spec: (modelName) => ({ modelName }),
  }),
  modelVersion: option({
    shape: 'value',
    client: 'default',
    group: 'version',
    resolve: (value, name) => checkModelVersion(value, name),
    spec: (modelVersion) => ({ modelVersion }),
  }),
  versionLabel: option({
    shape: 'value',
    client: 'default',
    group: 'version',
    resolve: (value, name) => checkVersionLabel(value, name),
    relate: (versionLabel, _name, earlier) => {
      checkVersionChoice(earlier.modelVersion as number, versionLabel);
      return versionLabel;
    },
    spec: (versionLabel) => ({ versionLabel }),
  }),
  signatureName: option({
    shape: 'value',
    client: 'default',
    resolve: (value, name) => checkSignatureName(value, name),
    spec: (signatureName) => ({ signatureName }),
  }),
  deadlineMillis: option({
    shape: 'value',
    client: 'default',
    group: 'deadline',
    alias: 'maxRpcDeadlineMillis',
    resolve: (value, name) => checkDeadline(value, name),
    spec: (maxRpcDeadlineMillis) => ({ maxRpcDeadlineMillis }),
  }),
  maxRpcDeadlineMillis: { shape: 'value', client: 'default', group: 'deadline', aliasOf: 'deadlineMillis' },
  signal: option({ shape: 'call', client: 'call', resolve: (value, name) => checkSignal(value, name) }),
  inputTensorAliases: option({
    shape: 'list',
    client: 'call',
    resolve: (value, name) => checkAliases(value, name),
    spec: (inputTensorAliases) => ({ inputTensorAliases }),
  }),
  inputTensors: option({
    shape: 'call',
    client: 'call',
    // An array first; its tensors are converted once its length is known to match the aliases.
    resolve: (value, name): unknown[] => {
      if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of tensors, got ${describe(value)}`);
      return value;
    },
    relate: (tensors, name, earlier) => {
      checkSameLength(earlier.inputTensorAliases as string[], 'inputTensorAliases', tensors, name);
      return tensors.map((tensor, i) => toNativeInput(tensor, `${name}[${i}]`));
    },
    spec: (inputTensors) => ({ inputTypes: inputTensors.map((tensor) => tensor.dtype) }),
  }),
  outputTensorAliases: option({
    shape: 'list',
    client: 'default',
    resolve: (value, name) => checkAliases(value, name),
    spec: (outputTensorAliases) => ({ outputTensorAliases }),
  }),
  outputTypes: option({
    shape: 'list',
    client: 'default',
    resolve: (value, name) => checkOutputTypes(value, name),
    relate: (outputTypes, name, earlier) => {
      checkSameLength(earlier.outputTensorAliases as string[], 'outputTensorAliases', outputTypes, name);
      return outputTypes;
    },
    spec: (outputTypes) => ({ outputTypes: outputTypes.map((dtype) => DTYPES[dtype].tfType) }),
  }),
  channelOptions: option({
    shape: 'object',
    client: 'bound',
    resolve: (value, name) => resolveChannelOptions(value, name),
    clientDefault: frozenCopy,
    spec: (channel) => ({
      maxSendMessageBytes: channel.maxSendMessageBytes,
      maxReceiveMessageBytes: channel.maxReceiveMessageBytes,
      channelOptions: channel.text,
    }),
  }),
  credentials: option({
    shape: 'object',
    client: 'bound',
    resolve: (value, name) => tlsCredentialsId(value, name),
    clientDefault: (given: TlsCredentials) => given,
    spec: (tlsCredentialsId) => ({ tlsCredentialsId }),
  }),
  metadata: option({
    shape: 'object',
    client: 'default',
    resolve: (value, name) => resolveMetadata(value, name),
    clientDefault: frozenCopy,
    addsToDefault: true,
    callOption: (metadata) => (metadata.length === 0 ? undefined : { metadata }),
  }),
  waitForReady: option({
    shape: 'value',
    client: 'default',
    resolve: (value, name) => checkWaitForReady(value, name),
    callOption: (waitForReady) => (waitForReady ? { waitForReady } : undefined),
  }),
} satisfies RunOptionTable;

export type RunOptionName = keyof typeof RUN_OPTIONS;
type ResolvedName = {
  [K in RunOptionName]: (typeof RUN_OPTIONS)[K] extends { aliasOf: string } ? never : K;
}[RunOptionName];

/** Validated options with defaults applied, in the addon's terms: one field per option (an alias resolves under its option's name). */
export type ResolvedRunOptions = {
  -readonly [K in ResolvedName]: (typeof RUN_OPTIONS)[K] extends { relate?: (...args: never[]) => infer F } ? F : never;
};

/** The table's entries, in its order. */
export const RUN_OPTION_ENTRIES = Object.entries(RUN_OPTIONS) as [
  RunOptionName,
  RunOptionSpec<ClientRole, unknown, unknown>,
][];
const ENTRIES = RUN_OPTION_ENTRIES;

/** The names run() accepts. */
export const RUN_OPTION_NAMES: readonly string[] = ENTRIES.map(([name]) => name);

const namesOf = (role: ShapeRole): RunOptionName[] => ENTRIES.filter(([, o]) => o.shape === role).map(([name]) => name);
/** The options compared with === (ShapeRole 'value'). */
export const SHAPE_VALUE_NAMES: readonly RunOptionName[] = namesOf('value');
/** The options compared element by element (ShapeRole 'list'). */
export const SHAPE_LIST_NAMES: readonly RunOptionName[] = namesOf('list');
/** The options whose objects make a call resolve in full (ShapeRole 'object'). */
export const SHAPE_OBJECT_NAMES: readonly RunOptionName[] = namesOf('object');

/**
 * The value of option `name` in `options`, and the name it was given under:
 * an option with a deprecated alias is read under whichever was given (both is
 * a TypeError). `prefix` is how messages refer to the object, e.g. `'options.'`.
 */
export function givenOption(
  options: Record<string, unknown>,
  name: RunOptionName,
  prefix = '',
): { value: unknown; givenAs: string } {
  const { alias } = RUN_OPTIONS[name] as RunOptionSpec;
  const givenAs = alias === undefined ? name : (givenName(options, name, alias, prefix) ?? name);
  return { value: options[givenAs], givenAs };
}

/**
 * Validates run options and applies the defaults, synchronously. Throws
 * TypeError / RangeError naming the option; nothing reaches the network.
 */
export function resolveRunOptions(options: unknown): ResolvedRunOptions {
  const o = checkObject(options, 'options');
  checkKnownKeys(o, RUN_OPTION_NAMES, 'options');
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of ENTRIES) {
    if (spec.resolve === undefined) continue;
    const { value, givenAs } = givenOption(o, name);
    const own = spec.resolve(value, givenAs);
    resolved[name] = spec.relate === undefined ? own : spec.relate(own as never, givenAs, resolved);
  }
  return resolved as ResolvedRunOptions;
}

/** Strings may hold any character: prefixed with their length, no two keys collide. */
const lengthPrefixed = (text: string): string => `${text.length}:${text}`;

function keyPart(value: unknown): string {
  if (typeof value === 'string') return lengthPrefixed(value);
  if (Array.isArray(value)) {
    let part = `${value.length}[`;
    for (const element of value) part += keyPart(element) + ',';
    return part + ']';
  }
  return String(value);
}

/**
 * What fixes the kernel of a call with these options, and the key that
 * identifies it (equal specs, equal keys; different specs, different keys).
 */
export function nativeCallSpec(
  resolved: ResolvedRunOptions,
  failOpOnRpcError: boolean,
): { spec: NativeCallSpec; key: string } {
  // Per call: plain loops, no Object.assign / Object.values / join.
  const spec: Record<string, unknown> = { failOpOnRpcError };
  let key = String(failOpOnRpcError);
  const values = resolved as Record<string, unknown>;
  for (const [name, option] of ENTRIES) {
    if (option.spec === undefined) continue;
    const part = option.spec(values[name] as never) as Record<string, unknown>;
    for (const field in part) {
      spec[field] = part[field];
      key += ';' + keyPart(part[field]);
    }
  }
  return { spec: spec as unknown as NativeCallSpec, key };
}

/** The addon's per-call options for these options, or undefined when there are none. */
export function nativeCallOptions(resolved: ResolvedRunOptions): NativeCallOptions | undefined {
  let callOptions: NativeCallOptions | undefined;
  const values = resolved as Record<string, unknown>;
  for (const [name, option] of ENTRIES) {
    const part = option.callOption?.(values[name] as never);
    if (part !== undefined) callOptions = { ...callOptions, ...part };
  }
  return callOptions;
}
