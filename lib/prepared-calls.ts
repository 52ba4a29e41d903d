// Prepared native calls: the kernel for an option set with its alias tensors,
// made once and reused by every call with the same options, so that a call
// does no native setup beyond copying its inputs.
import { DTYPES } from './dtypes';
import { native, NativePreparedCall } from './native';
import type { ResolvedRunOptions } from './options';

/** As the native kernel cache: enough for any realistic set of models and options. */
const MAX_PREPARED = 1024;
const prepared = new Map<string, NativePreparedCall>();

/** Strings may hold any character: prefixed with their length, no two keys collide. */
const lengthPrefixed = (text: string): string => `${text.length}:${text}`;

export function preparedCall(resolved: ResolvedRunOptions, failOpOnRpcError: boolean): NativePreparedCall {
  const inputTypes = resolved.inputTensors.map((tensor) => tensor.dtype);
  const outputTypes = resolved.outputTypes.map((dtype) => DTYPES[dtype].tfType);
  const { maxSendMessageBytes, maxReceiveMessageBytes } = resolved.channelOptions;
  const key = [
    lengthPrefixed(resolved.targetAddress), lengthPrefixed(resolved.modelName), resolved.modelVersion,
    lengthPrefixed(resolved.versionLabel), lengthPrefixed(resolved.signatureName), resolved.deadlineMillis,
    failOpOnRpcError, resolved.inputTensorAliases.map(lengthPrefixed).join(''), inputTypes.join(','),
    resolved.outputTensorAliases.map(lengthPrefixed).join(''), outputTypes.join(','), maxSendMessageBytes,
    maxReceiveMessageBytes, resolved.tlsCredentialsId, lengthPrefixed(resolved.channelOptions.text),
  ].join(';');
  let call = prepared.get(key);
  if (call === undefined) {
    call = native.prepare({
      targetAddress: resolved.targetAddress,
      modelName: resolved.modelName,
      modelVersion: resolved.modelVersion,
      versionLabel: resolved.versionLabel,
      signatureName: resolved.signatureName,
      maxRpcDeadlineMillis: resolved.deadlineMillis,
      failOpOnRpcError,
      inputTensorAliases: resolved.inputTensorAliases,
      inputTypes,
      outputTensorAliases: resolved.outputTensorAliases,
      outputTypes,
      maxSendMessageBytes,
      maxReceiveMessageBytes,
      tlsCredentialsId: resolved.tlsCredentialsId,
      channelOptions: resolved.channelOptions.text,
    });
    if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
    prepared.set(key, call);
  }
  return call;
}
