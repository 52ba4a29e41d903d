// A client bound to one PredictionService, with per-client defaults, for
// services that call the same server all day. The addon shares one gRPC
// channel per target and one kernel per attribute set, so a client is cheap.
import { ChannelOptions, resolveChannelOptions } from './channel-options';
import type { DType } from './dtypes';
import { RemotePredictError } from './errors';
import { Metadata, resolveMetadata } from './metadata';
import { TlsCredentials, tlsCredentialsId } from './tls-credentials';
import {
  checkAliases,
  checkKnownKeys,
  checkMillis,
  checkModelName,
  checkModelVersion,
  checkObject,
  checkOutputTypes,
  checkSignatureName,
  checkTargetAddress,
  checkVersionChoice,
  checkVersionLabel,
  checkWaitForReady,
  givenName,
  resolveRunOptions,
  RunOptions,
} from './options';
import { runRecorded, runReturningStatusRecorded, RunStatusResult } from './run';
import { CallRecorder, CallStats } from './stats';
import { StatusCode } from './status-codes';
import type { OutputTensors, OutputTypes, TensorInput } from './tensor';

export interface PredictionClientOptions {
  /** Required: every call goes there. */
  targetAddress: string;
  /** Calls may then leave out `modelName`; without it each call must give one (checked at compile time too). */
  modelName?: string;
  /** Default -1 (latest); excludes `versionLabel`. */
  modelVersion?: number;
  versionLabel?: string;
  /** Default 'serving_default'. */
  signatureName?: string;
  /** Each call's deadline in milliseconds (a positive integer, at most 2^31 - 1); default 3000. */
  deadlineMillis?: number;
  /**
   * @deprecated The former name of `deadlineMillis`, still honoured. Giving
   * both is a TypeError.
   */
  maxRpcDeadlineMillis?: number;
  /** Calls may then leave out `outputTensorAliases`. */
  outputTensorAliases?: readonly string[];
  /** Calls may then leave out `outputTypes`; their outputs are typed from these. */
  outputTypes?: readonly DType[];
  /** This client's channel: message limits, load balancing, keepalive, retries, connections. */
  channelOptions?: ChannelOptions;
  /** TLS for this client's channel; default plaintext. */
  credentials?: TlsCredentials;
  /** Request headers of every call; a call's own `metadata` adds to them (its value wins for the same name). */
  metadata?: Metadata;
  /** Every call's default `waitForReady`. */
  waitForReady?: boolean;
}

/**
 * What the constructor accepts: {@link PredictionClientOptions}, where
 * `outputTypes` may also be a `string[]` (an object built without annotation),
 * checked when the client is created.
 */
export type PredictionClientOptionsInput = Omit<PredictionClientOptions, 'outputTypes'> & {
  outputTypes?: readonly string[];
};

/**
 * The constructor's options of type `D`, checked: options outside
 * {@link PredictionClientOptions} are refused (typed `never`), so is an
 * `outputTypes` entry that names no dtype.
 */
export type CheckedPredictionClientOptions<D> = {
  [K in keyof D]: K extends keyof PredictionClientOptions
    ? K extends 'outputTypes' ? OutputTypes<D[K] & readonly string[]> : D[K]
    : never;
};

/** The client's defaults: its options without `targetAddress`, the deadline as `deadlineMillis`. */
export type ClientDefaults = Omit<PredictionClientOptions, 'targetAddress' | 'maxRpcDeadlineMillis'>;

/** The `outputTypes` default of a client whose options have type `D`; `readonly DType[]` without one. */
export type DefaultOutputTypes<D> = D extends { readonly outputTypes: infer T extends readonly string[] }
  ? T : readonly DType[];

/**
 * Per-call options of a client whose options have type `D`: those of run()
 * without the target and channel; `modelName`, `outputTensorAliases` and
 * `outputTypes` are required unless the client has a default for them.
 */
