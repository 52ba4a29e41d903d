// A client bound to one PredictionService, with per-client defaults, for
// services that call the same server all day. The addon shares one gRPC
// channel per target and one kernel per attribute set, so a client is cheap.
import type { ChannelOptions } from './channel-options';
import type { DType } from './dtypes';
import { RemotePredictError } from './errors';
import type { Metadata } from './metadata';
import type { TlsCredentials } from './tls-credentials';
import {
  checkKnownKeys,
  checkObject,
  checkTargetAddress,
  checkVersionChoice,
  givenOption,
  resolveRunOptions,
  RUN_OPTION_ENTRIES,
  RunOptions,
} from './options';
import { runReturningStatusShaped, runShaped, RunStatusResult } from './run';
import { CallShapes, givenSignal, givesOnly, SHAPE_NAMES, ShapedCall, ShapeOptions, unshapedCall } from './call-shapes';
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
    ? K extends 'outputTypes'
      ? OutputTypes<D[K] & readonly string[]>
      : D[K]
    : never;
};

/** The client's defaults: its options without `targetAddress`, the deadline as `deadlineMillis`. */
export type ClientDefaults = Omit<PredictionClientOptions, 'targetAddress' | 'maxRpcDeadlineMillis'>;

/** The `outputTypes` default of a client whose options have type `D`; `readonly DType[]` without one. */
export type DefaultOutputTypes<D> = D extends { readonly outputTypes: infer T extends readonly string[] }
  ? T
  : readonly DType[];

/**
 * Per-call options of a client whose options have type `D`: those of run()
 * without the target and channel; `modelName`, `outputTensorAliases` and
 * `outputTypes` are required unless the client has a default for them.
 */
export type ClientRunOptions<
  D extends PredictionClientOptionsInput = PredictionClientOptions,
  O extends readonly string[] = DefaultOutputTypes<D>,
  I extends readonly unknown[] = readonly TensorInput[],
> = Pick<
  RunOptions<O, I>,
  | 'inputTensorAliases'
  | 'inputTensors'
  | 'modelVersion'
  | 'versionLabel'
  | 'signatureName'
  | 'deadlineMillis'
  | 'maxRpcDeadlineMillis'
  | 'signal'
  | 'metadata'
  | 'waitForReady'
> &
  (D extends { readonly modelName: string } ? { modelName?: string } : { modelName: string }) &
  (D extends { readonly outputTensorAliases: readonly string[] }
    ? { outputTensorAliases?: readonly string[] }
    : { outputTensorAliases: readonly string[] }) &
  (D extends { readonly outputTypes: readonly string[] }
    ? { outputTypes?: OutputTypes<O> }
    : { outputTypes: OutputTypes<O> });

/** What the constructor takes: the options that bind a client or that it keeps as defaults. */
const CLIENT_OPTIONS = RUN_OPTION_ENTRIES.filter(([, spec]) => spec.client !== 'call');
/** What only the constructor takes (a call giving them is refused). */
const BOUND_OPTIONS = CLIENT_OPTIONS.filter(([, spec]) => spec.client === 'bound').map(([name]) => name);
const CLIENT_OPTION_NAMES = CLIENT_OPTIONS.map(([name]) => name);
/**
 * What a call may give and still be compared with the client's kept shapes:
 * neither a bound option nor one of a group (replacing several defaults), nor an object.
 */
const SHAPED_CALL_OPTIONS: ReadonlySet<string> = new Set(
  RUN_OPTION_ENTRIES.filter(
    ([, spec]) => spec.client !== 'bound' && spec.group === undefined && spec.shape !== 'object',
  ).map(([name]) => name),
);

