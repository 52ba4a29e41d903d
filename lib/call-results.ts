// Results of direct calls, as the addon hands them over: every result of a
// slice of completions in one call of the handler registered here
// (cpp/addon/call_results.h). Each call in flight waits under an id.
import { native, NativeOutputTensor } from './native';
import { StatusCode } from './status-codes';
import { outputTensor, Tensor } from './tensor';

/** A call's result: the op's status, its status outputs (empty messages are ''), its outputs. */
export type CallDone = (
  code: number,
  message: string,
  statusCode: number,
  statusErrorMessage: string,
  outputs: Tensor[],
) => void;

interface Waiting {
  calls: (CallDone | undefined)[];
  freeIds: number[];
}

/**
 * Calls waiting on this addon, shared by every copy of this module that loads
 * it (a test runner that evaluates modules afresh keeps the native addon):
 * ids stay unique, and each result reaches its own call, whichever copy's
 * handler the addon calls.
 */
const waiting: Waiting = ((native as unknown as Record<symbol, Waiting | undefined>)[
  Symbol.for('tfserving-remote-predict:waiting-calls')
] ??= { calls: [], freeIds: [] });

/** The id under which the addon delivers the next call's result to `done`. */
export function awaitResult(done: CallDone): number {
  const id = waiting.freeIds.length > 0 ? waiting.freeIds.pop()! : waiting.calls.length;
  waiting.calls[id] = done;
  return id;
}

/** Gives up `id` without a result (its call was refused before it was made). */
export function forgetResult(id: number): void {
  waiting.calls[id] = undefined;
  waiting.freeIds.push(id);
}

/** The layout is documented at CallResults::SetHandler(). */
function deliverResults(
  results: Float64Array,
  bytes: ArrayBuffer,
  values: NativeOutputTensor['data'][],
  messages: string[],
): void {
  let failed: { error: unknown } | undefined;
  let at = 0;
  while (at < results.length) {
    const id = results[at];
    const code = results[at + 1];
    const message = results[at + 2] < 0 ? '' : messages[results[at + 2]];
    const statusCode = results[at + 3];
    const statusErrorMessage = results[at + 4] < 0 ? '' : messages[results[at + 4]];
    const count = results[at + 5];
    at += 6;
    const outputs: Tensor[] = [];
    let unreadable: unknown;
    for (let i = 0; i < count; i++) {
      const tfType = results[at];
      const rank = results[at + 1];
      at += 2;
      if (!(rank >= 0 && at + rank + 3 <= results.length))
        throw new TypeError('native addon returned a malformed result');
      const shape: number[] = [];
      for (let d = 0; d < rank; d++) shape.push(results[at + d]);
      at += rank;
      const value = results[at];
      const byteOffset = results[at + 1];
      const byteLength = results[at + 2];
      at += 3;
      try {
        outputs.push(
          value >= 0
            ? outputTensor(tfType, shape, values[value])
            : outputTensor(tfType, shape, bytes, byteOffset, byteLength),
        );
      } catch (error) {
        unreadable ??= error;
      }
    }
    const done = waiting.calls[id];
    if (done === undefined) throw new TypeError(`native addon returned a result for call ${id}, which is not waiting`);
    forgetResult(id);
    try {
      if (unreadable === undefined) done(code, message, statusCode, statusErrorMessage, outputs);
      else done(StatusCode.INTERNAL, `native addon returned an unreadable output: ${String(unreadable)}`, 0, '', []);
    } catch (error) {
      failed ??= { error };
    }
  }
  // As a callback of Node's own would: reported as uncaught, after the others ran.
  if (failed !== undefined) throw failed.error;
}

native.setCallResultHandler(deliverResults);
