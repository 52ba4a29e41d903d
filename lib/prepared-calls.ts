// Prepared native calls: the kernel for an option set with its alias tensors,
// made once and reused by every call with the same options, so that a call
// does no native setup beyond copying its inputs.
import { native, NativePreparedCall } from './native';
import { nativeCallSpec, ResolvedRunOptions } from './options';

/** As the native kernel cache: enough for any realistic set of models and options. */
const MAX_PREPARED = 1024;
const prepared = new Map<string, NativePreparedCall>();

export function preparedCall(resolved: ResolvedRunOptions, failOpOnRpcError: boolean): NativePreparedCall {
  const { spec, key } = nativeCallSpec(resolved, failOpOnRpcError);
  let call = prepared.get(key);
  if (call === undefined) {
    call = native.prepare(spec);
    if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
    prepared.set(key, call);
  }
  return call;
}
