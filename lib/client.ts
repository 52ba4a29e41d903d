// A client bound to one PredictionService, with per-client defaults, for
// services that call the same server all day. The addon shares one gRPC
// channel per target and one kernel per attribute set, so a client is cheap.
import { ChannelOptions, resolveChannelOptions } from './channel-options';
import type { DType } from './dtypes';
import { TlsCredentials, tlsCredentialsId } from './tls-credentials';
import {
  checkAliases,
  checkDeadline,
  checkKnownKeys,
  checkModelName,
  checkModelVersion,
  checkObject,
  checkOutputTypes,
  checkSignatureName,
  checkTargetAddress,
  checkVersionChoice,
  checkVersionLabel,
  RunOptions,
} from './options';
import { run, runReturningStatus, RunStatusResult } from './run';
import type { Tensor } from './tensor';

export interface PredictionClientOptions {
  /** Required: every call goes there. */
  targetAddress: string;
  modelName?: string;
  /** Default -1 (latest); excludes `versionLabel`. */
  modelVersion?: number;
  versionLabel?: string;
  /** Default 'serving_default'. */
  signatureName?: string;
  /** Default 3000. */
  maxRpcDeadlineMillis?: number;
  outputTensorAliases?: string[];
  outputTypes?: DType[];
  /** Message size limits of this client's channel. */
  channelOptions?: ChannelOptions;
  /** TLS for this client's channel; default plaintext. */
  credentials?: TlsCredentials;
}

type ClientDefaults = Omit<PredictionClientOptions, 'targetAddress'>;

/** Per-call options: those of run() without the target; anything the client has a default for may be left out. */
export type ClientRunOptions =
  Omit<RunOptions, 'targetAddress' | 'channelOptions' | 'credentials' | keyof ClientDefaults> &
  Partial<Omit<ClientDefaults, 'channelOptions' | 'credentials'>>;

const CLIENT_OPTIONS: readonly (keyof PredictionClientOptions)[] = [
  'targetAddress', 'modelName', 'modelVersion', 'versionLabel', 'signatureName', 'maxRpcDeadlineMillis',
  'outputTensorAliases', 'outputTypes', 'channelOptions', 'credentials',
];

export class PredictionClient {
  readonly targetAddress: string;
  readonly defaults: Readonly<ClientDefaults>;

  /** Validates the defaults now (TypeError / RangeError naming the option). */
  constructor(options: PredictionClientOptions) {
    const o = checkObject(options, 'PredictionClient options');
    checkKnownKeys(o, CLIENT_OPTIONS, 'PredictionClient options');
    this.targetAddress = checkTargetAddress(o.targetAddress);
    const defaults: ClientDefaults = {};
    if (o.modelName !== undefined) defaults.modelName = checkModelName(o.modelName);
    if (o.modelVersion !== undefined) defaults.modelVersion = checkModelVersion(o.modelVersion);
    if (o.versionLabel !== undefined) defaults.versionLabel = checkVersionLabel(o.versionLabel);
    checkVersionChoice(defaults.modelVersion ?? -1, defaults.versionLabel ?? '');
    if (o.signatureName !== undefined) defaults.signatureName = checkSignatureName(o.signatureName);
    if (o.maxRpcDeadlineMillis !== undefined) defaults.maxRpcDeadlineMillis = checkDeadline(o.maxRpcDeadlineMillis);
    if (o.outputTensorAliases !== undefined) {
      defaults.outputTensorAliases = checkAliases(o.outputTensorAliases, 'outputTensorAliases');
    }
    if (o.outputTypes !== undefined) defaults.outputTypes = checkOutputTypes(o.outputTypes);
    if (o.credentials !== undefined) {
      tlsCredentialsId(o.credentials, 'credentials');
      defaults.credentials = o.credentials as TlsCredentials;
    }
    if (o.channelOptions !== undefined) {
      resolveChannelOptions(o.channelOptions, 'channelOptions');
      defaults.channelOptions = Object.freeze({ ...(o.channelOptions as ChannelOptions) });
    }
    this.defaults = Object.freeze(defaults);
  }

  /** run() against this client's target; per-call options override the defaults. Inputs are copied before it returns. */
  run(options: ClientRunOptions): Promise<Tensor[]> {
    return run(this.merge(options));
  }

  /** runReturningStatus() against this client's target; per-call options override the defaults. */
  runReturningStatus(options: ClientRunOptions): Promise<RunStatusResult> {
    return runReturningStatus(this.merge(options));
  }

  private merge(options: ClientRunOptions): RunOptions {
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
    const merged: Record<string, unknown> = {
      ...this.defaults,
      ...(versionGiven ? { modelVersion: undefined, versionLabel: undefined } : {}),
      ...call,
      targetAddress: this.targetAddress,
    };
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    return merged as unknown as RunOptions;
  }
}