export type ClientRunOptions<
  D extends PredictionClientOptionsInput = PredictionClientOptions,
  O extends readonly string[] = DefaultOutputTypes<D>,
  I extends readonly unknown[] = readonly TensorInput[],
> =
  Pick<
    RunOptions<O, I>,
    'inputTensorAliases' | 'inputTensors' | 'modelVersion' | 'versionLabel' | 'signatureName' |
    'deadlineMillis' | 'maxRpcDeadlineMillis' | 'signal' | 'metadata' | 'waitForReady'
  >
  & (D extends { readonly modelName: string } ? { modelName?: string } : { modelName: string })
  & (D extends { readonly outputTensorAliases: readonly string[] }
    ? { outputTensorAliases?: readonly string[] } : { outputTensorAliases: readonly string[] })
  & (D extends { readonly outputTypes: readonly string[] } ? { outputTypes?: OutputTypes<O> } : { outputTypes: OutputTypes<O> });

const CLIENT_OPTIONS: readonly (keyof PredictionClientOptions)[] = [
  'targetAddress', 'modelName', 'modelVersion', 'versionLabel', 'signatureName', 'deadlineMillis',
  'maxRpcDeadlineMillis', 'outputTensorAliases', 'outputTypes', 'channelOptions', 'credentials', 'metadata',
  'waitForReady',
];

/**
 * Calls one target with per-client defaults.
 *
 * `D`, the type of the constructor's options, is inferred: with
 * `new PredictionClient({ targetAddress, modelName: 'm' })` calls may leave
 * out `modelName`, without it a call lacking `modelName` does not compile;
 * likewise for `outputTensorAliases` and `outputTypes`, whose default also
 * types the outputs of calls that do not give their own.
 */
export class PredictionClient<const D extends PredictionClientOptionsInput = PredictionClientOptions> {
  readonly targetAddress: string;
  /** The validated defaults (a deadline given as `maxRpcDeadlineMillis` is here as `deadlineMillis`). */
  readonly defaults: Readonly<ClientDefaults>;
  #closed = false;
  #recorder = new CallRecorder();

  /** Validates the defaults now (TypeError / RangeError naming the option). */
  constructor(options: CheckedPredictionClientOptions<D>) {
    const o = checkObject(options, 'PredictionClient options');
    checkKnownKeys(o, CLIENT_OPTIONS, 'PredictionClient options');
    this.targetAddress = checkTargetAddress(o.targetAddress);
    const defaults: { -readonly [K in keyof ClientDefaults]: ClientDefaults[K] } = {};
    if (o.modelName !== undefined) defaults.modelName = checkModelName(o.modelName);
    if (o.modelVersion !== undefined) defaults.modelVersion = checkModelVersion(o.modelVersion);
    if (o.versionLabel !== undefined) defaults.versionLabel = checkVersionLabel(o.versionLabel);
    checkVersionChoice(defaults.modelVersion ?? -1, defaults.versionLabel ?? '');
    if (o.signatureName !== undefined) defaults.signatureName = checkSignatureName(o.signatureName);
    const deadlineName = givenName(o, 'deadlineMillis', 'maxRpcDeadlineMillis');
    if (deadlineName !== undefined) defaults.deadlineMillis = checkMillis(o[deadlineName], deadlineName);
    if (o.outputTensorAliases !== undefined) {
      defaults.outputTensorAliases = Object.freeze(checkAliases(o.outputTensorAliases, 'outputTensorAliases'));
    }
    if (o.outputTypes !== undefined) defaults.outputTypes = Object.freeze(checkOutputTypes(o.outputTypes));
    if (o.credentials !== undefined) {
      tlsCredentialsId(o.credentials, 'credentials');
      defaults.credentials = o.credentials as TlsCredentials;
    }
    if (o.channelOptions !== undefined) {
      resolveChannelOptions(o.channelOptions, 'channelOptions');
      defaults.channelOptions = Object.freeze({ ...(o.channelOptions as ChannelOptions) });
    }
    if (o.metadata !== undefined) {
      resolveMetadata(o.metadata, 'metadata');
      defaults.metadata = Object.freeze({ ...(o.metadata as Metadata) });
    }
    if (o.waitForReady !== undefined) defaults.waitForReady = checkWaitForReady(o.waitForReady);
    this.defaults = Object.freeze(defaults);
  }