/** Options a call replaces together: giving any of them replaces the client's defaults of them all. */
const GROUPS = new Map<string, (keyof RunOptions)[]>();
for (const [name, { group }] of RUN_OPTION_ENTRIES) {
  if (group !== undefined) GROUPS.set(group, [...(GROUPS.get(group) ?? []), name]);
}

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
  /** Its calls' shapes: a call like an earlier one is compared with it, not resolved again. */
  #shapes = new CallShapes();

  /** Validates the defaults now (TypeError / RangeError naming the option). */
  constructor(options: CheckedPredictionClientOptions<D>) {
    const o = checkObject(options, 'PredictionClient options');
    checkKnownKeys(o, CLIENT_OPTION_NAMES, 'PredictionClient options');
    this.targetAddress = checkTargetAddress(o.targetAddress);
    const defaults: Record<string, unknown> = {};
    for (const [name, spec] of CLIENT_OPTIONS) {
      // An alias (no resolve of its own) is read under its option's name.
      if (name === 'targetAddress' || spec.resolve === undefined) continue;
      const { value, givenAs } = givenOption(o, name);
      if (value === undefined) continue;
      const resolved = spec.resolve(value, givenAs);
      defaults[name] =
        spec.clientDefault !== undefined
          ? spec.clientDefault(value as never)
          : Array.isArray(resolved)
            ? Object.freeze(resolved)
            : resolved;
    }
    checkVersionChoice(
      (defaults.modelVersion as number | undefined) ?? -1,
      (defaults.versionLabel as string | undefined) ?? '',
    );
    this.defaults = Object.freeze(defaults) as ClientDefaults;
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
    if (this.#closed) return this.#refuse(options);
    return runShaped<O>(this.#shaped(options), this.#recorder);
  }

  /**
   * runReturningStatus() against this client's target; per-call options
   * override the defaults. After close() it rejects, as run() does.
   */
  runReturningStatus<
    const O extends readonly string[] = DefaultOutputTypes<D>,
    const I extends readonly unknown[] = readonly TensorInput[],
  >(options: ClientRunOptions<D, O, I>): Promise<RunStatusResult<O>> {
    if (this.#closed) return this.#refuse(options);
    return runReturningStatusShaped<O>(this.#shaped(options), this.#recorder);
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
  #refuse(options: unknown): Promise<never> {
    resolveRunOptions(this.#merge(options));
    return Promise.reject(
      new RemotePredictError(
        StatusCode.FAILED_PRECONDITION,
        `this PredictionClient (target ${this.targetAddress}) has been closed; create another one to call it again`,
      ),
    );
  }

  /** A call's options merged with the defaults, checked (TypeError / RangeError naming the option) and shaped. */
  #shaped(options: unknown): ShapedCall {
    const call = checkObject(options, 'options');
    if (!givesOnly(call, SHAPED_CALL_OPTIONS)) return unshapedCall(resolveRunOptions(this.#merge(call)));
    const given = this.#shapeOptions(call);
    const signal = givenSignal(call.signal);
    if (signal !== false) {
      const shaped = this.#shapes.find(given, call.inputTensors, signal);
      if (shaped !== undefined) return shaped;
    }
    // Read once more from a plain copy: what is kept is exactly what was resolved, even from getters.
    const plain = { ...call };
    return this.#shapes.add(this.#shapeOptions(plain), resolveRunOptions(this.#merge(plain)));
  }

  /** The options of a call giving only SHAPED_CALL_OPTIONS, merged with the defaults. */
  #shapeOptions(call: Record<string, unknown>): ShapeOptions {
    const kept = this.defaults as Record<string, unknown>;
    const given: ShapeOptions = [];
    for (const name of SHAPE_NAMES) {
      if (name === 'targetAddress') given.push(this.targetAddress);
      else if (SHAPED_CALL_OPTIONS.has(name) && call[name] !== undefined) given.push(call[name]);
      else given.push(kept[name]);
    }
    return given;
  }

  #merge(options: unknown): RunOptions {
    const call = checkObject(options, 'options');
    for (const bound of BOUND_OPTIONS) {
      if (bound in call) {
        throw new TypeError(
          `options.${bound} cannot be given per call: a client is bound to one channel (${this.targetAddress}); ` +
            'create another PredictionClient instead',
        );
      }
    }
    const merged: Record<string, unknown> = { ...this.defaults };
    // A version or a label given with the call replaces both defaults (they exclude each other); so
    // does a deadline, under either of its names (run() refuses both names in one call).
    for (const members of GROUPS.values()) {
      if (members.some((name) => call[name] !== undefined)) for (const name of members) delete merged[name];
    }
    Object.assign(merged, call, { targetAddress: this.targetAddress });
    // Headers add up: the call's own win for the same name.
    for (const [name, spec] of CLIENT_OPTIONS) {
      const own = call[name];
      const kept = (this.defaults as Record<string, unknown>)[name];
      if (spec.addsToDefault && kept !== undefined && typeof own === 'object' && own !== null && !Array.isArray(own)) {
        merged[name] = { ...kept, ...own };
      }
    }
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    return merged as unknown as RunOptions;
  }
}