  /**
   * run() against this client's target; per-call options override the
   * defaults. Inputs are copied before it returns. The outputs are typed from
   * the call's `outputTypes`, else from the client's.
   *
   * After close() it rejects with a RemotePredictError of code
   * FAILED_PRECONDITION saying the client is closed (invalid options still
   * throw synchronously first).
   */
  run<
    const O extends readonly string[] = DefaultOutputTypes<D>,
    const I extends readonly unknown[] = readonly TensorInput[],
  >(options: ClientRunOptions<D, O, I>): Promise<OutputTensors<O>> {
    const merged = this.#merge(options);
    if (this.#closed) return this.#refuse(merged);
    return runRecorded(merged, this.#recorder) as Promise<OutputTensors<O>>;
  }

  /**
   * runReturningStatus() against this client's target; per-call options
   * override the defaults. After close() it rejects, as run() does.
   */
  runReturningStatus<
    const O extends readonly string[] = DefaultOutputTypes<D>,
    const I extends readonly unknown[] = readonly TensorInput[],
  >(options: ClientRunOptions<D, O, I>): Promise<RunStatusResult<O>> {
    const merged = this.#merge(options);
    if (this.#closed) return this.#refuse(merged);
    return runReturningStatusRecorded(merged, this.#recorder) as Promise<RunStatusResult<O>>;
  }

  /**
   * Closes the client: later run() / runReturningStatus() calls reject with a
   * RemotePredictError (code FAILED_PRECONDITION, "… has been closed"). Calls
   * already in flight are not affected and settle as they would have.
   * Idempotent. (The gRPC channel is shared per target by the whole process,
   * so nothing else is torn down.)
   */
  close(): void {
    this.#closed = true;
  }

  /**
   * Counters of this client's calls (started, finished by status code, in
   * flight, latency histogram): a snapshot. The process-wide `stats()` counts
   * these too.
   */
  stats(): CallStats {
    return this.#recorder.snapshot();
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The call on a closed client: the options are still validated synchronously. */
  #refuse(merged: RunOptions): Promise<never> {
    resolveRunOptions(merged);
    return Promise.reject(new RemotePredictError(
      StatusCode.FAILED_PRECONDITION,
      `this PredictionClient (target ${this.targetAddress}) has been closed; create another one to call it again`,
    ));
  }

  #merge(options: unknown): RunOptions {
    const call = checkObject(options, 'options');
    for (const bound of ['targetAddress', 'channelOptions', 'credentials'] as const) {
      if (bound in call) {
        throw new TypeError(
          `options.${bound} cannot be given per call: a client is bound to one channel (${this.targetAddress}); ` +
          'create another PredictionClient instead',
        );
      }
    }
    // A version or a label given with the call replaces both defaults (they exclude each other).
    const versionGiven = call.modelVersion !== undefined || call.versionLabel !== undefined;
    // So does a deadline, under either of its names (run() refuses both names in one call).
    const deadlineGiven = call.deadlineMillis !== undefined || call.maxRpcDeadlineMillis !== undefined;
    const merged: Record<string, unknown> = {
      ...this.defaults,
      ...(versionGiven ? { modelVersion: undefined, versionLabel: undefined } : {}),
      ...(deadlineGiven ? { deadlineMillis: undefined } : {}),
      ...call,
      targetAddress: this.targetAddress,
    };
    // Headers add up: the call's own win for the same name.
    if (this.defaults.metadata !== undefined && call.metadata !== undefined && call.metadata !== null &&
        typeof call.metadata === 'object' && !Array.isArray(call.metadata)) {
      merged.metadata = { ...this.defaults.metadata, ...(call.metadata as Metadata) };
    }
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    return merged as unknown as RunOptions;
  }
}
